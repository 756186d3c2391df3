"""GIFT (Moodle's question text format): importing questions (`lessons.gift_export` writes them).

Councils move questions between Contract Bites and their learning management system with
these functions. Everything here works on strings: reading and writing files is the
caller's job.

What Contract Bites writes:

- a leading ``// `` comment naming the module, then ``$CATEGORY: contract-bites/<module id>``;
- each question with its id as the GIFT title, ``::a1-q1::``;
- choice and scenario questions as multiple choice, ``{ =right ~wrong ... }``, and
  true-false questions as ``{TRUE}`` / ``{FALSE}``, each with the explanation as general
  feedback, ``####explanation``;
- ``// kind: scenario`` (or another kind GIFT cannot show) and ``// refresher: no``
  comment lines before a question, which the importer reads back;
- text with GIFT's special characters ``~ = # { } :`` and the backslash escaped with a
  backslash, and newlines written as ``\\n``.

What the importer reads: comments, ``$CATEGORY`` lines, blank-line separated questions
spread over one or more lines, titles, the ``[plain]``/``[markdown]``/``[moodle]``/``[html]``
format markers (dropped), multiple choice with exactly one ``=`` answer, true/false
(``T``, ``F``, ``TRUE``, ``FALSE``), general feedback ``####`` and per-answer feedback
``#...`` (ignored), and the "missing word" layout (text after the answers, shown as
``_____`` in the stem). Everything else is reported as a Problem and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lessons import limits
from lessons.gift_export import SPECIAL
from lessons.model import Option, Question, QuestionKind
from lessons.problems import Problem

_UNESCAPE = {"n": "\n", **{char: char for char in SPECIAL}}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_KINDS = {kind.value: kind for kind in QuestionKind}
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_FORMAT_MARKER = re.compile(r"^\s*\[(?:plain|markdown|moodle|html)\]", re.IGNORECASE)
_KIND_COMMENT = re.compile(r"^//\s*kind:\s*(\S+)\s*$")
_REFRESHER_COMMENT = re.compile(r"^//\s*refresher:\s*(yes|no)\s*$")
_WEIGHT = re.compile(r"^\s*%-?[0-9]*\.?[0-9]*%")
_RAW_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")
_SKIPPED = "; skipped"
_UNREADABLE = "could not read the answers: start each with = (right) or ~ (wrong)"


@dataclass
class _Block:
    """The lines of one question: comments and $CATEGORY lines already taken out."""

    lines: list[str] = field(default_factory=list)
    start: int = 0  # 1-based line of the first question line


@dataclass
class _Directives:
    """What `// kind:` and `// refresher:` comments asked for the next question."""

    kind: QuestionKind | None = None
    refresher: bool = True


def import_gift(text: str, path: str = "<gift>") -> tuple[list[Question], list[Problem]]:
    """Parse GIFT text into questions; return them and every problem as file:line.

    Never raises: a question Contract Bites cannot represent, or one that lacks what
    Contract Bites needs (a ::title:: for its id, ####general feedback for its
    explanation, 2 to 5 answers with exactly one right), is reported and skipped.
    """
    questions: list[Question] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    directives = _Directives()
    block = _Block()

    def finish() -> None:
        nonlocal block, directives
        if block.lines:
            found = _parse_block(path, block, directives, problems)
            if found is not None:
                if found.id in seen:
                    problems.append(
                        Problem(
                            path,
                            found.line,
                            f"duplicate question id '{found.id}' (also at line "
                            f"{seen[found.id]}){_SKIPPED}",
                        )
                    )
                else:
                    seen[found.id] = found.line
                    questions.append(found)
            directives = _Directives()
        block = _Block()

    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("//"):
            _read_directive(line, directives)
        elif line.startswith("$CATEGORY:"):
            continue
        else:
            if not block.lines:
                block.start = number
            block.lines.append(raw)
    finish()
    return questions, problems


def _read_directive(comment: str, directives: _Directives) -> None:
    if kind := _KIND_COMMENT.match(comment):
        # Another value is an ordinary comment that happens to start "kind:".
        directives.kind = _KINDS.get(kind.group(1), directives.kind)
    elif refresher := _REFRESHER_COMMENT.match(comment):
        directives.refresher = refresher.group(1) == "yes"


@dataclass(frozen=True)
class _Parts:
    """A question block taken apart: `::title::`, stem, `{answers}` and `####feedback`."""

    title: str | None
    stem: str
    answers: str
    explanation: str


def _parse_block(
    path: str, block: _Block, directives: _Directives, problems: list[Problem]
) -> Question | None:
    line = block.start
    parts = _split("\n".join(block.lines).strip())
    if isinstance(parts, str):
        problems.append(Problem(path, line, parts + _SKIPPED))
        return None
    shape = _shape(parts.answers)
    if shape not in {"choice", "true-false"}:
        problems.append(Problem(path, line, shape + _SKIPPED))
        return None
    found = _missing(parts)
    kind, options = _kind_and_options(shape, parts.answers, found)
    for message in found:
        problems.append(Problem(path, line, message + _SKIPPED))
    if found or not parts.title:
        return None
    return Question(
        id=parts.title,
        kind=directives.kind or kind,
        refresher=directives.refresher,
        stem=parts.stem,
        options=tuple(options),
        explanation=parts.explanation,
        line=line,
    )


def _split(raw: str) -> _Parts | str:
    """The block's parts, or why it is not one question (a message)."""
    title: str | None = None
    if raw.startswith("::"):
        end = _find(raw, "::", 2)
        if end < 0:
            return "the ::title has no closing ::"
        title = _text(raw[2:end])
        raw = raw[end + 2 :]
    raw = _FORMAT_MARKER.sub("", raw, count=1)
    opening = _find(raw, "{")
    if opening < 0:
        return "text with no {answers} (a Moodle description) is not a question"
    closing = _find(raw, "}", opening + 1)
    if closing < 0:
        return "the answers have no closing }"
    before, inner, after = raw[:opening], raw[opening + 1 : closing], raw[closing + 1 :]
    if _find(after, "{") >= 0 or _find(after, "::") >= 0:
        return "two questions with no blank line between them: separate questions with a blank line"
    stem = _text(before + "_____" + after if after.strip() else before)
    feedback_at = _find(inner, "####")
    answers = (inner if feedback_at < 0 else inner[:feedback_at]).strip()
    explanation = "" if feedback_at < 0 else _text(inner[feedback_at + 4 :])
    return _Parts(title, stem, answers, explanation)


