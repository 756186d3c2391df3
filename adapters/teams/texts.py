"""Every word the Teams channel itself says (the bot's own words live in bot/texts.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TeamsTexts:
    """The Teams channel's user-facing strings, in one place for translation."""

    unknown_tenant: str = (
        "Contract Bites is not set up for your organisation yet. Please ask your council's "
        "Teams administrator or learning lead to register your organisation, then say hello "
        "again. Nothing you typed has been kept."
    )
    group_redirect: str = (
        "Let's continue in our 1:1 chat: open Contract Bites from the Apps bar in Teams. "
        "Your lessons and scores stay private there."
    )
    your_answer: str = "Your answer: {label}"
    you_chose: str = "You chose: {label}"
    choose_one: str = "Choose one: {labels}."


ENGLISH = TeamsTexts()
