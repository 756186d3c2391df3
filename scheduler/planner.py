"""Plan one learner's proactive messages for one local day. Pure.

The planner tick (see `scheduler.jobs`) runs this for every learner of a time zone once
per local day and stores the results as delivery rows. Idempotency keys name the learner,
the day and the slot, so planning the same day twice can never add a message, and no more
than the daily caps can ever exist for one learner-day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.deliveries import DeliveryKind, PlannedDelivery
from scheduler import srs
from scheduler.pacing import Pacing, is_working_day, lesson_time, refresher_times, zone

QUIET_AFTER = 3  # lesson nudges ignored before the learner is left alone
GENTLE_AFTER = dt.timedelta(days=7)  # then one gentler nudge, this long after the last


@dataclass(frozen=True)
class LearnerPlan:
    """What the planner knows of one learner."""

    learner_id: int
    pacing: Pacing
    nudges_ignored: int
    last_nudge_at: dt.datetime | None
    lesson_cap: int
    refresher_cap: int
    retention: float


@dataclass(frozen=True)
class DueCard:
    """A refresher question whose FSRS card falls due by the end of the day."""

    question_id: str
    memory: srs.Memory


def plan_day(learner: LearnerPlan, day: dt.date, due_cards: list[DueCard]) -> list[PlannedDelivery]:
    """The learner's deliveries for a local date: the lesson nudge (or the one gentle
    nudge), then due refreshers, lowest predicted recall first, within the caps."""
    pacing = learner.pacing
    if not is_working_day(pacing, day):
        return []
    planned: list[PlannedDelivery] = []
    nudge = _nudge(learner, day)
    if nudge is not None:
        planned.append(nudge)
    if learner.nudges_ignored >= QUIET_AFTER or learner.refresher_cap <= 0:
        return planned
    first = lesson_time(pacing, day)
    assert first is not None  # a working day has a lesson time
    ranked = sorted(
        due_cards,
        key=lambda card: (srs.recall(card.memory, first, learner.retention), card.question_id),
    )[: learner.refresher_cap]
    times = refresher_times(pacing, day, len(ranked))
    for slot, (card, at) in enumerate(zip(ranked, times, strict=True)):
        planned.append(
            PlannedDelivery(
                key=f"refresher:{learner.learner_id}:{day.isoformat()}:{slot}",
                learner_id=learner.learner_id,
                kind=DeliveryKind.REFRESHER,
                due_at=at,
                ref=card.question_id,
            )
        )
    return planned


def _nudge(learner: LearnerPlan, day: dt.date) -> PlannedDelivery | None:
    at = lesson_time(learner.pacing, day)
    if at is None or learner.lesson_cap <= 0:
        return None
    key = f"lesson:{learner.learner_id}:{day.isoformat()}"
    if learner.nudges_ignored < QUIET_AFTER:
        return PlannedDelivery(key, learner.learner_id, DeliveryKind.LESSON, at)
    last = learner.last_nudge_at
    if learner.nudges_ignored == QUIET_AFTER and last is not None and at - last >= GENTLE_AFTER:
        return PlannedDelivery(key, learner.learner_id, DeliveryKind.GENTLE, at)
    return None


def leave_shift(pacing: Pacing, day: dt.date) -> dt.timedelta | None:
    """How far to push due dates when the learner's leave has ended before `day`:
    the length of the leave. None while there is no finished leave."""
    if pacing.away_until is None or pacing.away_until >= day:
        return None
    start = pacing.away_from or pacing.away_until
    return dt.timedelta(days=(pacing.away_until - start).days + 1)


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
        plan: Callable[[LearnerPlan, dt.date, list[DueCard]], list[PlannedDelivery]],
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