def _missing(parts: _Parts) -> list[str]:
    """What a usable question lacks: an id-like title, a stem, an explanation."""
    found: list[str] = []
    title = parts.title
    if not title:
        found.append("the question has no title: give the question a ::title:: to use as its id")
    elif not limits.ID_PATTERN.match(title) or len(title) > limits.MAX_ID:
        found.append(
            f"the title '{title}' cannot be a question id: use lowercase letters, digits "
            f"and hyphens, at most {limits.MAX_ID} characters"
        )
    if not parts.stem:
        found.append("the question has no text before its answers")
    if not parts.explanation:
        found.append(
            "the question has no general feedback, which Contract Bites needs as its "
            "explanation: add ####explanation before the closing }"
        )
    return found


def _kind_and_options(
    shape: str, answers: str, found: list[str]
) -> tuple[QuestionKind, list[Option]]:
    """The question's kind and options; what stops the options being used goes in found."""
    if shape == "true-false":
        truth = _true_false(answers)
        options = [Option("a", "True", truth is True), Option("b", "False", truth is False)]
        return QuestionKind.TRUE_FALSE, options
    return QuestionKind.CHOICE, _choice_options(answers, found)


def _shape(answers: str) -> str:
    """Name the answers' shape: "choice", "true-false", or what makes them unusable."""
    if not answers:
        return "essay questions ({}) are not supported"
    if answers.startswith("#"):
        return "numerical questions ({#...}) are not supported"
    marks = {mark for mark, _ in _segments(answers)}
    if "~" in marks:
        return "choice"
    if _true_false(answers) is not None:
        return "true-false"
    if "=" in marks and "->" in answers:
        return "matching questions (->) are not supported"
    if marks == {"="}:
        return "short answer questions (only = answers) are not supported"
    return _UNREADABLE


