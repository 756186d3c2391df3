"""Reading the dashboard's forms into values, with an error per field (never raising)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.schedule_words import parse_time
from dashboard.texts import DashboardTexts
from scheduler.pacing import NATIONS

PACING_FORM_FIELDS = (
    "timezone",
    "nation",
    "work_start",
    "work_end",
    "desired_retention",
    "lesson_cap",
    "refresher_cap",
)


@dataclass(frozen=True)
class PacingForm:
    """A council's pacing as typed: the values to save, or an error per field."""

    raw: Mapping[str, str]
    values: Mapping[str, object]
    errors: Mapping[str, str]


def read_pacing(form: Mapping[str, str], t: DashboardTexts) -> PacingForm:
    """Check the pacing form: the same rules as `bites council set`."""
    raw = {name: str(form.get(name, "")).strip() for name in PACING_FORM_FIELDS}
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    try:
        ZoneInfo(raw["timezone"])
        values["timezone"] = raw["timezone"]
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = t.bad_timezone
    if raw["nation"] in NATIONS:
        values["nation"] = raw["nation"]
    else:
        errors["nation"] = t.bad_nation
    for name in ("work_start", "work_end"):
        parsed = parse_time(raw[name])
        if parsed is None:
            errors[name] = t.bad_time
        else:
            values[name] = parsed
    hours = (str(values.get("work_start", "")), str(values.get("work_end", "")))
    if all(hours) and hours[1] <= hours[0]:
        errors["work_end"] = t.bad_hours
    _number(raw, "desired_retention", float, (0.7, 0.97), t.bad_retention, values, errors)
    _number(raw, "lesson_cap", int, (0, 3), t.bad_lesson_cap, values, errors)
    _number(raw, "refresher_cap", int, (0, 10), t.bad_refresher_cap, values, errors)
    return PacingForm(raw, values if not errors else {}, errors)


def _number(
    raw: Mapping[str, str],
    name: str,
    kind: type[int] | type[float],
    bounds: tuple[float, float],
    message: str,
    values: dict[str, object],
    errors: dict[str, str],
) -> None:
    try:
        value = kind(raw[name])
    except ValueError:
        errors[name] = message
        return
    if not bounds[0] <= value <= bounds[1]:
        errors[name] = message
    else:
        values[name] = value
