"""The one planner: every proactive message is decided here. Pure: values in, planned
deliveries out, no database, no clock.

Storage reads the facts (a learner's pacing, their due FSRS cards, the campaign questions
waiting for them, how many rounds went unanswered) and writes what this module returns
through one writer (`storage.plan_writes.write_planned`). The rules (docs/learning.md says why):

- **The lesson nudge** at the learner's usual time on each working day, while fewer than
  `QUIET_AFTER` nudges in a row went unanswered; then one gentler nudge `GENTLE_AFTER`
  later, then nothing until the learner writes. A *new* module is offered only while the
  due backlog is at or below the council's limit and no refresher has waited more than
  `WAITING_HOLDS_AFTER` past its due date; a module in progress is always offered.
- **The refresher round**: the day's due refreshers as one message that starts a sequence
  of questions, lowest predicted recall first, campaign questions first, at most
  `round_size` (or `round_size_lesson_day` on a day with a lesson nudge). It comes
  `ROUND_AFTER_LESSON` after the lesson nudge, so it never withholds the lesson, or at
  the learning time on a day without one. Ignored lesson nudges never stop rounds; after
  `ROUNDS_QUIET_AFTER` rounds with no word from the learner, a round comes once a week.
- **A manager's nudge**: now if inside working hours, else at the start of the next
  working day; one a learner a day.
- **Leave**: when it has ended, due dates move on by its length; the rounds then spread
  the backlog, a round's size a day.

Idempotency keys name the learner, the day and the kind, so planning a day twice can
never add a message.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _json_text
from typing import Protocol

from scheduler import srs
from scheduler.pacing import (
    DEFAULT_LESSON_CAP,
    LAST_SEND_BEFORE_END,
    Pacing,
    in_working_hours,
    is_working_day,
    lesson_time,
    window,
    zone,
)
from scheduler.plans import DeliveryKind, PlannedDelivery

QUIET_AFTER = 3  # lesson nudges ignored before the learner is left alone
GENTLE_AFTER = dt.timedelta(days=7)  # then one gentler nudge, this long after the last
ROUND_AFTER_LESSON = dt.timedelta(hours=1)  # the round follows the lesson nudge by this
# Rounds with no word from the learner before rounds go weekly: a working week of them.
# Three was too few to mean "leave me alone": an officer who answers two rounds in three
# leaves three in a row unanswered by chance about once in 27 rounds (a busy week), and the
# week without rounds that followed left their refreshers overdue (in the simulation about
# half the overdue refreshers were of officers who had had a week or more without a round
# in the last month). Five in a row, a whole working week, comes by chance about once in
# 240 rounds for that officer; someone who has really stopped gets two more rounds.
ROUNDS_QUIET_AFTER = 5
ROUNDS_QUIET_EVERY = dt.timedelta(days=7)
# A refresher left waiting this long past its due date holds new modules back: the
# learner is not keeping up with what they have already learnt.
WAITING_HOLDS_AFTER = dt.timedelta(days=2)
NUDGE_LOOKAHEAD_DAYS = 14  # a manager's nudge outside working hours waits this long at most


@dataclass(frozen=True)
class RoundRules:
    """A council's refresher settings (defaults in one place: here)."""

    size: int = 12  # questions in a round on a day without a lesson nudge
    size_lesson_day: int = 8  # … and on a day with one
    backlog_limit: int = 40  # due refreshers above which no new module is offered


@dataclass(frozen=True)
class LearnerPlan:
    """What the planner knows of one learner."""

    learner_id: int
    pacing: Pacing
    nudges_ignored: int
    last_nudge_at: dt.datetime | None
    retention: float = srs.DEFAULT_RETENTION
    lesson_cap: int = DEFAULT_LESSON_CAP
    rounds: RoundRules = field(default_factory=RoundRules)
    in_module: bool = False  # a module in progress (resuming it is not a new module)
    rounds_unanswered: int = 0  # rounds sent since the learner last wrote
    last_round_at: dt.datetime | None = None
    curriculum_done: bool = False  # nothing left to offer as a lesson


@dataclass(frozen=True)
class DueCard:
    """A refresher question whose FSRS card falls due by the end of the day."""

    question_id: str
    memory: srs.Memory


@dataclass(frozen=True)
class CampaignItem:
    """A campaign question waiting for the learner: it joins their next round."""

    campaign_id: int
    round_start: dt.date
    question_id: str


@dataclass(frozen=True)
class CheckupItem:
    """A learning-effect check-up due for the learner: a variant asked inside the round,
    not a spaced-repetition review (see `bot.effect`)."""

    probe_id: int
    variant_id: str


