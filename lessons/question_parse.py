"""Parse one `## Question:` section: its settings, stem, options and `Why:` line, each
checked against the limits of docs/content-format.md."""

from __future__ import annotations

import re

from lessons import limits
from lessons.model import Option, Question, QuestionKind
from lessons.problems import Problem
from lessons.sections import Section, check_id, join_rows

_OPTION = re.compile(r"^- \[( |x|X)\]\s*(.*)$")
_SETTING = re.compile(r"^([a-z][a-z_-]*):\s*(.*)$")
_WHY = re.compile(r"^Why:\s*(.*)$")
_LETTERS = "abcde"


def parse_question(path: str, section: Section, problems: list[Problem]) -> Question | None:
    """The question of a `## Question: ID` section; what is wrong with it goes in problems."""
    qid = section.heading
    check_id(path, section.line, qid, "question id", problems)
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
        explanation = join_rows([(first_number, why.group(1)), *rows])
        rows = []
    for number, line in rows:
        if line.strip():
            problems.append(
                Problem(path, number, "unexpected text: after the options only 'Why:' may follow")
            )
    stem = join_rows(stem_rows)
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
    """Check the stem, the options and the explanation against the limits."""
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
    _check_options(path, line, options, option_lines, problems)
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


def _check_options(
    path: str, line: int, options: list[Option], option_lines: list[int], problems: list[Problem]
) -> None:
    """How many options, exactly one correct, each not empty, short and different."""
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