def _true_false(answers: str) -> bool | None:
    """True or False for a true/false answer block (`T`, `FALSE#feedback`...), else None."""
    feedback_at = _find(answers, "#")
    word = (answers if feedback_at < 0 else answers[:feedback_at]).strip().upper()
    return _TRUE_FALSE.get(word)


def _choice_options(answers: str, found: list[str]) -> list[Option]:
    """The options of multiple choice answers; what stops them being used goes in found."""
    options: list[Option] = []
    weighted = unreadable = False
    for mark, raw in _segments(answers):
        if not mark:
            unreadable = True
            continue
        weighted = weighted or bool(_WEIGHT.match(raw))
        feedback_at = _find(raw, "#")
        text = _text(raw if feedback_at < 0 else raw[:feedback_at])
        letter = _LETTERS[len(options) % len(_LETTERS)]
        options.append(Option(letter, text, mark == "="))
    if unreadable:
        found.append(_UNREADABLE)
        return options
    if weighted:
        found.append(
            "partial-credit weights like %50% are not supported: mark the one right "
            "answer with = and the others with ~"
        )
        return options
    if not limits.MIN_OPTIONS <= len(options) <= limits.MAX_OPTIONS:
        found.append(
            f"the question has {len(options)} answers; Contract Bites needs "
            f"{limits.MIN_OPTIONS} to {limits.MAX_OPTIONS}"
        )
    right = sum(1 for option in options if option.correct)
    if right == 0:
        found.append("no right answer: mark exactly one answer with =")
    elif right > 1:
        found.append(
            f"{right} answers are marked right with =: mark exactly one, the others with ~"
        )
    if any(not option.text for option in options):
        found.append("an answer is empty: write its text after the = or ~")
    return options


def _segments(answers: str) -> list[tuple[str, str]]:
    """Split answers at unescaped `=` and `~` into (mark, raw text after the mark).

    Text before the first mark comes first with mark "" when it is not blank.
    """
    segments: list[tuple[str, str]] = []
    start, mark = 0, ""
    index = 0
    while index < len(answers):
        char = answers[index]
        if char == "\\":
            index += 2
            continue
        if char in "=~":
            if mark or answers[start:index].strip():
                segments.append((mark, answers[start:index]))
            start, mark = index + 1, char
        index += 1
    if mark or answers[start:].strip():
        segments.append((mark, answers[start:]))
    return segments


def _find(raw: str, target: str, start: int = 0) -> int:
    """The position of the first unescaped `target` in raw GIFT text, or -1."""
    index = start
    while index < len(raw):
        if raw[index] == "\\":
            index += 2
        elif raw.startswith(target, index):
            return index
        else:
            index += 1
    return -1


def _text(raw: str) -> str:
    """Raw GIFT text as plain text: line breaks in the file become spaces, escapes resolved."""
    flowed = _RAW_LINE_BREAK.sub(" ", raw)
    out: list[str] = []
    index = 0
    while index < len(flowed):
        char = flowed[index]
        if char == "\\" and index + 1 < len(flowed):
            following = flowed[index + 1]
            out.append(_UNESCAPE.get(following, char + following))
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out).strip()


def questions_to_markdown(questions: list[Question]) -> str:
    """Imported questions as `## Question: ID` blocks of a module file (docs/content-format.md).

    Paste the result after a module's cards; `bites content validate` then checks the
    lengths and counts that GIFT does not.
    """
    blocks: list[str] = []
    for question in questions:
        lines = [
            f"## Question: {question.id}",
            f"kind: {question.kind.value}",
            f"refresher: {'yes' if question.refresher else 'no'}",
            "",
            question.stem,
            "",
        ]
        for option in question.options:
            box = "[x]" if option.correct else "[ ]"
            lines.append(f"- {box} {' '.join(option.text.split())}")
        lines.extend(["", f"Why: {question.explanation}"])
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
