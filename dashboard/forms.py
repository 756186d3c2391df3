"""Reading the dashboard's forms into values, with an error per field (never raising)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.access import Role
from bot.council_pacing import PACING_FIELDS, Problem, check_pacing
from dashboard.texts import DashboardTexts
from lessons.model import Curriculum

ROLES = tuple(role.value for role in Role)
SCHEDULES = ("once", "first-monday-of-month", "first-monday-of-quarter")
TARGETS = ("council", "team", "role", "low_scorers")


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


@dataclass(frozen=True)
class CampaignChoices:
    """What the new campaign form offers: the council's modules, teams and roles."""

    curriculum: Curriculum
    teams: tuple[str, ...]
    today: dt.date


def campaign_errors(
    raw: Mapping[str, Any], choices: CampaignChoices, t: DashboardTexts
) -> dict[str, str]:
    """Every problem with a new campaign at once, keyed by the id of the control to fix,
    in the form's order (the GOV.UK error summary links each to its field)."""
    errors: dict[str, str] = {}
    name = str(raw.get("name", ""))
    if not name:
        errors["name"] = t.campaign_no_name
    elif len(name) > 120:
        errors["name"] = t.campaign_long_name
    modules = [choices.curriculum.module(m) for m in raw.get("modules", [])]
    if not modules or None in modules:
        errors["module-1"] = t.campaign_no_modules
    elif not any(q.refresher for m in modules if m is not None for q in m.questions):
        errors["module-1"] = t.campaign_no_refreshers
    kind = raw.get("target_kind")
    if kind not in TARGETS:
        errors["target-council"] = t.campaign_no_target
    elif kind == "team" and raw.get("team") not in choices.teams:
        errors["team"] = t.campaign_no_team if choices.teams else t.campaign_no_teams
    elif kind == "role" and raw.get("role") not in ROLES:
        errors["role"] = t.campaign_no_role
    schedule = raw.get("schedule")
    if schedule not in SCHEDULES:
        errors["schedule-once"] = t.campaign_no_schedule
    elif schedule == "once" and (
        problem := _date_problem(str(raw.get("date", "")), choices.today, t)
    ):
        errors["date"] = problem
    return errors


def _date_problem(text: str, today: dt.date, t: DashboardTexts) -> str | None:
    if not text:
        return t.campaign_no_date
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return t.campaign_bad_date
    return t.campaign_past_date if day < today else None
