"""Planning a local day into delivery rows, in bulk and in pages of learners: the facts the
pure planner needs (learners and due cards from `storage.plan_reads`, waiting campaign
questions and check-ups, unanswered rounds), the leave that has ended, and the planned rows
through the one writer (`storage.plan_writes`)."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.deliveries import DeliveryKind, PlannedDelivery
from scheduler.planner import (
    CampaignItem,
    CheckupItem,
    LearnerPlan,
    PlanFunction,
    leave_shift,
)
from storage.plan_reads import SharedSettings, due_cards, effective_timezone, learner_page
from storage.plan_writes import planned_writer, write_planned
from storage.tables import Council, Delivery, Learner, PlanRun, SrsCard

PLAN_PAGE = 5000


@dataclass(frozen=True)
class DayPlanned:
    """What one planning run stored."""

    timezone: str
    day: dt.date
    learners: int
    deliveries: int


# The campaign questions waiting for some learners on a local date (storage.campaigns),
# and the learning-effect check-ups due (storage.effect_probes).
CampaignFacts = Callable[[Session, dt.date, list[int]], dict[int, list[CampaignItem]]]
CheckupFacts = Callable[[Session, dt.date, list[int]], dict[int, list[CheckupItem]]]


def _aware(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic collector paused for a planning run. A run makes several objects
    per learner, in pages that reference counting frees; each of them counts towards the
    collector's thresholds, and its full collections walk the whole heap, so a day of
    100,000 learners took about twice as long with it running (docs/benchmarks.md). Cycles
    made meanwhile (anywhere in the process) are collected once the run ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class DayPlanning:
    """Planning a day, mixed into `storage.deliveries.SqlDeliveries` (which owns the
    engine, the facts readers and the set of days this process knows are planned)."""

    _campaigns: CampaignFacts | None
    _checkups: CheckupFacts | None
    _planned: set[tuple[str, dt.date]]

    def _session(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def timezones(self) -> list[str]:
        """The time zones of learners who may be sent something."""
        tz = effective_timezone()
        with self._session() as session:
            rows = session.execute(
                sql_select(tz)
                .select_from(Learner)
                .join(Council, col(Learner.council_id) == col(Council.id), isouter=True)
                .where(col(Learner.stage) == "active", col(Learner.paused).is_(False))
                .distinct()
            ).scalars()
            return sorted(str(name) for name in rows)

    def plan_day(
        self, timezone: str, day: dt.date, end_utc: dt.datetime, at: dt.datetime, plan: PlanFunction
    ) -> DayPlanned | None:
        """Plan a local day for every learner in a time zone, once: None if it was planned
        already (by this or another process)."""
        if (timezone, day) in self._planned:
            return None
        with _cyclic_gc_paused(), self._session() as session:
            try:
                with session.begin_nested():
                    session.add(PlanRun(timezone=timezone, local_date=day, planned_at=at))
            except IntegrityError:
                self._planned.add((timezone, day))
                return None
            learner_count = delivery_count = 0
            top = session.execute(sql_select(func.max(col(Learner.id)))).scalar() or 0
            shared = SharedSettings()
            # In pages of learner ids, so memory stays flat however many learners there
            # are; one transaction, so the day is planned wholly or not at all.
            for low in range(1, top + 1, PLAN_PAGE):
                ids = (low, low + PLAN_PAGE - 1)
                learners = learner_page(session.connection(), timezone, ids, shared)
                if learners:
                    delivery_count += self._plan_page(session, learners, day, end_utc, at, plan)
                    learner_count += len(learners)
            run = session.get(PlanRun, (timezone, day))
            assert run is not None
            run.learners, run.deliveries = learner_count, delivery_count
            session.add(run)
        self._planned.add((timezone, day))
        return DayPlanned(timezone, day, learner_count, delivery_count)

    def _plan_page(
        self,
        session: Session,
        learners: list[LearnerPlan],
        day: dt.date,
        end_utc: dt.datetime,
        at: dt.datetime,
        plan: PlanFunction,
    ) -> int:
        """Plan one page of learners and write its deliveries; returns how many."""
        self._end_leave(session, learners, day)
        session.flush()  # due dates moved by ended leave, before the cards are read
        ids = [p.learner_id for p in learners]
        cards = due_cards(session.connection(), ids, end_utc)
        learners = self._with_rounds(session, learners, ids[0], ids[-1])
        waiting = self._campaigns(session, day, ids) if self._campaigns else {}
        checkups = self._checkups(session, day, ids) if self._checkups else {}
        count = 0
        # On PostgreSQL the rows stream to the server while the rest of the page is planned.
        with planned_writer(session, at, len(learners)) as sink:
            for learner in learners:
                key = learner.learner_id
                planned = plan(
                    learner, day, cards.get(key, ()), waiting.get(key, ()), checkups.get(key, ())
                )
                sink.write(planned)
                count += len(planned)
        return count

    def _with_rounds(
        self, session: Session, learners: list[LearnerPlan], first: int, last: int
    ) -> list[LearnerPlan]:
        """Add how many rounds were sent since each learner last wrote, and when the
        latest of them went (the planner's quiet rule for rounds)."""
        seen = func.coalesce(col(Learner.last_seen_at), col(Learner.created_at))
        rows = session.execute(
            sql_select(col(Delivery.learner_id), func.count(), func.max(col(Delivery.sent_at)))
            .join(Learner, col(Delivery.learner_id) == col(Learner.id))
            .where(
                col(Delivery.learner_id).between(first, last),
                col(Delivery.kind) == DeliveryKind.ROUND.value,
                col(Delivery.status) == "sent",
                col(Delivery.sent_at) > seen,
            )
            .group_by(col(Delivery.learner_id))
        ).all()
        unanswered = {r[0]: (int(r[1]), r[2]) for r in rows}
        return [
            replace(p, rounds_unanswered=n, last_round_at=_aware(at))
            if (found := unanswered.get(p.learner_id)) and (n := found[0]) and (at := found[1])
            else p
            for p in learners
        ]

    def _end_leave(self, session: Session, learners: list[LearnerPlan], day: dt.date) -> None:
        """Leave that has ended: push the learner's due dates back by its length, so the
        backlog is what was due before the leave, then forget the leave."""
        for index, learner in enumerate(learners):
            shift = leave_shift(learner.pacing, day)
            if shift is None:
                continue
            for card in session.exec(
                select(SrsCard).where(SrsCard.learner_id == learner.learner_id)
            ).all():
                card.due = card.due + shift
                session.add(card)
            row = session.get(Learner, learner.learner_id)
            assert row is not None
            row.away_from = row.away_until = None
            session.add(row)
            pacing = replace(learner.pacing, away_from=None, away_until=None)
            learners[index] = replace(learner, pacing=pacing)

    def add(self, planned: Sequence[PlannedDelivery], at: dt.datetime) -> None:
        """Store deliveries planned elsewhere (e.g. a manager's nudge); duplicates ignored."""
        with self._session() as session:
            write_planned(session, planned, at)
