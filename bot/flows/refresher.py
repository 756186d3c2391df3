"""The refresher round: its questions one after another, "Later", and "I guessed". Pure.

A round is one proactive message that shows its first question; each answer gets the
explanation (with an "I guessed" button) and the next unanswered question straight
away, so the learner is never left without a way on. "Later" keeps the rest for the next
round; it is an answer to the bot, so it never counts as ignoring a message.
"""

from __future__ import annotations

from dataclasses import replace

from bot import payloads
from bot.day_budget import ROUND_QUESTION_SECONDS, module_minutes, round_has_time
from bot.decision import Context, Decision, say, text
from bot.deliveries import Guess, ProbeFacts, Review, RoundInfo
from bot.effect import AnswerCheckup, GuessCheckup
from bot.flows.learning import next_module
from bot.flows.rendering import option_order, render_for
from bot.messages import Choice, Outbound
from bot.state import LearnerState
from lessons.model import Question
from scheduler import srs
from scheduler.pacing import DAILY_MINUTES
from scheduler.planner import WAITING_HOLDS_AFTER


def opening(info: RoundInfo, ctx: Context) -> tuple[Outbound, ...]:
    """The round's proactive message: what it is, then its first question, as one message
    (one notification, and the question's buttons under it)."""
    t = ctx.texts
    count = len(info.questions) - len(info.answered)
    minutes = max(1, round(count * ROUND_QUESTION_SECONDS / 60))
    intro = t.round_intro.format(count=count, questions=_questions(count, ctx), minutes=minutes)
    if info.lesson_held and info.backlog > info.backlog_limit:
        intro += "\n\n" + t.round_held.format(backlog=info.backlog, limit=info.backlog_limit)
    elif info.lesson_held:  # held because a refresher has waited (scheduler.planner)
        intro += "\n\n" + t.round_held_waiting.format(days=WAITING_HOLDS_AFTER.days)
    open_items = (item for item in range(len(info.questions)) if item not in info.answered)
    replies = (item_reply(info, item, ctx) for item in open_items)
    question = next((reply for reply in replies if reply is not None), None)
    if question is None:
        return (text(intro),)
    return (replace(question, text=intro + "\n\n" + question.text),)


def item_reply(info: RoundInfo, item: int, ctx: Context) -> Outbound | None:
    """One item of a round: its question, options shuffled, and "Later"."""
    found = ctx.curriculum.find_question(info.questions[item])
    if found is None:
        return None
    module, question = found
    body = ctx.texts.round_item.format(
        number=item + 1,
        count=len(info.questions),
        module=module.title,
        stem=render_for(question.stem, ctx),
    )
    by_id = {option.id: option for option in question.options}
    choices = [
        Choice(
            payloads.refresher_payload(info.delivery_id, item, oid),
            render_for(by_id[oid].text, ctx),
        )
        for oid in option_order(question, f"round:{info.delivery_id}:{item}")
    ]
    choices.append(Choice(payloads.later_payload(info.delivery_id), ctx.texts.later_button))
    return Outbound(body, tuple(choices), asks_question=question.id)


def answer(state: LearnerState, picked: payloads.RefresherAnswer, ctx: Context) -> Decision:
    """Feedback on a round item's answer, then the next item (or the round's end); the
    first answer to an item is the one that counts."""
    t = ctx.texts
    info = ctx.round
    if info is None or info.delivery_id != picked.delivery_id:
        return say(state, text(t.forged_button))
    if not 0 <= picked.item < len(info.questions):
        return say(state, text(t.forged_button))
    if picked.item in info.answered:
        return say(state, text(t.already_answered))
    found = ctx.curriculum.find_question(info.questions[picked.item])
    if found is None:
        return say(state, text(t.stale_button))
    _module, question = found
    option = question.option(picked.option_id)
    if option is None:
        return say(state, text(t.forged_button))
    guess = Choice(payloads.guess_round_payload(info.delivery_id, picked.item), t.guessed_button)
    feedback = Outbound(_feedback(question, option.correct, ctx), (guess,), question.id)
    after = replace(
        info,
        answered={**info.answered, picked.item: option.correct},
        first_answer_at=info.first_answer_at or ctx.now,
    )
    replies = (feedback, _way_on(state, after, picked.item, ctx))
    probe = info.probes.get(picked.item)
    if probe is not None:  # a learning-effect check-up: recorded, not an FSRS review
        checkup = AnswerCheckup(probe, option.correct, info.delivery_id, picked.item)
        return Decision(state, replies, effects=(checkup,))
    sent = info.sent_at
    duration = int((ctx.now - sent).total_seconds() * 1000) if sent else None
    review = Review(
        question.id,
        option.correct,
        ctx.now,
        duration,
        "refresher",
        round_id=info.delivery_id,
        round_item=picked.item,
    )
    return Decision(state, replies, reviews=(review,))


