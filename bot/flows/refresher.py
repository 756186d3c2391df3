"""Answering a refresher question: feedback with the explanation, and a review to record."""

from __future__ import annotations

from bot.decision import Context, Decision, say, text
from bot.deliveries import Review
from bot.flows.learning import render_for
from bot.messages import Outbound
from bot.payloads import RefresherAnswer
from bot.state import LearnerState


def answer(state: LearnerState, picked: RefresherAnswer, ctx: Context) -> Decision:
    """Give feedback on a refresher answer; the first answer is the one that counts."""
    t = ctx.texts
    info = ctx.refresher
    if info is None or info.delivery_id != picked.delivery_id:
        return say(state, text(t.forged_button))
    if info.answered_at is not None:
        return say(state, text(t.already_answered))
    found = ctx.curriculum.find_question(info.question_id)
    if found is None:
        return say(state, text(t.stale_button))
    _module, question = found
    option = question.option(picked.option_id)
    if option is None:
        return say(state, text(t.forged_button))
    explanation = render_for(question.explanation, ctx)
    if option.correct:
        body = t.correct.format(explanation=explanation)
    else:
        correct = render_for(question.correct_option.text, ctx)
        body = t.incorrect.format(answer=correct, explanation=explanation)
    sent = info.sent_at
    duration = int((ctx.now - sent).total_seconds() * 1000) if sent else None
    review = Review(question.id, option.correct, ctx.now, duration, "refresher", info.delivery_id)
    return Decision(state, (Outbound(body, (), question.id),), reviews=(review,))
