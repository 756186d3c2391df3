"""Taking a module: its cards one at a time, then its quiz, then the score."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot import payloads
from bot.day_budget import lesson_minutes_today, minutes_taken, module_minutes
from bot.decision import Context, Decision, Needs, say, text
from bot.effect import AnswerPretest, CompleteMeasure, StartMeasure
from bot.flows import pretest
from bot.flows.rendering import council_values, option_order
from bot.intents import Intent
from bot.messages import Choice, Outbound
from bot.reading import reading_list
from bot.state import AnswerRecord, LearnerState, ModuleProgress, ModuleStatus
from lessons.model import Curriculum, Module, Question
from lessons.render import render_text
from scheduler.pacing import DAILY_MINUTES

if TYPE_CHECKING:  # bot.effects imports the flows
    from bot.effects import FlowEffect


def next_step(state: LearnerState, ctx: Context) -> Decision:
    """Show whatever comes next: a card, a question, or the next module."""
    module = ctx.curriculum.module(state.module_id) if state.module_id else None
    if state.module_id and module is None:
        cleared = replace(state, module_id=None, cursor=0, pending_question=None)
        return say(state, text(ctx.texts.module_gone)).then(next_step(cleared, ctx))
    if module is None:
        return _start_next_module(state, ctx)
    if state.pending_question:
        question = module.question(state.pending_question)
        if question is not None:
            return say(state, _question_reply(module, question, ctx, state))
    return _show_item(state, module, ctx)


def next_needs(state: LearnerState, _intent: Intent, curriculum: Curriculum) -> Needs:
    """What `next_step` reads: nothing more inside a module (the answer path stays
    short); the learner's module records when it starts the next module."""
    return Needs() if _inside_module(state, curriculum) else Needs(progress=True)


def _inside_module(state: LearnerState, curriculum: Curriculum) -> bool:
    """Whether `next_step` shows an item of the module in progress."""
    module = curriculum.module(state.module_id) if state.module_id else None
    if module is None:
        return False
    pending = state.pending_question is not None and module.question(state.pending_question)
    return bool(pending) or state.cursor < len(module.cards) + len(module.questions)


def next_module(ctx: Context, after: str | None = None) -> Module | None:
    """The first module in delivery order the learner has not completed, optionally
    looking only past the module `after`."""
    start = 0 if after is None else (ctx.curriculum.position(after) or 0) + 1
    for module in ctx.curriculum.modules[start:]:
        record = ctx.progress.get(module.id)
        if record is None or record.status is not ModuleStatus.COMPLETED:
            return module
    return None


def answer_needs(state: LearnerState, picked: payloads.Answer, curriculum: Curriculum) -> Needs:
    """What `answer` reads: every answer ever given for a button that is not the pending
    question's ("already answered"); the attempt's answers and the module records only
    for the quiz's last answer, which scores it."""
    found = curriculum.find_question(picked.question_id)
    if found is None or found[0].id != state.module_id or found[1].id != state.pending_question:
        return Needs(answered=True)
    module = found[0]
    last = state.cursor + 1 >= len(module.cards) + len(module.questions)
    return Needs(progress=last, answers=last)


def answer(state: LearnerState, picked: payloads.Answer, ctx: Context) -> Decision:
    """Record an answer to the pending question, give feedback, and score a finished quiz."""
    t = ctx.texts
    found = ctx.curriculum.find_question(picked.question_id)
    if found is None:
        return say(state, text(t.forged_button))
    module, question = found
    if picked.question_id != state.pending_question or module.id != state.module_id:
        if picked.question_id in ctx.answered_questions:
            return say(state, text(t.already_answered))
        return say(state, text(t.stale_button))
    option = question.option(picked.option_id)
    if option is None:
        return say(state, text(t.forged_button))
    shown = state.question_shown_at
    duration = int((ctx.now - shown).total_seconds() * 1000) if shown else None
    record = AnswerRecord(
        module.id, question.id, state.attempt, option.id, option.correct, ctx.now, duration
    )
    context = council_values(ctx)
    explanation = render_text(question.explanation, context)
    if option.correct:
        body = t.correct.format(explanation=explanation)
    else:
        answer_text = render_text(question.correct_option.text, context)
        body = t.incorrect.format(answer=answer_text, explanation=explanation)
    moved = replace(
        state,
        cursor=state.cursor + 1,
        pending_question=None,
        question_shown_at=None,
    )
    is_last = moved.cursor >= len(module.cards) + len(module.questions)
    # "I guessed" re-rates a spaced-repetition review: only refresher questions have one.
    guess = (
        (Choice(payloads.guess_quiz_payload(question.id), t.guessed_button),)
        if question.refresher
        else ()
    )
    if not is_last:
        way_on = Choice(payloads.NEXT, t.next_question_button)
        feedback = Outbound(body, (way_on, *guess), question.id)
        return Decision(moved, (feedback,), answers=(record,))
    feedback = Outbound(body, guess, question.id)
    return Decision(moved, (feedback,), answers=(record,)).then(
        _complete(moved, module, record, ctx)
    )


