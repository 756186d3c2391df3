"""Question variants: a question that tests the point of another in a new scenario.

A module file marks one with `variant_of: QUESTION-ID` under its heading. Variants are not
part of the module's quiz: the learning-effect measure uses them for the pre-test and the
delayed check-ups, where a learner who only recognises the original's wording gains
nothing. Pure: questions in, problems out.
"""

from __future__ import annotations

import difflib
import re

from lessons.model import Question
from lessons.problems import Problem

# Stems at least this alike (difflib's ratio over lowercased words) repeat the original's
# wording: a variant must set the point in a new scenario, not reword a few words.
MAX_SIMILARITY = 0.6
_WORDS = re.compile(r"[a-z0-9£%]+")


def split_variants(
    path: str, questions: list[Question], problems: list[Problem]
) -> tuple[list[Question], list[Question]]:
    """The module's quiz questions and its variants, each variant checked against the
    question it names."""
    quiz = [q for q in questions if q.variant_of is None]
    variants = [q for q in questions if q.variant_of is not None]
    by_id = {q.id: q for q in quiz}
    for variant in variants:
        original = by_id.get(variant.variant_of or "")
        if original is None:
            problems.append(
                Problem(
                    path,
                    variant.line,
                    f"variant_of names {variant.variant_of}, which is not a quiz question of "
                    "this module: name one of its questions",
                )
            )
        elif not original.refresher:
            problems.append(
                Problem(
                    path,
                    variant.line,
                    f"variant_of names {original.id}, which is not a refresher question: "
                    "variants check what refreshers keep, so name a refresher question",
                )
            )
        elif similarity(variant.stem, original.stem) >= MAX_SIMILARITY:
            problems.append(
                Problem(
                    path,
                    variant.line,
                    f"repeats the wording of {original.id}: set the same point in a new "
                    "council scenario",
                )
            )
    return quiz, variants


def similarity(first: str, second: str) -> float:
    """How alike two stems are, 0 to 1, over their lowercased words."""
    return difflib.SequenceMatcher(None, _words(first), _words(second)).ratio()


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.lower())
