"""Every string the Slack channel itself shows (the bot's own words are in bot/texts.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlackTexts:
    """The Slack surface's English wording: App Home, locked questions, installs."""

    choose_button: str = "Choose"
    your_answer: str = "Your answer: {label}"
    answered_in_dm: str = "I have replied in your direct messages with Contract Bites."
    home_title: str = "Contract Bites"
    home_intro: str = (
        "Short bites of contract and relationship management: a few cards, then a quick quiz."
    )
    home_new: str = "You have not started yet. Press Start, or send me a message."
    home_start_button: str = "Start"
    home_council: str = "Council: {council}"
    home_modules: str = "*Modules done:* {done} of {count}"
    home_current: str = "*In progress:* {title}"
    home_next: str = "*Next lesson:* {title}"
    home_all_done: str = "*Next lesson:* you have completed every module."
    home_refreshers: str = "*Refreshers due:* {count}"
    home_streak_days: str = "*Streak:* {days} working days in a row"
    home_streak_one: str = "*Streak:* 1 working day"
    home_streak_none: str = "*Streak:* none yet. Answer a question today to start one."
    home_continue_button: str = "Continue"
    home_help: str = "In our messages, type `next`, `progress` or `help`, or use `/bites help`."
    install_done: str = (
        "Contract Bites is installed in {team}. Ask your Contract Bites administrator to link "
        "this workspace to your council, then officers can open Contract Bites in Slack."
    )
    install_failed: str = "The installation did not complete ({reason}). Please try again."


ENGLISH = SlackTexts()
