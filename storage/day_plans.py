"""Planning a local day into delivery rows, in bulk and in pages of learners: the facts the
pure planner needs (learners and due cards from `storage.plan_reads`, waiting campaign
questions and check-ups, unanswered rounds), the leave that has ended, and the planned rows
through the one writer (`storage.plan_writes`)."""

from __future__ import annotations

import datetime as dt
import gc
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.deliveries import DeliveryKind, PlannedDelivery
from scheduler.planner import (
    CampaignItem,
    CheckupItem,
    DueCard,
    LearnerPlan,
    PlanFunction,
    leave_shift,
)
from storage.plan_reads import SharedSettings, due_cards, effective_timezone, learner_page
from storage.plan_writes import planned_writer, write_planned
from storage.tables import Council, Delivery, Learner, PlanRun, SrsCard

PLAN_PAGE = 5000
READ_AHEAD_PAGES = 2  # pages read ahead of the one being written (PostgreSQL)


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


def _with_rounds(
    session: Session, learners: list[LearnerPlan], first: int, last: int
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


@dataclass(frozen=True)
class _PageFacts:
    """What the planner needs for one page of learners."""

    learners: list[LearnerPlan]  # with their unanswered rounds
    cards: dict[int, list[DueCard]]  # due cards by learner
    waiting: dict[int, list[CampaignItem]]
    checkups: dict[int, list[CheckupItem]]


@dataclass(frozen=True)
class _Done:
    """The reader thread's last word: why it stopped early, if it did."""

    failure: BaseException | None


class _PageReader:
    """Reads a page's facts through any session: the planning one, or a reader's."""

    def __init__(
        self,
        facts: tuple[CampaignFacts | None, CheckupFacts | None],
        timezone: str,
        day: dt.date,
        end_utc: dt.datetime,
    ) -> None:
        self._campaigns, self._checkups = facts
        self._timezone = timezone
        self._day = day
        self._end_utc = end_utc
        self._shared = SharedSettings()

    def __call__(self, session: Session, ids: tuple[int, int]) -> _PageFacts | None:
        """The facts of the learners with ids in this range; None if there are none."""
        learners = learner_page(session.connection(), self._timezone, ids, self._shared)
        if not learners:
            return None
        found = [p.learner_id for p in learners]
        campaigns, checkups = self._campaigns, self._checkups
        return _PageFacts(
            learners=_with_rounds(session, learners, found[0], found[-1]),
            cards=due_cards(session.connection(), found, self._end_utc),
            waiting=campaigns(session, self._day, found) if campaigns else {},
            checkups=checkups(session, self._day, found) if checkups else {},
        )


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
            # In pages of learner ids, so memory stays flat however many learners there
            # are; one transaction, so the day is planned wholly or not at all.
            ranges = [(low, low + PLAN_PAGE - 1) for low in range(1, top + 1, PLAN_PAGE)]
            read = _PageReader((self._campaigns, self._checkups), timezone, day, end_utc)
            if session.connection().dialect.name == "postgresql":
                pages = self._read_ahead(read, ranges)
            else:  # one writer at a time on SQLite: read each page in the transaction
                pages = (read(session, ids) for ids in ranges)
            with closing(pages):  # a failure here stops the reader thread at once
                for facts in pages:
                    if facts is not None:
                        delivery_count += self._plan_page(session, facts, day, end_utc, at, plan)
                        learner_count += len(facts.learners)
            run = session.get(PlanRun, (timezone, day))
            assert run is not None
            run.learners, run.deliveries = learner_count, delivery_count
            session.add(run)
        self._planned.add((timezone, day))
        return DayPlanned(timezone, day, learner_count, delivery_count)

    def _read_ahead(
        self, read: _PageReader, ranges: list[tuple[int, int]]
    ) -> Generator[_PageFacts | None]:
        """The pages' facts, read by a thread on a connection of its own while this one
        writes the page before (PostgreSQL). The server takes a page's `COPY` and checks
        each row's learner on one core while the next page is read on the other: 15-20% of
        a day's time (docs/benchmarks.md). The reader sees what is committed,
        as the planning transaction would, except the leave this run ends: `_plan_page`
        reads again the cards of those learners."""
        pages: queue.Queue[_PageFacts | _Done | None] = queue.Queue(maxsize=READ_AHEAD_PAGES)
        stop = threading.Event()

        def deliver(item: _PageFacts | _Done | None) -> bool:
            while not stop.is_set():
                try:
                    pages.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def work() -> None:
            failure: BaseException | None = None
            try:
                with self._session() as reader:
                    reader.connection().exec_driver_sql("SET TRANSACTION READ ONLY")
                    for ids in ranges:
                        if not deliver(read(reader, ids)):
                            return
            except BaseException as error:  # handed to the planning thread, which raises it
                failure = error
            deliver(_Done(failure))

        thread = threading.Thread(target=work, name="plan-reader", daemon=True)
        thread.start()
        try:
            while not isinstance(item := pages.get(), _Done):
                yield item
            if item.failure is not None:
                raise item.failure
        finally:
            stop.set()
            thread.join()

    def _plan_page(
        self,
        session: Session,
        facts: _PageFacts,
        day: dt.date,
        end_utc: dt.datetime,
        at: dt.datetime,
        plan: PlanFunction,
    ) -> int:
        """Plan one page of learners and write its deliveries; returns how many."""
        learners = list(facts.learners)
        cards = facts.cards
        ended = self._end_leave(session, learners, day)
        if ended:  # their due dates moved: read their cards again, after the move
            session.flush()
            cards = {key: found for key, found in cards.items() if key not in ended}
            cards.update(due_cards(session.connection(), sorted(ended), end_utc))
        count = 0
        # On PostgreSQL the rows stream to the server while the rest of the page is planned.
        with planned_writer(session, at, len(learners)) as sink:
            for learner in learners:
                key = learner.learner_id
                planned = plan(
                    learner,
                    day,
                    cards.get(key, ()),
                    facts.waiting.get(key, ()),
                    facts.checkups.get(key, ()),
                )
                sink.write(planned)
                count += len(planned)
        return count

    def _end_leave(self, session: Session, learners: list[LearnerPlan], day: dt.date) -> set[int]:
        """Leave that has ended: push the learner's due dates back by its length, so the
        backlog is what was due before the leave, then forget the leave. Returns the
        learners whose leave ended."""
        ended: set[int] = set()
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
            ended.add(learner.learner_id)
        return ended

    def add(self, planned: Sequence[PlannedDelivery], at: dt.datetime) -> None:
        """Store deliveries planned elsewhere (e.g. a manager's nudge); duplicates ignored."""
        with self._session() as session:
            write_planned(session, planned, at)