def _start_next_module(state: LearnerState, ctx: Context) -> Decision:
    t = ctx.texts
    module = next_module(ctx)
    if module is None:
        count = len(ctx.curriculum.modules)
        return say(
            state,
            text(t.all_done.format(count=count), Choice(payloads.PROGRESS, t.progress_button)),
        )
    previous = ctx.progress.get(module.id)
    attempt = previous.attempt + 1 if previous else 1
    started = replace(
        state,
        module_id=module.id,
        cursor=0,
        attempt=attempt,
        pending_question=None,
        question_shown_at=None,
    )
    record = ModuleProgress(module.id, ModuleStatus.IN_PROGRESS, attempt, ctx.now)
    position = (ctx.curriculum.position(module.id) or 0) + 1
    objectives = "\n".join(f"- {objective}" for objective in module.objectives)
    intro = text(
        t.module_intro.format(
            number=position,
            count=len(ctx.curriculum.modules),
            title=module.title,
            minutes=module.minutes,
            objectives=objectives,
        )
    )
    points = pretest.plan(started, module, attempt)
    effects: tuple[FlowEffect, ...] = ()
    if points is not None:  # the learning-effect measure: a pre-test first
        started = replace(started, cursor=-pretest.PRETEST_ITEMS)
        effects = (StartMeasure(module.id, points),)
    shown = _show_item(started, module, ctx)
    return Decision(started, (intro,), progress=(record,), effects=effects).then(shown)


def answer_pretest(state: LearnerState, picked: payloads.PretestAnswer, ctx: Context) -> Decision:
    """A pre-test answer: thanks (no feedback), then the next pre-test item or the cards."""
    module = ctx.curriculum.module(state.module_id) if state.module_id else None
    item = pretest.current(state, module) if module else None
    if module is None or item is None or item[1] != picked.variant_id:
        return say(state, text(ctx.texts.stale_button))
    found = ctx.curriculum.find_question(picked.variant_id)
    option = found[1].option(picked.option_id) if found else None
    if option is None:
        return say(state, text(ctx.texts.forged_button))
    effect = AnswerPretest(module.id, item[0], option.correct)
    thanks = Decision(state, (text(ctx.texts.pretest_thanks),), effects=(effect,))
    return thanks.then(_show_item(replace(state, cursor=state.cursor + 1), module, ctx))


def skip_pretest(state: LearnerState, ctx: Context) -> Decision:
    """Skip the rest of the pre-test: straight to the first card."""
    module = ctx.curriculum.module(state.module_id) if state.module_id else None
    if module is None or state.cursor >= 0:
        return say(state, text(ctx.texts.stale_button))
    return _show_item(replace(state, cursor=0), module, ctx)


def _show_item(state: LearnerState, module: Module, ctx: Context) -> Decision:
    t = ctx.texts
    cards = len(module.cards)
    if state.cursor < 0:
        asked = pretest.show(state, module, ctx)
        if asked.replies:
            return asked
        state = asked.state  # nothing to ask after all: on to the cards
    if state.cursor < cards:
        card = module.cards[state.cursor]
        context = council_values(ctx)
        body = t.card.format(
            number=state.cursor + 1,
            count=cards,
            title=render_text(card.title, context),
            body=render_text(card.body, context),
        )
        return say(
            state,
            text(body, Choice(payloads.NEXT, t.continue_button)),
            cursor=state.cursor + 1,
        )
    index = state.cursor - cards
    question = module.questions[index]
    replies: list[Outbound] = []
    if index == 0:
        replies.append(text(t.quiz_intro.format(count=len(module.questions))))
    replies.append(_question_reply(module, question, ctx, state))
    return say(
        state,
        *replies,
        pending_question=question.id,
        question_shown_at=ctx.now,
    )


