"""An officer's progress at a glance (Slack's App Home): what it says, decided from the
facts storage reads (`bot.ports.HomeFactsReader`). Pure.

The streak counts the learner's working days in a row with at least one answer (quiz or
refresher), ending today or, if nothing is answered yet today, yesterday. A working day
is `scheduler.pacing.is_working_day`: weekends, bank holidays and leave are days off,
which neither break the streak nor pad it (an answer on one still counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.decision import Context
from bot.flows.learning import next_module
from bot.state import ModuleProgress, ModuleStatus
from bot.texts import ENGLISH
from lessons.model import Curriculum
from scheduler.pacing import Pacing, is_working_day, local_date

if TYPE_CHECKING:  # the port names HomeFacts: a cycle at import time
    from bot.ports import HomeFactsReader

STREAK_LOOKBACK_DAYS = 400


@dataclass(frozen=True)
class HomeFacts:
    """What is stored about a learner that their App Home shows: their council, module
    records, calendar, when they answered (quiz answers and refresher reviews since the
    time asked for) and how many refreshers are due."""

    pacing: Pacing
    council_code: str | None = None
    council_name: str | None = None
    module_id: str | None = None
    progress: Mapping[str, ModuleProgress] = field(default_factory=dict)
    answered_at: tuple[dt.datetime, ...] = ()
    refreshers_due: int = 0


@dataclass(frozen=True)
class HomeSummary:
    """What the App Home shows. `started` is False for someone the bot has not met."""

    started: bool
    council: str | None = None
    done: int = 0
    total: int = 0
    current_title: str | None = None
    next_title: str | None = None
    refreshers_due: int = 0
    streak: int = 0


def streak_since(now: dt.datetime) -> dt.datetime:
    """The earliest answer the streak can reach back to: the facts to read from."""
    return now - dt.timedelta(days=STREAK_LOOKBACK_DAYS)


def working_day_streak(answered_on: Iterable[dt.date], today: dt.date, pacing: Pacing) -> int:
    """Working days in a row with an answer, ending today (or yesterday if today has none
    yet). A day off with an answer counts; a day off without one is skipped."""
    days = set(answered_on)
    day = today if today in days else today - dt.timedelta(days=1)
    streak = 0
    for _ in range(STREAK_LOOKBACK_DAYS):
        if day in days:
            streak += 1
        elif is_working_day(pacing, day):
            break
        day -= dt.timedelta(days=1)
    return streak


def home_summary(facts: HomeFacts | None, curriculum: Curriculum, now: dt.datetime) -> HomeSummary:
    """The App Home numbers from a learner's facts (None: someone the bot has not met)."""
    if facts is None:
        return HomeSummary(started=False)
    pacing = facts.pacing
    answered_on = {local_date(pacing, when) for when in facts.answered_at}
    streak = working_day_streak(answered_on, local_date(pacing, now), pacing)
    council_curriculum = curriculum.for_council(facts.council_code)
    ctx = Context(curriculum=council_curriculum, texts=ENGLISH, now=now, progress=facts.progress)
    modules = council_curriculum.modules
    done = sum(
        1
        for m in modules
        if (p := facts.progress.get(m.id)) is not None and p.status is ModuleStatus.COMPLETED
    )
    current = council_curriculum.module(facts.module_id) if facts.module_id else None
    upcoming = next_module(ctx, after=current.id if current else None)
    return HomeSummary(
        started=True,
        council=facts.council_name,
        done=done,
        total=len(modules),
        current_title=current.title if current else None,
        next_title=upcoming.title if upcoming else None,
        refreshers_due=facts.refreshers_due,
        streak=streak,
    )


def read_home(
    reader: HomeFactsReader, curriculum: Curriculum, platform: str, user_id: str, now: dt.datetime
) -> HomeSummary:
    """The App Home numbers for a platform user, from the facts the reader finds;
    `started=False` if the bot has not met them. Reads only: it never creates a learner."""
    facts = reader.home_facts(platform, user_id, now, streak_since(now))
    return home_summary(facts, curriculum, now)
