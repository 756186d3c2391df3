"""Campaigns in words, for the dashboard: schedules, audiences and questions as people say
them ("once, on Monday 7 December 2026", "the team Highways"), never as stored codes."""

from __future__ import annotations

from bot.flows.campaigns import parse_rule
from lessons.model import Curriculum

_SCHEDULES = {
    "month": "the first Monday of each month",
    "quarter": "the first Monday of each quarter",
}


def schedule_in_words(rule: str) -> str:
    """'once:2026-12-07' → 'once, on Monday 7 December 2026'; the repeating rules too."""
    try:
        parsed = parse_rule(rule)
    except ValueError:
        return rule  # stored before the rules were checked: show it as it is
    if parsed.kind == "once" and parsed.day is not None:
        day = parsed.day
        return f"once, on {day:%A} {day.day} {day:%B %Y}"
    return _SCHEDULES.get(parsed.kind, rule)


def audience_in_words(kind: str, value: str | None) -> str:
    """Who a campaign is for, as a phrase."""
    if kind == "team" and value:
        return f"the team {value}"
    if kind == "role" and value:
        return f"everyone with the role {value.replace('_', ' ')}"
    if kind == "low_scorers":
        return "people who scored under 60% on these modules"
    return "everyone in the council"


def module_titles(curriculum: Curriculum, module_ids: tuple[str, ...]) -> list[str]:
    """The titles of a campaign's modules (an id where a module has been withdrawn)."""
    return [module.title if (module := curriculum.module(m)) is not None else m for m in module_ids]


def question_texts(curriculum: Curriculum, question_ids: tuple[str, ...]) -> list[str]:
    """The questions' own words (an id where a question has been withdrawn)."""
    texts = []
    for question_id in question_ids:
        found = curriculum.find_question(question_id)
        texts.append(found[1].stem if found is not None else question_id)
    return texts
