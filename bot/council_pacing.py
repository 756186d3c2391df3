"""The rules for a council's pacing settings, shared by `bites council set` and the
dashboard's settings page so both accept exactly the same values. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.schedule_words import parse_time
from scheduler.pacing import NATIONS

PACING_FIELDS = (
    "timezone",
    "nation",
    "work_start",
    "work_end",
    "desired_retention",
    "lesson_cap",
    "round_size",
    "round_size_lesson_day",
    "backlog_limit",
)
# Numbers: their type and inclusive bounds (FSRS advises a retention of 0.7 to 0.97).
NUMBER_BOUNDS: dict[str, tuple[type[int] | type[float], float, float]] = {
    "desired_retention": (float, 0.7, 0.97),
    "lesson_cap": (int, 0, 3),
    "round_size": (int, 0, 30),
    "round_size_lesson_day": (int, 0, 30),
    "backlog_limit": (int, 0, 500),
}


class Problem(Enum):
    """What is wrong with one field."""

    TIMEZONE = "not an IANA time zone"
    NATION = "not one of the UK nations"
    TIME = "not a time like 08:30"
    HOURS = "the working day must end after it starts"
    RANGE = "not a number in the allowed range"


@dataclass(frozen=True)
class PacingCheck:
    """Typed values of the fields that passed, and a problem for each that did not."""

    values: Mapping[str, object]
    problems: Mapping[str, Problem]


def check_pacing(raw: Mapping[str, str]) -> PacingCheck:
    """Check the pacing fields given (a form gives all, the CLI those it was told)."""
    values: dict[str, object] = {}
    problems: dict[str, Problem] = {}
    for name, text in raw.items():
        text = text.strip()
        if name == "timezone":
            _check(name, text if _is_zone(text) else None, Problem.TIMEZONE, values, problems)
        elif name == "nation":
            _check(name, text if text in NATIONS else None, Problem.NATION, values, problems)
        elif name in ("work_start", "work_end"):
            _check(name, parse_time(text), Problem.TIME, values, problems)
        elif name in NUMBER_BOUNDS:
            _check(name, _number(name, text), Problem.RANGE, values, problems)
    start, end = values.get("work_start"), values.get("work_end")
    if isinstance(start, str) and isinstance(end, str) and end <= start:
        problems["work_end"] = Problem.HOURS
        del values["work_end"]
    return PacingCheck(values, problems)


def _check(
    name: str,
    value: object | None,
    problem: Problem,
    values: dict[str, object],
    problems: dict[str, Problem],
) -> None:
    if value is None:
        problems[name] = problem
    else:
        values[name] = value


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


def _number(name: str, text: str) -> int | float | None:
    kind, low, high = NUMBER_BOUNDS[name]
    try:
        value = kind(text)
    except ValueError:
        return None
    return value if low <= value <= high else None