@dataclass(frozen=True)
class RoundPlan:
    """A round's contents, stored as the delivery's payload."""

    questions: tuple[str, ...]
    campaign: tuple[tuple[int, str], ...] = ()  # (campaign id, question id) it brings
    backlog: int = 0  # due refreshers when the round was planned
    lesson_held: bool = False  # a new module was not offered because of the backlog
    backlog_limit: int = RoundRules.backlog_limit
    probes: tuple[tuple[int, str], ...] = ()  # (probe id, variant id): check-ups it asks

    def to_json(self) -> str:
        """The payload text: the compact JSON `json.dumps(..., separators=(",", ":"))`
        gives, written directly (planning writes one for most learners every day, and
        `json.dumps` builds an encoder each call)."""
        questions = ",".join(map(_json_text, self.questions))
        campaign = ",".join(f"[{int(c)},{_json_text(q)}]" for c, q in self.campaign)
        probes = ",".join(f"[{int(p)},{_json_text(v)}]" for p, v in self.probes)
        held = "true" if self.lesson_held else "false"
        return (
            f'{{"q":[{questions}],"c":[{campaign}],"backlog":{int(self.backlog)},'
            f'"held":{held},"limit":{int(self.backlog_limit)},"p":[{probes}]}}'
        )

    @classmethod
    def from_json(cls, text: str) -> RoundPlan:
        """A payload read back; an empty round if it is not one."""
        try:
            raw = json.loads(text)
            return cls(
                tuple(str(q) for q in raw["q"]),
                tuple((int(c), str(q)) for c, q in raw.get("c", [])),
                int(raw.get("backlog", 0)),
                bool(raw.get("held", False)),
                int(raw.get("limit", RoundRules.backlog_limit)),
                tuple((int(p), str(v)) for p, v in raw.get("p", [])),
            )
        except (ValueError, KeyError, TypeError):
            return cls(())


def plan_day(
    learner: LearnerPlan,
    day: dt.date,
    due_cards: Sequence[DueCard],
    campaign: Sequence[CampaignItem] = (),
    checkups: Sequence[CheckupItem] = (),
) -> list[PlannedDelivery]:
    """The learner's deliveries for a local date: the lesson nudge (or the gentle one),
    then the refresher round (with any check-ups and campaign questions waiting)."""
    times = day_times(learner.pacing, day)
    if times is None:
        return []
    held = _lesson_held(learner, times, due_cards)
    nudge = None if held else _nudge(learner, times)
    planned = [nudge] if nudge is not None else []
    round_ = _round(learner, times, Waiting(due_cards, campaign, checkups), nudge, held)
    if round_ is not None:
        planned.append(round_)
    return planned


@dataclass(frozen=True)
class DayTimes:
    """One working day of one pacing, as the planner uses it (worked out once for all the
    learners who share the pacing: `day_times`)."""

    day: str  # the local date, ISO (for idempotency keys)
    start: dt.datetime  # local midnight
    lesson_at: dt.datetime | None  # `lesson_time`
    round_after_lesson: dt.datetime | None  # `round_time` on a day with a lesson nudge


@lru_cache(maxsize=8192)  # learners share settings, so planning a day mostly hits the cache
def day_times(pacing: Pacing, day: dt.date) -> DayTimes | None:
    """The planner's times for a local date; None if it is not a working day."""
    if not is_working_day(pacing, day):
        return None
    lesson_at = lesson_time(pacing, day)
    return DayTimes(
        day.isoformat(),
        dt.datetime.combine(day, dt.time(0), pacing.zone),
        lesson_at,
        None if lesson_at is None else round_time(pacing, day, lesson_at),
    )


def _lesson_held(learner: LearnerPlan, times: DayTimes, due_cards: Sequence[DueCard]) -> bool:
    """Is a new module held back today because the learner is behind with refreshers:
    more are due than the council's backlog limit, or one has waited more than
    `WAITING_HOLDS_AFTER` past its due date?"""
    if learner.in_module or learner.curriculum_done or not due_cards:
        return False
    if len(due_cards) > learner.rounds.backlog_limit:
        return True
    waited_since = times.start - WAITING_HOLDS_AFTER
    return any(card.memory.due < waited_since for card in due_cards)


def _nudge(learner: LearnerPlan, times: DayTimes) -> PlannedDelivery | None:
    at = times.lesson_at
    if at is None or learner.lesson_cap <= 0 or learner.curriculum_done:
        return None
    key = f"lesson:{learner.learner_id}:{times.day}"
    if learner.nudges_ignored < QUIET_AFTER:
        return PlannedDelivery(key, learner.learner_id, DeliveryKind.LESSON, at)
    last = learner.last_nudge_at
    if learner.nudges_ignored == QUIET_AFTER and last is not None and at - last >= GENTLE_AFTER:
        return PlannedDelivery(key, learner.learner_id, DeliveryKind.GENTLE, at)
    return None


@dataclass(frozen=True)
class Waiting:
    """What may go into a learner's round today."""

    due_cards: Sequence[DueCard]
    campaign: Sequence[CampaignItem] = ()
    checkups: Sequence[CheckupItem] = ()


