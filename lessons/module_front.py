"""A module's front matter checked and built into a `Module`: ids, title, minutes,
objectives, sources, review date, and the counts of cards and questions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lessons import limits
from lessons.frontmatter import FrontMatter
from lessons.model import Card, Module, Question, Source
from lessons.problems import Problem
from lessons.sections import check_id

_KNOWN_FRONT = {"id", "title", "track", "minutes", "objectives", "sources", "last_reviewed"}


def build_module(
    path: str,
    front: FrontMatter,
    cards: list[Card],
    questions: list[Question],
    pack_id: str,
    problems: list[Problem],
) -> Module | None:
    """The module from its front matter, cards and questions; None when the front matter
    lacks its id, title or track (every problem found goes in problems)."""
    values = front.values
    for key in values:
        if key not in _KNOWN_FRONT:
            problems.append(Problem(path, front.line_of(key), f"unknown front matter key '{key}'"))
    missing = [k for k in ("id", "title", "track") if not isinstance(values.get(k), str)]
    for key in missing:
        problems.append(Problem(path, front.line_of(key), f"front matter needs '{key}' (text)"))
    if missing:
        return None
    check_id(path, front.line_of("id"), values["id"], "module id", problems)
    if len(values["title"]) > limits.MAX_TITLE:
        problems.append(
            Problem(path, front.line_of("title"), f"title is longer than {limits.MAX_TITLE}")
        )
    minutes = values.get("minutes")
    if not isinstance(minutes, int) or not 1 <= minutes <= limits.MAX_MODULE_MINUTES:
        problems.append(
            Problem(
                path,
                front.line_of("minutes"),
                f"minutes must be a whole number from 1 to {limits.MAX_MODULE_MINUTES}",
            )
        )
        minutes = 0
    return Module(
        id=values["id"],
        title=values["title"],
        track=values["track"],
        minutes=minutes,
        objectives=_objectives(path, front, problems),
        sources=_sources(path, front, problems),
        last_reviewed=_reviewed(path, front, problems),
        cards=tuple(cards),
        questions=tuple(questions),
        pack=pack_id,
        path=path,
    )


def _objectives(path: str, front: FrontMatter, problems: list[Problem]) -> tuple[str, ...]:
    raw: Any = front.values.get("objectives")
    line = front.line_of("objectives")
    if not isinstance(raw, list) or not all(isinstance(o, str) and o.strip() for o in raw):
        problems.append(Problem(path, line, "objectives must be a list of sentences"))
        return ()
    if not limits.MIN_OBJECTIVES <= len(raw) <= limits.MAX_OBJECTIVES:
        problems.append(
            Problem(
                path,
                line,
                f"give {limits.MIN_OBJECTIVES} or {limits.MAX_OBJECTIVES} objectives, "
                f"not {len(raw)}",
            )
        )
    for objective in raw:
        if len(objective) > limits.MAX_OBJECTIVE:
            problems.append(
                Problem(path, line, f"an objective is longer than {limits.MAX_OBJECTIVE}")
            )
    return tuple(o.strip() for o in raw)


def _sources(path: str, front: FrontMatter, problems: list[Problem]) -> tuple[Source, ...]:
    raw: Any = front.values.get("sources")
    line = front.line_of("sources")
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(path, line, "give at least one source with a title and a url"))
        return ()
    sources: list[Source] = []
    for item in raw:
        keys = set(item) if isinstance(item, dict) else set()
        if not {"title", "url"} <= keys <= {"title", "url", "why_secondary"}:
            problems.append(
                Problem(
                    path,
                    line,
                    "unknown source format: each source is a mapping with 'title' and 'url' "
                    "(and, for a source that is not primary, 'why_secondary')",
                )
            )
            continue
        title, url = str(item["title"]), str(item["url"])
        if not url.startswith("https://") or " " in url:
            problems.append(Problem(path, line, f"source url must start https:// : {url}"))
        why = item.get("why_secondary")
        sources.append(Source(title, url, str(why) if why else None))
    return tuple(sources)


def _reviewed(path: str, front: FrontMatter, problems: list[Problem]) -> dt.date:
    raw: Any = front.values.get("last_reviewed")
    if isinstance(raw, dt.date):
        return raw
    problems.append(
        Problem(path, front.line_of("last_reviewed"), "last_reviewed must be a date YYYY-MM-DD")
    )
    return dt.date.min


def check_counts(path: str, front: FrontMatter, module: Module, problems: list[Problem]) -> None:
    """A module has cards, and between the minimum and maximum number of questions."""
    line = front.start_line
    if not module.cards:
        problems.append(Problem(path, line, "the module has no cards: add '## Card: TITLE'"))
    count = len(module.questions)
    if not limits.MIN_QUESTIONS <= count <= limits.MAX_QUESTIONS:
        problems.append(
            Problem(
                path,
                line,
                f"the module has {count} questions; give {limits.MIN_QUESTIONS} to "
                f"{limits.MAX_QUESTIONS}",
            )
        )
