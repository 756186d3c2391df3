"""The Telegram channel: webhook (or long polling) in, Bot API calls out, via python-telegram-bot.

`convert` is pure (updates ⇄ neutral messages), `adapter` is the transport and lifecycle,
`sender` sends proactive deliveries for the scheduler's dispatcher.
"""