def _round(
    learner: LearnerPlan,
    times: DayTimes,
    waiting: Waiting,
    nudge: PlannedDelivery | None,
    held: bool,
) -> PlannedDelivery | None:
    due_cards, campaign, checkups = waiting.due_cards, waiting.campaign, waiting.checkups
    if not (due_cards or campaign or checkups):
        return None  # nothing to ask
    at = times.round_after_lesson if nudge is not None else times.lesson_at
    if at is None or (learner.rounds_unanswered and _rounds_quiet(learner, at)):
        return None
    rules = learner.rounds
    size = rules.size_lesson_day if nudge else rules.size
    # Check-ups first (at most two a day, inside the size), so "Later" rarely skips them.
    probes = tuple((c.probe_id, c.variant_id) for c in checkups[:2])[: max(size, 0)]
    wanted = round_questions(learner, at, due_cards, campaign, size - len(probes))
    questions = tuple(v for _p, v in probes) + wanted if probes else wanted
    if not questions:
        return None
    brought = tuple((i.campaign_id, i.question_id) for i in campaign if i.question_id in wanted)
    plan = RoundPlan(questions, brought, len(due_cards), held, rules.backlog_limit, probes)
    key = f"round:{learner.learner_id}:{times.day}"
    return PlannedDelivery(key, learner.learner_id, DeliveryKind.ROUND, at, None, plan.to_json())


def round_time(pacing: Pacing, day: dt.date, lesson_at: dt.datetime | None) -> dt.datetime | None:
    """When the round is sent: after the lesson nudge, inside working hours; at the
    learning time on a day without a lesson nudge."""
    first = lesson_time(pacing, day)
    if first is None:
        return None
    if lesson_at is None:
        return first
    _start, end = window(pacing, day)
    return max(lesson_at, min(lesson_at + ROUND_AFTER_LESSON, end - LAST_SEND_BEFORE_END))


def _rounds_quiet(learner: LearnerPlan, at: dt.datetime) -> bool:
    """After several rounds with no word from the learner, one round a week."""
    last = learner.last_round_at
    return (
        learner.rounds_unanswered >= ROUNDS_QUIET_AFTER
        and last is not None
        and at - last < ROUNDS_QUIET_EVERY
    )


def round_questions(
    learner: LearnerPlan,
    at: dt.datetime,
    due_cards: Sequence[DueCard],
    campaign: Sequence[CampaignItem],
    size: int,
) -> tuple[str, ...]:
    """The round's questions: campaign questions first, then due refreshers lowest
    predicted recall first; an ignored round does not come back identically (its order
    turns by one for each round that went unanswered)."""
    if size <= 0:
        return ()
    if not campaign and len(due_cards) <= 1:  # most learners on most days: nothing to rank
        return tuple(card.question_id for card in due_cards)
    ranked = [
        card.question_id
        for card in sorted(
            due_cards,
            key=lambda card: (srs.recall(card.memory, at), card.question_id),
        )
    ]
    turn = learner.rounds_unanswered % len(ranked) if ranked else 0
    ranked = ranked[turn:] + ranked[:turn]
    chosen = dict.fromkeys([item.question_id for item in campaign] + ranked)
    return tuple(chosen)[:size]


def manager_nudge(
    learner_id: int, pacing: Pacing, now: dt.datetime, key: str
) -> PlannedDelivery | None:
    """A manager's nudge: now inside working hours, else at the start of the learner's
    next working day (None if none comes within `NUDGE_LOOKAHEAD_DAYS`)."""
    due = _next_working_moment(pacing, now)
    return None if due is None else PlannedDelivery(key, learner_id, DeliveryKind.NUDGE, due)


def _next_working_moment(pacing: Pacing, now: dt.datetime) -> dt.datetime | None:
    if in_working_hours(pacing, now):
        return now
    day = now.astimezone(pacing.zone).date()
    for offset in range(NUDGE_LOOKAHEAD_DAYS):
        candidate = day + dt.timedelta(days=offset)
        if is_working_day(pacing, candidate):
            start, _end = window(pacing, candidate)
            if start > now:
                return start
    return None


def leave_shift(pacing: Pacing, day: dt.date) -> dt.timedelta | None:
    """How far to push due dates when the learner's leave has ended before `day`:
    the length of the leave. None while there is no finished leave."""
    if pacing.away_until is None or pacing.away_until >= day:
        return None
    start = pacing.away_from or pacing.away_until
    return dt.timedelta(days=(pacing.away_until - start).days + 1)


PlanFunction = Callable[
    [LearnerPlan, dt.date, Sequence[DueCard], Sequence[CampaignItem], Sequence[CheckupItem]],
    list[PlannedDelivery],
]


class PlanStore(Protocol):
    """Where plans are stored (storage implements it)."""

    def timezones(self) -> list[str]:
        """The time zones of learners who may be sent something."""
        ...

    def plan_day(
        self,
        timezone: str,
        day: dt.date,
        end_utc: dt.datetime,
        at: dt.datetime,
        plan: PlanFunction,
    ) -> object | None:
        """Plan one local day of one time zone, once."""
        ...


def plan_today(store: PlanStore, now: dt.datetime) -> int:
    """Plan the current local day of every time zone not yet planned; return how many
    time-zone days were planned by this call (0 when another process got there first)."""
    planned = 0
    for name in store.timezones():
        tz = zone(name)
        day = now.astimezone(tz).date()
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz).astimezone(dt.UTC)
        if store.plan_day(name, day, end, now, plan_day) is not None:
            planned += 1
    return planned
