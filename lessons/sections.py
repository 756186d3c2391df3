"""A module file's body as sections (`## Card:` and `## Question:`), and the small
checks and joins the card, question and front matter parsers share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lessons import limits
from lessons.problems import Problem

_CARD = re.compile(r"^## Card:\s*(.*)$")
_QUESTION = re.compile(r"^## Question:\s*(.*)$")


@dataclass
class Section:
    """One `## Card:` or `## Question:` heading with the numbered lines below it."""

    kind: str  # "card" or "question"
    heading: str
    line: int  # 1-based line of the heading
    body: list[tuple[int, str]] = field(default_factory=list)


def split_sections(
    path: str, lines: list[str], start: int, problems: list[Problem]
) -> list[Section]:
    """The body's sections from line `start`; stray headings and text are problems."""
    sections: list[Section] = []
    current: Section | None = None
    for index in range(start, len(lines)):
        number, line = index + 1, lines[index]
        if card := _CARD.match(line):
            current = Section("card", card.group(1).strip(), number)
            sections.append(current)
        elif question := _QUESTION.match(line):
            current = Section("question", question.group(1).strip(), number)
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


def check_id(path: str, line: int, value: object, what: str, problems: list[Problem]) -> None:
    """Check that an id is lowercase letters, digits and hyphens, and not too long."""
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


def join_rows(rows: list[tuple[int, str]]) -> str:
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
