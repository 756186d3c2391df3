"""The pre-test: two short questions before a module's cards (issue 13). Pure.

They are variants of the learner's two measured points (see `bot.effect`): no feedback
beyond "the lesson covers this", no spaced-repetition review, and a Skip button. While
they are shown the learner's `cursor` is negative: -2 for the first, -1 for the second.
"""

from __future__ import annotations

import random

from bot import payloads
from bot.decision import Context, Decision, say
from bot.effect import HOLDOUT, REFRESHED, MeasuredPoints, measure_seed, measured_points
from bot.flows.rendering import option_order, render_for
from bot.messages import Choice, Outbound
from bot.state import LearnerState
from lessons.model import Module

PRETEST_ITEMS = 2


def plan(state: LearnerState, module: Module, attempt: int) -> MeasuredPoints | None:
    """The module's measured points, for a first attempt only (a retake is not measured)."""
    if attempt != 1:
        return None
    return measured_points(module, measure_seed(state.learner_id, module.id))


def items(state: LearnerState, module: Module) -> tuple[tuple[str, str], ...]:
    """The pre-test's (point, variant id) pairs, in the learner's order."""
    points = measured_points(module, measure_seed(state.learner_id, module.id))
    if points is None:
        return ()
    pairs = [(HOLDOUT, points.holdout_pretest), (REFRESHED, points.refreshed_pretest)]
    random.Random(f"pretest:{state.learner_id}:{module.id}").shuffle(pairs)  # noqa: S311
    return tuple(pairs)


def current(state: LearnerState, module: Module) -> tuple[str, str] | None:
    """The pre-test item the learner is on, if any."""
    pairs = items(state, module)
    index = len(pairs) + state.cursor
    return pairs[index] if state.cursor < 0 and 0 <= index < len(pairs) else None


def show(state: LearnerState, module: Module, ctx: Context) -> Decision:
    """The pre-test item the learner is on, with its options and Skip."""
    item = current(state, module)
    found = ctx.curriculum.find_question(item[1]) if item else None
    if item is None or found is None:
        return say(state, cursor=0)  # nothing to ask: straight to the cards
    _module, variant = found
    number = PRETEST_ITEMS + state.cursor + 1
    body = ctx.texts.pretest_question.format(
        number=number, count=PRETEST_ITEMS, stem=render_for(variant.stem, ctx)
    )
    by_id = {option.id: option for option in variant.options}
    choices = [
        Choice(payloads.pretest_payload(variant.id, oid), render_for(by_id[oid].text, ctx))
        for oid in option_order(variant, f"pretest:{state.learner_id}:{variant.id}")
    ]
    choices.append(Choice(payloads.PRETEST_SKIP, ctx.texts.pretest_skip_button))
    return say(state, Outbound(body, tuple(choices), asks_question=variant.id))
