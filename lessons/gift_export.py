"""GIFT export: a module's questions as GIFT text for a council's Moodle (see
`lessons.gift` for the format Contract Bites writes and reads back)."""

from __future__ import annotations

from lessons.model import Module, Question, QuestionKind

# GIFT's special characters, escaped with a backslash (the importer unescapes them).
SPECIAL = "\\~=#{}:"


def export_gift(module: Module) -> str:
    """Every question of the module as GIFT text, ready to import into Moodle."""
    title = " ".join(module.title.split())
    parts = [
        f"// Contract Bites module {module.id}: {title}\n$CATEGORY: contract-bites/{module.id}\n"
    ]
    parts.extend(_export_question(question) for question in module.questions)
    return "\n".join(parts)


def _export_question(question: Question) -> str:
    lines: list[str] = []
    texts = [option.text for option in question.options]
    as_true_false = question.kind is QuestionKind.TRUE_FALSE and texts == ["True", "False"]
    if question.kind is not QuestionKind.CHOICE and not as_true_false:
        lines.append(f"// kind: {question.kind.value}")
    if not question.refresher:
        lines.append("// refresher: no")
    head = f"::{_escape(question.id)}::{_escape(question.stem)}"
    feedback = f"####{_escape(question.explanation)}"
    if as_true_false:
        answer = "TRUE" if question.options[0].correct else "FALSE"
        lines.append(f"{head} {{{answer}{feedback}}}")
    else:
        lines.append(f"{head} {{")
        for option in question.options:
            mark = "=" if option.correct else "~"
            lines.append(f"    {mark}{_escape(option.text)}")
        lines.append(f"    {feedback}")
        lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    out = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n"):
        if char in SPECIAL:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    return "".join(out)
