"""The platform-neutral bot: conversation flows and domain services.

Flows are pure: (state, intent, context) in, (new state, replies, records) out. The ports
the bot needs (store, clock) are Protocols in `bot.ports`; storage and adapters implement
them. This package imports `lessons` and the pure policy in `scheduler` (pacing, srs,
planner, calibration), never storage, adapters, the dashboard or the app: the
import-linter contracts in pyproject.toml hold it to that.
"""
