"""Pacing and the in-process ticker. The pure parts (clock values) may be used by the bot;
the runtime (APScheduler) is wired in only by app/.
"""
