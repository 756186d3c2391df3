"""Reading the dashboard's forms into values, with an error per field (never raising)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.council_pacing import PACING_FIELDS, Problem, check_pacing
from dashboard.texts import DashboardTexts


@dataclass(frozen=True)
class PacingForm:
    """A council's pacing as typed: the values to save, or an error per field."""

    raw: Mapping[str, str]
    values: Mapping[str, object]
    errors: Mapping[str, str]


def read_pacing(form: Mapping[str, str], t: DashboardTexts) -> PacingForm:
    """Check the pacing form with the rules `bites council set` uses too."""
    raw = {name: str(form.get(name, "")).strip() for name in PACING_FIELDS}
    checked = check_pacing(raw)
    messages = {
        Problem.TIMEZONE: t.bad_timezone,
        Problem.NATION: t.bad_nation,
        Problem.TIME: t.bad_time,
        Problem.HOURS: t.bad_hours,
    }
    ranges = {
        "desired_retention": t.bad_retention,
        "lesson_cap": t.bad_lesson_cap,
        "round_size": t.bad_round_size,
        "round_size_lesson_day": t.bad_round_size,
        "backlog_limit": t.bad_backlog_limit,
    }
    errors = {  # in the form's order, as the error summary lists them
        name: ranges[name] if problem is Problem.RANGE else messages[problem]
        for name in PACING_FIELDS
        if (problem := checked.problems.get(name)) is not None
    }
    return PacingForm(raw, checked.values if not errors else {}, errors)
