"""Pacing rules: when a learner may be sent something. Pure, no I/O.

A learner's day is a *working day* when it is one of their working days, not a bank
holiday in their nation, and not inside their leave. Proactive messages go only inside
their working hours on working days, in their time zone (the learner's, else the
council's, else Europe/London). Local times are turned into UTC with `zoneinfo`, so
clock changes (BST) move the UTC instant, never the local time.

This module is the one home of these definitions (working day, on leave, bank holiday,
local date) and of the pacing defaults; every learner's `Pacing` is built from stored
settings by `learner_pacing`, which fills in the defaults. Chat, the planner, the team
report, the dashboard, exports and the simulation all use them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The pacing defaults, in one place: a learner or council that leaves a setting empty
# gets these (the refresher round's are `scheduler.planner.RoundRules`, the desired
# retention `scheduler.srs.DEFAULT_RETENTION`).
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_LEARNING_TIME = dt.time(9, 0)
DEFAULT_NATION = "england"
DEFAULT_WORKING_DAYS = ("mon", "tue", "wed", "thu", "fri")
DEFAULT_WORK_START = dt.time(8, 0)  # a council's working hours unless it sets its own
DEFAULT_WORK_END = dt.time(18, 0)
DEFAULT_LESSON_CAP = 1  # proactive lesson nudges per learner per day
NATIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}
LAST_SEND_BEFORE_END = dt.timedelta(minutes=15)
# What an officer is asked for in one day: modules are offered one after another only
# while the day's modules stay within this (a learner can always ask with /next).
DAILY_MINUTES = 20
TODAY_WINDOW = dt.timedelta(hours=12)  # "today's" modules: those completed this long ago


@dataclass(frozen=True)
class Pacing:
    """Everything the pacing rules need to know about one learner."""

    timezone: str
    nation: str
    working_days: tuple[str, ...]
    learning_time: dt.time
    work_start: dt.time
    work_end: dt.time
    away_from: dt.date | None = None
    away_until: dt.date | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The learner's time zone."""
        return zone(self.timezone)

    def __hash__(self) -> int:
        # A Pacing is the key of the cached rules below, looked up several times for each
        # learner planned; learners with the same settings share one object, so its hash
        # is worked out once, not from all eight fields at every lookup.
        found: int | None = self.__dict__.get("_hash")
        if found is None:
            found = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", found)
        return found


def learner_pacing(
    *,
    working_days: str | Iterable[str] | None = None,
    timezone: str | None = None,
    nation: str | None = None,
    learning_time: str | None = None,
    work_start: str | None = None,
    work_end: str | None = None,
    away_from: dt.date | None = None,
    away_until: dt.date | None = None,
) -> Pacing:
    """A learner's `Pacing` from their stored settings: the one constructor.

    The caller passes the learner's own setting, else their council's (time zone,
    nation), and the council's working hours; a setting that is still missing (None) or
    malformed takes its default from this module. Working days may be stored text
    ("mon tue wed") or a tuple; an empty set stays empty (no working day)."""
    days = DEFAULT_WORKING_DAYS if working_days is None else working_days
    return Pacing(
        timezone=timezone or DEFAULT_TIMEZONE,
        nation=nation or DEFAULT_NATION,
        working_days=tuple(days.split() if isinstance(days, str) else days),
        learning_time=parse_hhmm(learning_time, DEFAULT_LEARNING_TIME),
        work_start=parse_hhmm(work_start, DEFAULT_WORK_START),
        work_end=parse_hhmm(work_end, DEFAULT_WORK_END),
        away_from=away_from,
        away_until=away_until,
    )


def hhmm(value: dt.time) -> str:
    """A time as settings store it: 'HH:MM'."""
    return value.strftime("%H:%M")


@lru_cache(maxsize=256)
def zone(name: str | None) -> ZoneInfo:
    """A time zone by name; Europe/London when unknown or missing."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


@lru_cache(maxsize=2048)
def parse_hhmm(value: str | None, default: dt.time) -> dt.time:
    """'HH:MM' as a time; the default when missing or malformed."""
    try:
        hours, minutes = (value or "").split(":")
        return dt.time(int(hours), int(minutes))
    except ValueError:
        return default


@lru_cache(maxsize=64)
def _bank_holidays(nation: str, year: int) -> frozenset[dt.date]:
    subdivision = NATIONS.get(nation, "ENG")
    return frozenset(holidays.country_holidays("GB", subdiv=subdivision, years=year).keys())


def is_bank_holiday(nation: str, day: dt.date) -> bool:
    """True on a UK bank holiday in that nation (England when the nation is unknown)."""
    return day in _bank_holidays(nation, day.year)


def on_leave(pacing: Pacing, day: dt.date) -> bool:
    """True on a day inside the learner's leave (both ends included; leave with no first
    day runs from any day up to its last). Leave that starts later is not leave yet."""
    if pacing.away_until is None:
        return False
    start = pacing.away_from or day
    return start <= day <= pacing.away_until


def leave_end(pacing: Pacing, day: dt.date) -> dt.date | None:
    """The last day of the learner's leave when on `day` they are on leave or have leave
    ahead of them (what `/settings` shows and `/start` can end); else None."""
    if pacing.away_until is None or pacing.away_until < day:
        return None
    return pacing.away_until


@lru_cache(maxsize=8192)
def is_working_day(pacing: Pacing, day: dt.date) -> bool:
    """May the learner be sent anything on this local date? One of their working days,
    not a bank holiday of their nation, not on leave. The one definition of a working
    day: sending, and counting working days for "behind" and "stuck", use it."""
    return (
        WEEKDAYS[day.weekday()] in pacing.working_days
        and not is_bank_holiday(pacing.nation, day)
        and not on_leave(pacing, day)
    )


@lru_cache(maxsize=8192)
def window(pacing: Pacing, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The learner's working hours on a local date, as UTC instants [start, end)."""
    tz = pacing.zone
    start = dt.datetime.combine(day, pacing.work_start, tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day, pacing.work_end, tz).astimezone(dt.UTC)
    return start, end


def in_working_hours(pacing: Pacing, at: dt.datetime) -> bool:
    """Is `at` inside the learner's working hours on one of their working days?"""
    day = at.astimezone(pacing.zone).date()
    if not is_working_day(pacing, day):
        return False
    start, end = window(pacing, day)
    return start <= at < end


@lru_cache(maxsize=8192)  # learners share settings, so planning a day mostly hits the cache
def lesson_time(pacing: Pacing, day: dt.date) -> dt.datetime | None:
    """When the lesson of the day is offered (UTC), or None on a day off.

    A learning time outside working hours is moved inside them."""
    if not is_working_day(pacing, day):
        return None
    start, end = window(pacing, day)
    if end - start <= LAST_SEND_BEFORE_END:
        return None
    wanted = dt.datetime.combine(day, pacing.learning_time, pacing.zone).astimezone(dt.UTC)
    return min(max(wanted, start), end - LAST_SEND_BEFORE_END)


def local_date(pacing: Pacing, at: dt.datetime) -> dt.date:
    """The learner's local date at an instant."""
    return at.astimezone(pacing.zone).date()
