"""Read and write learning times and working days in words people type and read."""

from __future__ import annotations

import datetime as dt
import re

from bot.texts import Texts
from scheduler.pacing import DEFAULT_WORKING_DAYS, WEEKDAYS

_TIME = re.compile(r"^(\d{1,2})(?:[:.h ]?(\d{2}))?\s*(am|pm)?$")
_DAY_PREFIXES = {d: d for d in WEEKDAYS} | {
    "tues": "tue",
    "thur": "thu",
    "thurs": "thu",
    "weds": "wed",
}


def parse_time(raw: str) -> str | None:
    """'9:15', '0915', '9.15', '2pm', '14:30' → 'HH:MM'; None if not a time of day."""
    match = _TIME.match(raw.strip().lower())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _day(token: str) -> str | None:
    token = token.lower().strip(".")
    if len(token) < 3:
        return None
    for prefix, day in _DAY_PREFIXES.items():
        if token.startswith(prefix) or (len(token) >= 3 and _full_name(day).startswith(token)):
            return day
    return None


def _full_name(day: str) -> str:
    return ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
        WEEKDAYS.index(day)
    ]


def parse_days(raw: str) -> tuple[str, ...] | None:
    """'mon tue thu', 'Monday-Friday', 'mon to wed, fri' → ordered day codes; None if unclear."""
    text = raw.lower().replace(" to ", "-").replace("–", "-")
    chosen: set[str] = set()
    for part in re.split(r"[,\s/&]+|\band\b", text):
        if not part:
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _day(first), _day(last)
            if start is None or end is None:
                return None
            i, j = WEEKDAYS.index(start), WEEKDAYS.index(end)
            if i > j:
                return None
            chosen.update(WEEKDAYS[i : j + 1])
        elif (day := _day(part)) is not None:
            chosen.add(day)
        else:
            return None
    return tuple(d for d in WEEKDAYS if d in chosen) or None


def describe_days(days: tuple[str, ...], texts: Texts) -> str:
    """'Monday to Friday' for a run of three or more days, else 'Monday, Wednesday and Friday'."""
    if days == DEFAULT_WORKING_DAYS:
        return texts.days_weekdays
    indexes = [WEEKDAYS.index(d) for d in days]
    names = [texts.day_names[i] for i in indexes]
    if len(indexes) >= 3 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return texts.days_range.format(first=names[0], last=names[-1])
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + texts.list_and + names[-1]


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:\s+(\d{4}))?$")
_SPAN = re.compile(r"^(?:for\s+)?(a|an|one|\d{1,3})\s+(day|week)s?$")
_WEEKDAY = re.compile(r"^(?:next\s+|on\s+)?([a-z]+)$")


def parse_date(raw: str, today: dt.date) -> dt.date | None:
    """A date as UK officers type it: 2026-12-24, 24/12/2026, 24/12, 24 Dec, 24th December
    2026; or in words: today, tomorrow, (next) Monday, 2 weeks, 10 days. Without a year, the
    next such date from today on; a weekday is the first one after today; a span counts
    today as its first day (2 weeks from a Monday ends on the Sunday a fortnight on). None
    if it is not a date."""
    text = raw.strip().lower().replace(",", "")
    worded = _in_words(text, today)
    if worded is not None:
        return worded
    try:
        if match := _ISO.match(text):
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _NUMERIC.match(text):
            day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
            return _dated(day, month, year, today)
        if match := _WORDS.match(text):
            month_name = match.group(2)[:3]
            if month_name not in _MONTHS:
                return None
            return _dated(int(match.group(1)), _MONTHS.index(month_name) + 1, match.group(3), today)
    except ValueError:  # e.g. 31 February
        return None
    return None


def _in_words(text: str, today: dt.date) -> dt.date | None:
    """today, tomorrow, (next) Monday, N days or weeks; None for anything else."""
    if text in {"today", "tomorrow"}:
        return today + dt.timedelta(days=0 if text == "today" else 1)
    if match := _SPAN.match(text):
        count = 1 if match.group(1) in {"a", "an", "one"} else int(match.group(1))
        days = count * (7 if match.group(2) == "week" else 1)
        return today + dt.timedelta(days=days - 1) if days > 0 else None
    match = _WEEKDAY.match(text)
    day = _day(match.group(1)) if match else None
    if (
        match
        and day
        and (match.group(1) in _DAY_PREFIXES or _full_name(day).startswith(match.group(1)))
    ):
        ahead = (WEEKDAYS.index(day) - today.weekday()) % 7 or 7
        return today + dt.timedelta(days=ahead)
    return None


def describe_date(day: dt.date) -> str:
    """'20 March 2026': a date as the bot writes it."""
    return f"{day.day} {day:%B %Y}"


def _dated(day: int, month: int, year: str | None, today: dt.date) -> dt.date:
    if year is not None:
        full = int(year) + (2000 if len(year) == 2 else 0)
        return dt.date(full, month, day)
    candidate = dt.date(today.year, month, day)
    return candidate if candidate >= today else dt.date(today.year + 1, month, day)
