"""Parse one module file (front matter, cards, questions) and check it on its own.

The body splits into sections in `lessons.sections`; questions are parsed in
`lessons.question_parse`, the front matter checked and built in `lessons.module_front`;
cards and additions are parsed here."""

from __future__ import annotations

import re
from dataclasses import replace

from lessons import limits
from lessons.frontmatter import split_front_matter
from lessons.model import Addition, Card, Module
from lessons.module_front import build_module, check_counts
from lessons.problems import Problem
from lessons.question_parse import parse_question
from lessons.sections import Section, join_rows, split_sections
from lessons.variants import split_variants

_FORBIDDEN = (
    (re.compile(r"^#"), "headings are not allowed inside a card; start a new '## Card:'"),
    (re.compile(r"^\|"), "tables do not read well in chat; use a short list"),
    (re.compile(r"!\["), "images are not supported in cards"),
    (re.compile(r"<[a-zA-Z/][^>]*>"), "HTML is not allowed; use the Markdown subset"),
)


def parse_module(path: str, text: str, pack_id: str) -> tuple[Module | None, list[Problem]]:
    """Parse a module file; return the module (None if unusable) and every problem found."""
    problems: list[Problem] = []
    lines = text.splitlines()
    front, body_start = split_front_matter(path, lines, problems)
    sections = split_sections(path, lines, body_start, problems)
    cards = [c for s in sections if s.kind == "card" if (c := _parse_card(path, s, problems))]
    questions = [
        q for s in sections if s.kind == "question" if (q := parse_question(path, s, problems))
    ]
    if front is None:
        return None, problems
    questions, variants = split_variants(path, questions, problems)
    module = build_module(path, front, cards, questions, pack_id, problems)
    if module is not None and variants:
        module = replace(module, variants=tuple(variants))
    if module is not None:
        check_counts(path, front, module, problems)
    return module, problems


def parse_addition(path: str, text: str) -> tuple[Addition | None, list[Problem]]:
    """Parse an additions file: front matter naming a `module`, then cards to append to it."""
    problems: list[Problem] = []
    lines = text.splitlines()
    front, body_start = split_front_matter(path, lines, problems)
    sections = split_sections(path, lines, body_start, problems)
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


def _parse_card(path: str, section: Section, problems: list[Problem]) -> Card | None:
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
    body = join_rows(section.body)
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
