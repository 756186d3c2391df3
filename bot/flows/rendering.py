"""Showing content to a learner: council values filled in, options in a fair order. Pure."""

from __future__ import annotations

import random

from bot.decision import Context
from lessons.model import Question, QuestionKind
from lessons.render import council_context, render_text


def council_values(ctx: Context) -> dict[str, dict[str, str]]:
    """The council's values for content templates (its name, and a local pack's values)."""
    values = {"name": ctx.council.name} if ctx.council else {}
    values.update(ctx.curriculum.variables)  # a council's local pack may set fuller values
    return council_context(values)


def render_for(template: str, ctx: Context) -> str:
    """Content text with the learner's council's values filled in."""
    return render_text(template, council_values(ctx))


def option_order(question: Question, seed: str) -> tuple[str, ...]:
    """A shuffled order of a question's options, the same every time for one seed (so a
    retried send, or the same question shown again, keeps its order). True/false stays
    True then False: two fixed words in a fixed place give nothing away."""
    ids = [option.id for option in question.options]
    if question.kind is QuestionKind.TRUE_FALSE:
        return tuple(ids)
    random.Random(seed).shuffle(ids)  # noqa: S311 - a shuffle, not a secret
    return tuple(ids)