def question_reply(state: LearnerState, ctx: Context) -> Outbound | None:
    """The pending question again, for a learner who typed instead of choosing."""
    module = ctx.curriculum.module(state.module_id) if state.module_id else None
    question = (
        module.question(state.pending_question) if module and state.pending_question else None
    )
    if module is None or question is None:
        return None
    return _question_reply(module, question, ctx, state)


def _question_reply(
    module: Module, question: Question, ctx: Context, state: LearnerState
) -> Outbound:
    """A quiz question, its options shuffled for this learner and attempt (the same
    order whenever it is shown again), so the file's order gives nothing away."""
    context = council_values(ctx)
    number = module.questions.index(question) + 1
    body = ctx.texts.question.format(
        number=number, count=len(module.questions), stem=render_text(question.stem, context)
    )
    by_id = {option.id: option for option in question.options}
    seed = f"quiz:{state.learner_id}:{question.id}:{state.attempt}"
    choices = tuple(
        Choice(payloads.answer_payload(question.id, oid), render_text(by_id[oid].text, context))
        for oid in option_order(question, seed)
    )
    return Outbound(body, choices, asks_question=question.id)


def _within_today(module: Module, upcoming: Module, ctx: Context) -> bool:
    """May the next module be offered now? Only while the day's modules, it included, stay
    within `DAILY_MINUTES` (see `bot.day_budget`; `/next` still starts it). The next
    module is counted at the learner's pace (`bot.day_budget.module_minutes`): a module
    that took them a fifth longer than stated (this one, or their recent ones) makes the
    next one count a fifth longer too, with its pre-test."""
    taken = lesson_minutes_today(ctx, leaving_out=module.id)
    record = ctx.progress.get(module.id)
    this = module.minutes if record is None else minutes_taken(module, record, ctx.now)
    pace = this / module.minutes if module.minutes else 1.0
    return taken + this + module_minutes(upcoming, ctx, pace) <= DAILY_MINUTES


def _complete(state: LearnerState, module: Module, last: AnswerRecord, ctx: Context) -> Decision:
    t = ctx.texts
    answers = {**ctx.answers, last.question_id: last}
    score = sum(
        1
        for q in module.questions
        if (a := answers.get(q.id)) is not None and a.attempt == state.attempt and a.correct
    )
    total = len(module.questions)
    previous = ctx.progress.get(module.id)
    record = ModuleProgress(
        module.id,
        ModuleStatus.COMPLETED,
        state.attempt,
        previous.started_at if previous else ctx.now,
        ctx.now,
        score,
        total,
    )
    done = 1 + sum(
        1
        for m in ctx.curriculum.modules
        if m.id != module.id
        and (p := ctx.progress.get(m.id)) is not None
        and p.status is ModuleStatus.COMPLETED
    )
    sources = reading_list(module.sources)
    finished = replace(state, module_id=None, cursor=0, pending_question=None)
    buttons: list[Choice] = []
    body = t.quiz_done.format(
        score=score, total=total, done=done, count=len(ctx.curriculum.modules)
    )
    upcoming = next_module(replace(ctx, progress={**ctx.progress, module.id: record}))
    if upcoming is not None and _within_today(module, upcoming, ctx):
        buttons.append(Choice(payloads.NEXT, t.next_module_button))
    elif upcoming is not None:
        body += "\n" + t.bite_done_today.format(title=upcoming.title)
    buttons.append(Choice(payloads.PROGRESS, t.progress_button))
    summary = text(body)
    points = pretest.plan(state, module, state.attempt)
    effects = () if points is None else (CompleteMeasure(module.id, points, ctx.local_today),)
    return Decision(
        finished,
        (summary, text(t.sources.format(sources=sources), *buttons)),
        progress=(record,),
        effects=effects,
    )
