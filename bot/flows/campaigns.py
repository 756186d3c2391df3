"""Refresher campaigns, the pure part: schedule rules and which questions a campaign asks.

A rule says on which local dates a campaign starts a round:
- `once:YYYY-MM-DD`: one round, that day;
- `first-monday-of-month`: the first Monday of every month;
- `first-monday-of-quarter`: the first Monday of January, April, July and October.

A round lasts `ROUND_DAYS` days: on each working day of it the planner sends the
campaign's questions not yet sent in that round, within the learner's daily refresher cap,
so a long campaign spreads over several days and never crowds out the cap.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from lessons.model import Curriculum

ROUND_DAYS = 14
LOW_SCORE = 0.6  # "people who scored low": last quiz score under 60% on those modules
TARGET_KINDS = ("council", "team", "role", "low_scorers")
_ONCE = re.compile(r"^once:(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Rule:
    """A parsed schedule rule."""

    kind: str  # "once", "month" or "quarter"
    day: dt.date | None = None  # for "once"


def parse_rule(text: str) -> Rule:
    """A rule from its text; ValueError naming the accepted forms otherwise."""
    value = text.strip().lower()
    if value == "first-monday-of-month":
        return Rule("month")
    if value == "first-monday-of-quarter":
        return Rule("quarter")
    if match := _ONCE.match(value):
        try:
            return Rule("once", dt.date.fromisoformat(match.group(1)))
        except ValueError:
            pass
    raise ValueError(
        f"{text!r} is not a schedule: use once:YYYY-MM-DD, first-monday-of-month or "
        "first-monday-of-quarter"
    )


def _first_monday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7)


def latest_start(rule: Rule, day: dt.date) -> dt.date | None:
    """The latest round start on or before `day`, if any."""
    if rule.kind == "once":
        assert rule.day is not None
        return rule.day if rule.day <= day else None
    year, month = day.year, day.month
    for _ in range(13):
        if rule.kind == "month" or month in (1, 4, 7, 10):
            start = _first_monday(year, month)
            if start <= day:
                return start
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def next_start(rule: Rule, day: dt.date) -> dt.date | None:
    """The first round start on or after `day`, if any."""
    if rule.kind == "once":
        assert rule.day is not None
        return rule.day if rule.day >= day else None
    year, month = day.year, day.month
    for _ in range(13):
        if rule.kind == "month" or month in (1, 4, 7, 10):
            start = _first_monday(year, month)
            if start >= day:
                return start
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return None


def current_round(rule: Rule, day: dt.date) -> dt.date | None:
    """The start of the round running on `day` (it began at most ROUND_DAYS - 1 days
    before), or None between rounds."""
    start = latest_start(rule, day)
    if start is None or (day - start).days >= ROUND_DAYS:
        return None
    return start


def campaign_questions(
    curriculum: Curriculum, modules: tuple[str, ...], questions: tuple[str, ...]
) -> tuple[str, ...]:
    """The question ids a campaign asks: the refresher questions of its modules, then the
    questions named one by one, each once, in that order."""
    chosen: list[str] = []
    for module_id in modules:
        module = curriculum.module(module_id)
        if module is not None:
            chosen += [q.id for q in module.questions if q.refresher]
    chosen += [q for q in questions if curriculum.find_question(q) is not None]
    return tuple(dict.fromkeys(chosen))


def campaign_modules(
    curriculum: Curriculum, modules: tuple[str, ...], questions: tuple[str, ...]
) -> tuple[str, ...]:
    """The modules a campaign covers (its own, and those of its questions): what "scored
    low" is measured on."""
    found = [curriculum.find_question(q) for q in questions]
    return tuple(dict.fromkeys([*modules, *(f[0].id for f in found if f is not None)]))