def _feedback(question: Question, correct: bool, ctx: Context) -> str:
    t = ctx.texts
    explanation = render_for(question.explanation, ctx)
    if correct:
        return t.correct.format(explanation=explanation)
    answer_text = render_for(question.correct_option.text, ctx)
    return t.incorrect.format(answer=answer_text, explanation=explanation)


def _way_on(state: LearnerState, info: RoundInfo, after: int, ctx: Context) -> Outbound:
    """The next unanswered item, or the round's end (with a way back to the lesson)."""
    item = info.next_item(after)
    if item is not None and not round_has_time(info, ctx, _lesson_to_come(state, info, ctx)):
        left = len(info.questions) - len(info.answered)
        body = ctx.texts.round_day_full.format(
            minutes=DAILY_MINUTES, count=left, questions=_questions(left, ctx)
        )
        return text(body, *_back_to_lesson(state, ctx))
    if item is not None and (reply := item_reply(info, item, ctx)) is not None:
        return reply
    right = sum(1 for correct in info.answered.values() if correct)
    body = ctx.texts.round_done.format(right=right, count=len(info.answered))
    return text(body, *_back_to_lesson(state, ctx))


def _lesson_to_come(state: LearnerState, info: RoundInfo, ctx: Context) -> float:
    """The minutes of the lesson the learner may still take today: the module in progress
    or the next one, unless the round was planned on a refresher day (no new module)."""
    module = ctx.curriculum.module(state.module_id) if state.module_id else None
    if module is None and not info.lesson_held:
        upcoming = next_module(ctx)
        return module_minutes(upcoming, ctx) if upcoming is not None else 0.0
    return float(module.minutes) if module is not None else 0.0


def _back_to_lesson(state: LearnerState, ctx: Context) -> tuple[Choice, ...]:
    """After a round, a way back into the module in progress; none when there is none.
    A round never starts a new module: new modules come with the day's lesson nudge
    (held while refreshers are behind) or when the learner asks with /next."""
    if state.module_id is None:
        return ()
    return (Choice(payloads.NEXT, ctx.texts.continue_button),)


def later(state: LearnerState, picked: payloads.Later, ctx: Context) -> Decision:
    """Stop the round here; what is left waits for the next round."""
    t = ctx.texts
    info = ctx.round
    if info is None or info.delivery_id != picked.delivery_id:
        return say(state, text(t.forged_button))
    left = len(info.questions) - len(info.answered)
    if left <= 0:
        return say(state, text(t.round_all_answered, *_back_to_lesson(state, ctx)))
    body = t.round_later.format(count=left, questions=_questions(left, ctx))
    return say(state, text(body, *_back_to_lesson(state, ctx)))


def guessed(state: LearnerState, ctx: Context) -> Decision:
    """ "I guessed": a right answer is re-rated Hard; a wrong one is kept as Again but
    not counted as a possible misconception."""
    t = ctx.texts
    if ctx.probe is not None:
        return _guessed_checkup(state, ctx.probe, ctx)
    facts = ctx.guess
    if facts is None:
        return say(state, text(t.stale_button))
    if facts.guessed:
        return say(state, text(t.guess_already))
    if not facts.latest:
        return say(state, text(t.guess_too_late))
    right = facts.rating > int(srs.Grade.AGAIN)
    body = t.guess_noted if right else t.guess_noted_wrong
    return Decision(state, (text(body),), guesses=(Guess(facts),))


def _guessed_checkup(state: LearnerState, probe: ProbeFacts, ctx: Context) -> Decision:
    t = ctx.texts
    if not probe.answered:
        return say(state, text(t.stale_button))
    if probe.guessed:
        return say(state, text(t.guess_already))
    body = t.guess_noted_checkup
    return Decision(state, (text(body),), effects=(GuessCheckup(probe.probe_id),))


def _questions(count: int, ctx: Context) -> str:
    return ctx.texts.question_word if count == 1 else ctx.texts.questions_word
