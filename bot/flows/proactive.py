"""What a proactive message says, decided when it is about to be sent. Pure.

The planner decided *when*; this decides *whether* (the learner may have stopped, gone on
leave, gone quiet or finished since) and *what*, from the learner's state at send time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from bot import payloads
from bot.day_budget import day_has_room
from bot.decision import Context
from bot.deliveries import ClaimedDelivery, DeliveryKind, RoundInfo, Withheld
from bot.flows import refresher
from bot.flows.learning import next_module
from bot.messages import Choice, Outbound
from bot.state import CouncilInfo, LearnerState, Stage
from scheduler.pacing import Pacing, in_working_hours, learner_pacing, local_date, on_leave
from scheduler.planner import QUIET_AFTER, RoundPlan


def pacing_of(state: LearnerState, council: CouncilInfo | None) -> Pacing:
    """The learner's pacing inputs: their own settings, else their council's (defaults
    from `scheduler.pacing.learner_pacing`)."""
    return learner_pacing(
        working_days=state.working_days,
        timezone=state.timezone or (council.timezone if council else None),
        nation=state.nation or (council.nation if council else None),
        learning_time=state.learning_time,
        work_start=council.work_start if council else None,
        work_end=council.work_end if council else None,
        away_from=state.away_from,
        away_until=state.away_until,
    )


def compose(
    delivery: ClaimedDelivery, state: LearnerState, council: CouncilInfo | None, ctx: Context
) -> tuple[Outbound, ...] | Withheld:
    """The messages for a claimed delivery, or why it must not be sent now."""
    pacing = pacing_of(state, council)
    if state.stage is not Stage.ACTIVE:
        return Withheld("skipped", "not onboarded")
    if state.paused:
        return Withheld("skipped", "stopped")
    if on_leave(pacing, local_date(pacing, ctx.now)):
        return Withheld("skipped", "on leave")
    if local_date(pacing, ctx.now) != local_date(pacing, delivery.due_at):
        return Withheld("expired", "its day has passed")
    if not in_working_hours(pacing, ctx.now):
        return Withheld("expired", "outside working hours")
    match delivery.kind:
        case DeliveryKind.LESSON:
            return _lesson(state, pacing, ctx)
        case DeliveryKind.GENTLE:
            return _gentle(state, ctx)
        case DeliveryKind.ROUND | DeliveryKind.REFRESHER:
            return _round(delivery, ctx)
        case DeliveryKind.NUDGE:
            return _manager_nudge(state, ctx)


def _lesson(state: LearnerState, pacing: Pacing, ctx: Context) -> tuple[Outbound, ...] | Withheld:
    t = ctx.texts
    if state.nudges_ignored >= QUIET_AFTER:
        return Withheld("skipped", "quiet: three nudges ignored")
    # Only lesson activity counts: answering a refresher never withholds the lesson.
    seen = state.lesson_active_at
    if seen is not None and local_date(pacing, seen) == local_date(pacing, ctx.now):
        return Withheld("skipped", "already active today")
    current = ctx.curriculum.module(state.module_id) if state.module_id else None
    if current is not None:
        body = t.lesson_nudge_resume.format(title=current.title)
        return (Outbound(body, (Choice(payloads.NEXT, t.continue_button),)),)
    upcoming = next_module(ctx)
    if upcoming is None:
        return Withheld("skipped", "curriculum finished")
    body = t.lesson_nudge_new.format(
        title=upcoming.title,
        number=(ctx.curriculum.position(upcoming.id) or 0) + 1,
        count=len(ctx.curriculum.modules),
        minutes=upcoming.minutes,
    )
    return (Outbound(body, (Choice(payloads.NEXT, t.start_button),)),)


def _gentle(state: LearnerState, ctx: Context) -> tuple[Outbound, ...] | Withheld:
    if state.nudges_ignored != QUIET_AFTER:
        return Withheld("skipped", "gentle nudge not due")
    module = ctx.curriculum.module(state.module_id) if state.module_id else next_module(ctx)
    if module is None:
        return Withheld("skipped", "curriculum finished")
    body = ctx.texts.gentle_nudge.format(title=module.title, minutes=module.minutes)
    return (Outbound(body, (Choice(payloads.NEXT, ctx.texts.continue_button),)),)


def _manager_nudge(state: LearnerState, ctx: Context) -> tuple[Outbound, ...] | Withheld:
    """A manager's nudge: where the learner is, never a score (issue 8)."""
    t = ctx.texts
    current = ctx.curriculum.module(state.module_id) if state.module_id else None
    if current is not None:
        body = t.nudge_resume.format(title=current.title)
        return (Outbound(body, (Choice(payloads.NEXT, t.continue_button),)),)
    upcoming = next_module(ctx)
    if upcoming is None:
        return Withheld("skipped", "curriculum finished")
    body = t.nudge_new.format(title=upcoming.title, minutes=upcoming.minutes)
    return (Outbound(body, (Choice(payloads.NEXT, t.start_button),)),)


def _round(delivery: ClaimedDelivery, ctx: Context) -> tuple[Outbound, ...] | Withheld:
    """A refresher round's opening message (a one-question refresher planned before
    rounds existed is sent as a round of one)."""
    if delivery.kind is DeliveryKind.REFRESHER:
        plan = RoundPlan((delivery.ref,) if delivery.ref else ())
    else:
        plan = RoundPlan.from_json(delivery.payload)
    questions = tuple(q for q in plan.questions if ctx.curriculum.find_question(q) is not None)
    if not questions:
        return Withheld("skipped", "questions withdrawn")
    done = ctx.round.answered if ctx.round and ctx.round.delivery_id == delivery.id else {}
    if len(done) >= len(plan.questions):
        return Withheld("skipped", "answered in an earlier round")
    if not day_has_room(ctx):  # the questions stay due: tomorrow's round brings them
        return Withheld("skipped", "today's minutes are used")
    info = RoundInfo(
        delivery.id,
        plan.questions,
        None,
        done,
        plan.backlog,
        plan.lesson_held,
        plan.backlog_limit,
        {item: probe for item, (probe, _variant) in enumerate(plan.probes)},
    )
    return refresher.opening(info, ctx)


AnsweredSince = Callable[
    [int, Sequence[str], Sequence[int], dt.datetime], tuple[frozenset[str], frozenset[int]]
]


def answered_before_sending(
    delivery: ClaimedDelivery,
    state: LearnerState,
    council: CouncilInfo | None,
    answered_since: AnsweredSince,
) -> RoundInfo | None:
    """A round's items the learner answered elsewhere since it was planned (an earlier
    round answered after midnight): the round is composed without them."""
    if delivery.kind is not DeliveryKind.ROUND:
        return None
    plan = RoundPlan.from_json(delivery.payload)
    pacing = pacing_of(state, council)
    day = local_date(pacing, delivery.due_at)
    since = dt.datetime.combine(day, dt.time(0), pacing.zone).astimezone(dt.UTC)
    probes = {item: probe for item, (probe, _v) in enumerate(plan.probes)}
    reviewed, checked = answered_since(
        state.learner_id, plan.questions, tuple(probes.values()), since
    )
    answered = {
        item: True
        for item, question in enumerate(plan.questions)
        if (item in probes and probes[item] in checked)
        or (item not in probes and question in reviewed)
    }
    return RoundInfo(delivery.id, plan.questions, None, answered, probes=probes)
