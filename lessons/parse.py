"""Parse one module file (front matter, cards, questions) and check it on its own."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any

from lessons import limits
from lessons.frontmatter import FrontMatter, split_front_matter
from lessons.model import Addition, Card, Module, Option, Question, QuestionKind, Source
from lessons.problems import Problem
from lessons.variants import split_variants

_CARD = re.compile(r"^## Card:\s*(.*)$")
_QUESTION = re.compile(r"^## Question:\s*(.*)$")
_OPTION = re.compile(r"^- \[( |x|X)\]\s*(.*)$")
_SETTING = re.compile(r"^([a-z][a-z_-]*):\s*(.*)$")
_WHY = re.compile(r"^Why:\s*(.*)$")
_FORBIDDEN = (
    (re.compile(r"^#"), "headings are not allowed inside a card; start a new '## Card:'"),
    (re.compile(r"^\|"), "tables do not read well in chat; use a short list"),
    (re.compile(r"!\["), "images are not supported in cards"),
    (re.compile(r"<[a-zA-Z/][^>]*>"), "HTML is not allowed; use the Markdown subset"),
)
_LETTERS = "abcde"
_KNOWN_FRONT = {"id", "title", "track", "minutes", "objectives", "sources", "last_reviewed"}


@dataclass
class _Section:
    kind: str  # "card" or "question"
    heading: str
    line: int  # 1-based line of the heading
    body: list[tuple[int, str]] = field(default_factory=list)


def parse_module(path: str, text: str, pack_id: str) -> tuple[Module | None, list[Problem]]:
    """Parse a module file; return the module (None if unusable) and every problem found."""
    problems: list[Problem] = []
    lines = text.splitlines()
    front, body_start = split_front_matter(path, lines, problems)
    sections = _split_sections(path, lines, body_start, problems)
    cards = [c for s in sections if s.kind == "card" if (c := _parse_card(path, s, problems))]
    questions = [
        q for s in sections if s.kind == "question" if (q := _parse_question(path, s, problems))
    ]
    if front is None:
        return None, problems
    questions, variants = split_variants(path, questions, problems)
    module = _build_module(path, front, cards, questions, pack_id, problems)
    if module is not None and variants:
        module = replace(module, variants=tuple(variants))
    if module is not None:
        _check_counts(path, front, module, problems)
    return module, problems


def parse_addition(path: str, text: str) -> tuple[Addition | None, list[Problem]]:
    """Parse an additions file: front matter naming a `module`, then cards to append to it."""
    problems: list[Problem] = []
    lines = text.splitlines()
    front, body_start = split_front_matter(path, lines, problems)
    sections = _split_sections(path, lines, body_start, problems)
    cards: list[Card] = []
    for section in sections:
        if section.kind == "question":
            problems.append(
                Problem(path, section.line, "additions hold cards only; put questions in a module")
            )
        elif card := _parse_card(path, section, problems):
            cards.append(card)
    if front is None:
        return None, problems
    for key in front.values:
        if key != "module":
            problems.append(
                Problem(path, front.line_of(key), f"unknown key '{key}': additions take 'module'")
            )
    module_id = front.values.get("module")
    if not isinstance(module_id, str):
        problems.append(
            Problem(path, front.line_of("module"), "name the module to add to: module: ID")
        )
        return None, problems
    if not cards:
        problems.append(Problem(path, front.end_line, "add at least one '## Card: TITLE'"))
    return Addition(module_id, tuple(cards), path, front.line_of("module")), problems


def _split_sections(
    path: str, lines: list[str], start: int, problems: list[Problem]
) -> list[_Section]:
    sections: list[_Section] = []
    current: _Section | None = None
    for index in range(start, len(lines)):
        number, line = index + 1, lines[index]
        if card := _CARD.match(line):
            current = _Section("card", card.group(1).strip(), number)
            sections.append(current)
        elif question := _QUESTION.match(line):
            current = _Section("question", question.group(1).strip(), number)
            sections.append(current)
        elif line.startswith("## ") or line.startswith("# "):
            problems.append(
                Problem(path, number, "unknown heading: use '## Card: TITLE' or '## Question: ID'")
            )
            current = None
        elif current is not None:
            current.body.append((number, line))
        elif line.strip():
            problems.append(
                Problem(path, number, "text outside a card or question: start it with '## Card:'")
            )
    return sections


def _parse_card(path: str, section: _Section, problems: list[Problem]) -> Card | None:
    title = section.heading
    if not title:
        problems.append(Problem(path, section.line, "the card has no title after '## Card:'"))
    elif len(title) > limits.MAX_TITLE:
        problems.append(
            Problem(
                path,
                section.line,
                f"card title is {len(title)} characters; shorten it to {limits.MAX_TITLE}",
            )
        )
    for number, line in section.body:
        for pattern, advice in _FORBIDDEN:
            if pattern.search(line):
                problems.append(Problem(path, number, advice))
    body = _join(section.body)
    if not body:
        problems.append(Problem(path, section.line, "the card is empty: write its text below"))
    elif len(body) > limits.MAX_CARD_BODY:
        problems.append(
            Problem(
                path,
                section.line,
                f"card is too long for one chat screen ({len(body)} characters; "
                f"at most {limits.MAX_CARD_BODY}): split it into two cards",
            )
        )
    return Card(title, body, section.line)


def _parse_question(path: str, section: _Section, problems: list[Problem]) -> Question | None:
    qid = section.heading
    _check_id(path, section.line, qid, "question id", problems)
    rows = list(section.body)
    settings: dict[str, tuple[int, str]] = {}
    while rows and (setting := _SETTING.match(rows[0][1])) and rows[0][1].strip():
        settings[setting.group(1)] = (rows[0][0], setting.group(2).strip())
        rows.pop(0)
    kind = _question_kind(path, section.line, settings, problems)
    refresher = _refresher(path, settings, problems)
    for key, (number, _value) in settings.items():
        if key not in {"kind", "refresher", "variant_of"}:
            problems.append(
                Problem(
                    path,
                    number,
                    f"unknown question setting '{key}': use kind, refresher or variant_of",
                )
            )
    variant_of = settings["variant_of"][1] if "variant_of" in settings else None
    stem_rows: list[tuple[int, str]] = []
    while rows and not _OPTION.match(rows[0][1]) and not _WHY.match(rows[0][1]):
        stem_rows.append(rows.pop(0))
    options: list[Option] = []
    option_lines: list[int] = []
    while rows and (_OPTION.match(rows[0][1]) or not rows[0][1].strip()):
        number, line = rows.pop(0)
        if match := _OPTION.match(line):
            letter = _LETTERS[len(options)] if len(options) < len(_LETTERS) else "z"
            options.append(Option(letter, match.group(2).strip(), match.group(1) != " "))
            option_lines.append(number)
    explanation = ""
    if rows and (why := _WHY.match(rows[0][1])):
        first_number = rows[0][0]
        rows.pop(0)
        explanation = _join([(first_number, why.group(1)), *rows])
        rows = []
    for number, line in rows:
        if line.strip():
            problems.append(
                Problem(path, number, "unexpected text: after the options only 'Why:' may follow")
            )
    stem = _join(stem_rows)
    _check_question_text(path, section.line, stem, options, option_lines, explanation, problems)
    if kind is QuestionKind.TRUE_FALSE and [o.text for o in options] != ["True", "False"]:
        problems.append(
            Problem(
                path,
                section.line,
                "a true-false question has exactly two options, 'True' then 'False'",
            )
        )
    return Question(
        qid, kind, refresher, stem, tuple(options), explanation, section.line, variant_of
    )


def _question_kind(
    path: str, line: int, settings: dict[str, tuple[int, str]], problems: list[Problem]
) -> QuestionKind:
    if "kind" not in settings:
        return QuestionKind.CHOICE
    number, value = settings["kind"]
    try:
        return QuestionKind(value)
    except ValueError:
        problems.append(
            Problem(path, number, f"unknown kind '{value}': use choice, true-false or scenario")
        )
        return QuestionKind.CHOICE


def _refresher(path: str, settings: dict[str, tuple[int, str]], problems: list[Problem]) -> bool:
    if "refresher" not in settings:
        return True
    number, value = settings["refresher"]
    if value not in {"yes", "no"}:
        problems.append(Problem(path, number, f"refresher must be yes or no, not '{value}'"))
    return value != "no"


def _check_question_text(
    path: str,
    line: int,
    stem: str,
    options: list[Option],
    option_lines: list[int],
    explanation: str,
    problems: list[Problem],
) -> None:
    if not stem:
        problems.append(Problem(path, line, "the question has no text before its options"))
    elif len(stem) > limits.MAX_STEM:
        problems.append(
            Problem(
                path,
                line,
                f"question text is {len(stem)} characters; shorten it to {limits.MAX_STEM}",
            )
        )
    if not limits.MIN_OPTIONS <= len(options) <= limits.MAX_OPTIONS:
        problems.append(
            Problem(
                path,
                line,
                f"the question has {len(options)} options; give {limits.MIN_OPTIONS} to "
                f"{limits.MAX_OPTIONS} lines like '- [ ] text', one of them '- [x] text'",
            )
        )
    correct = sum(1 for o in options if o.correct)
    if options and correct == 0:
        problems.append(Problem(path, line, "no correct answer: mark one option '- [x]'"))
    elif correct > 1:
        problems.append(
            Problem(path, line, f"{correct} options are marked correct: mark exactly one '- [x]'")
        )
    seen: set[str] = set()
    for option, number in zip(options, option_lines, strict=True):
        if not option.text:
            problems.append(Problem(path, number, "the option is empty"))
        elif len(option.text) > limits.MAX_OPTION:
            problems.append(
                Problem(
                    path,
                    number,
                    f"option is {len(option.text)} characters; shorten it to {limits.MAX_OPTION}",
                )
            )
        if option.text.lower() in seen:
            problems.append(Problem(path, number, "two options have the same text"))
        seen.add(option.text.lower())
    if not explanation:
        problems.append(
            Problem(path, line, "missing explanation: add a 'Why: …' line after the options")
        )
    elif len(explanation) > limits.MAX_EXPLANATION:
        problems.append(
            Problem(
                path,
                line,
                f"explanation is {len(explanation)} characters; shorten it to "
                f"{limits.MAX_EXPLANATION}",
            )
        )


def _build_module(
    path: str,
    front: FrontMatter,
    cards: list[Card],
    questions: list[Question],
    pack_id: str,
    problems: list[Problem],
) -> Module | None:
    values = front.values
    for key in values:
        if key not in _KNOWN_FRONT:
            problems.append(Problem(path, front.line_of(key), f"unknown front matter key '{key}'"))
    missing = [k for k in ("id", "title", "track") if not isinstance(values.get(k), str)]
    for key in missing:
        problems.append(Problem(path, front.line_of(key), f"front matter needs '{key}' (text)"))
    if missing:
        return None
    _check_id(path, front.line_of("id"), values["id"], "module id", problems)
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


def _check_counts(path: str, front: FrontMatter, module: Module, problems: list[Problem]) -> None:
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


def _check_id(path: str, line: int, value: object, what: str, problems: list[Problem]) -> None:
    if not isinstance(value, str) or not limits.ID_PATTERN.match(value):
        problems.append(
            Problem(
                path,
                line,
                f"{what} '{value}' must be lowercase letters, digits and hyphens",
            )
        )
    elif len(value) > limits.MAX_ID:
        problems.append(Problem(path, line, f"{what} is longer than {limits.MAX_ID} characters"))


def _join(rows: list[tuple[int, str]]) -> str:
    """Join body lines as Markdown reads them: wrapped lines flow into one paragraph,
    `- ` lines stay list items, blank lines separate paragraphs."""
    blocks: list[list[str]] = [[]]
    for _number, raw in rows:
        line = raw.strip()
        if not line:
            if blocks[-1]:
                blocks.append([])
        elif line.startswith("- ") or not blocks[-1]:
            blocks[-1].append(line)
        else:
            blocks[-1][-1] += " " + line
    return "\n\n".join("\n".join(block) for block in blocks if block)
