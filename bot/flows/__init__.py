"""Conversation flows: pure functions from (state, intent, context) to a Decision."""
