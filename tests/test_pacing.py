"""The pacing rules on fixed dates: working days, bank holidays, leave, hours, time zones
and clock changes."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.pacing import (
    Pacing,
    in_working_hours,
    is_working_day,
    lesson_time,
    zone,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def pacing(**changes: object) -> Pacing:
    values: dict[str, object] = {
        "timezone": "Europe/London",
        "nation": "england",
        "working_days": WEEKDAYS,
        "learning_time": dt.time(12, 30),
        "work_start": dt.time(8, 0),
        "work_end": dt.time(18, 0),
    }
    values.update(changes)
    return Pacing(**values)  # type: ignore[arg-type]


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)  # type: ignore[misc]


def test_lesson_time_is_the_learning_time_in_the_learners_zone_across_the_clock_change() -> None:
    p = pacing()
    assert lesson_time(p, dt.date(2026, 3, 27)) == utc(2026, 3, 27, 12, 30)  # GMT
    assert lesson_time(p, dt.date(2026, 3, 30)) == utc(2026, 3, 30, 11, 30)  # BST
    assert lesson_time(p, dt.date(2026, 10, 23)) == utc(2026, 10, 23, 11, 30)  # BST
    assert lesson_time(p, dt.date(2026, 10, 26)) == utc(2026, 10, 26, 12, 30)  # GMT again


def test_a_learners_own_time_zone_is_used() -> None:
    p = pacing(timezone="America/New_York")
    assert lesson_time(p, dt.date(2026, 3, 2)) == utc(2026, 3, 2, 17, 30)
    assert in_working_hours(p, utc(2026, 3, 2, 13, 0))  # 08:00 in New York
    assert not in_working_hours(p, utc(2026, 3, 2, 12, 59))


def test_an_unknown_time_zone_falls_back_to_london() -> None:
    assert zone("Mars/Olympus_Mons").key == "Europe/London"
    assert zone(None).key == "Europe/London"


def test_weekends_and_chosen_days_off_are_not_working_days() -> None:
    p = pacing(working_days=("mon", "tue", "wed", "thu"))
    assert is_working_day(p, dt.date(2026, 3, 5))  # Thursday
    assert not is_working_day(p, dt.date(2026, 3, 6))  # Friday, not worked
    assert not is_working_day(p, dt.date(2026, 3, 7))  # Saturday
    assert lesson_time(p, dt.date(2026, 3, 6)) is None


@pytest.mark.parametrize(
    ("nation", "day", "holiday"),
    [
        ("england", dt.date(2026, 4, 3), True),  # Good Friday
        ("england", dt.date(2026, 4, 6), True),  # Easter Monday
        ("scotland", dt.date(2026, 4, 6), False),  # not a bank holiday in Scotland
        ("scotland", dt.date(2026, 1, 2), True),  # 2 January is, in Scotland only
        ("england", dt.date(2026, 1, 2), False),
        ("northern_ireland", dt.date(2026, 3, 17), True),  # St Patrick's Day
        ("england", dt.date(2026, 12, 28), True),  # Boxing Day, substitute
    ],
)
def test_bank_holidays_follow_the_learners_nation(nation: str, day: dt.date, holiday: bool) -> None:
    assert is_working_day(pacing(nation=nation), day) is not holiday


def test_leave_days_are_not_working_days_both_ends_included() -> None:
    p = pacing(away_from=dt.date(2026, 3, 9), away_until=dt.date(2026, 3, 13))
    assert is_working_day(p, dt.date(2026, 3, 6))
    assert not is_working_day(p, dt.date(2026, 3, 9))
    assert not is_working_day(p, dt.date(2026, 3, 13))
    assert is_working_day(p, dt.date(2026, 3, 16))


def test_a_learning_time_outside_working_hours_is_moved_inside() -> None:
    early = pacing(learning_time=dt.time(6, 0))
    late = pacing(learning_time=dt.time(21, 0))
    assert lesson_time(early, dt.date(2026, 3, 2)) == utc(2026, 3, 2, 8, 0)
    assert lesson_time(late, dt.date(2026, 3, 2)) == utc(2026, 3, 2, 17, 45)


def test_no_working_hours_at_night_or_on_the_missing_hour() -> None:
    p = pacing()
    assert not in_working_hours(p, utc(2026, 3, 2, 7, 59))
    assert in_working_hours(p, utc(2026, 3, 2, 8, 0))
    assert not in_working_hours(p, utc(2026, 3, 2, 18, 0))
    # 29 March 2026: clocks go forward at 01:00 GMT; a Sunday anyway, and never in hours.
    assert not in_working_hours(p, utc(2026, 3, 29, 1, 30))
