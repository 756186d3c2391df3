"""Delivery rows: planning a day in bulk, claiming with leases, recording outcomes.

Claims use `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING` on
PostgreSQL, so several dispatchers on one database never claim the same row; SQLite
renders the same statement without the lock clause and runs one writer at a time
(`BEGIN IMMEDIATE`). Every outcome is written only by the claim that holds the row
(`claimed_by` is a fresh token per claim), so a dispatcher whose lease ran out cannot
overwrite the work of the one that took over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    func,
    or_,
    update,
)
from sqlalchemy import select as sql_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from bot.deliveries import NUDGE_KINDS, ClaimedDelivery, DeliveryKind, Outcome, PlannedDelivery
from bot.messages import ConversationRef
from scheduler import srs
from scheduler.pacing import (
    DEFAULT_LEARNING_TIME,
    DEFAULT_NATION,
    DEFAULT_TIMEZONE,
    DEFAULT_WORK_END,
    DEFAULT_WORK_START,
    Pacing,
    parse_hhmm,
)
from scheduler.planner import (
    CampaignItem,
    CheckupItem,
    DueCard,
    LearnerPlan,
    PlanFunction,
    RoundRules,
    leave_shift,
)
from scheduler.srs import Memory
from storage.tables import Delivery, Identity, Learner, Organisation, PlanRun, SrsCard
from storage.types import UTCDateTime

INSERT_CHUNK = 5000
PLAN_PAGE = 5000
_INSERT_SQLITE = (
    "INSERT INTO delivery (key, learner_id, kind, ref, payload, due_at, next_attempt_at, "
    "created_at, status, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0) "
    "ON CONFLICT (key) DO NOTHING"
)
# PostgreSQL: one statement per chunk, the columns passed as arrays (a row-by-row
# executemany costs a round trip per row even when pipelined).
_INSERT_POSTGRES = (
    "INSERT INTO delivery (key, learner_id, kind, ref, payload, due_at, next_attempt_at, "
    "created_at, status, attempts) "
    "SELECT k, l, kd, r, p, d, d, %s, 'queued', 0 FROM unnest("
    "%s::varchar[], %s::int[], %s::varchar[], %s::varchar[], %s::varchar[], %s::timestamptz[]"
    ") AS t(k, l, kd, r, p, d) ON CONFLICT (key) DO NOTHING"
)


_DELIVERY: Table = Delivery.__table__  # type: ignore[attr-defined]
_LEARNER: Table = Learner.__table__  # type: ignore[attr-defined]
_IDENTITY: Table = Identity.__table__  # type: ignore[attr-defined]
# One outcome, run as an executemany over a batch of them. Only the claim holding a row may
# write it; columns an outcome leaves empty (NULL) keep their value.
_RECORD = (
    update(_DELIVERY)
    .where(
        _DELIVERY.c.id == bindparam("r_id"),
        _DELIVERY.c.claimed_by == bindparam("r_token"),
        _DELIVERY.c.status == "sending",
    )
    .values(
        status=bindparam("r_status"),
        lease_until=None,
        sent_at=func.coalesce(bindparam("r_sent", type_=UTCDateTime()), _DELIVERY.c.sent_at),
        next_attempt_at=func.coalesce(
            bindparam("r_next", type_=UTCDateTime()), _DELIVERY.c.next_attempt_at
        ),
        last_error=func.coalesce(bindparam("r_error", type_=String()), _DELIVERY.c.last_error),
        platform=func.coalesce(bindparam("r_platform", type_=String()), _DELIVERY.c.platform),
        platform_message_id=func.coalesce(
            bindparam("r_message", type_=String()), _DELIVERY.c.platform_message_id
        ),
        attempts=_DELIVERY.c.attempts - bindparam("r_given_back", type_=Integer()),
        uncertain=_DELIVERY.c.uncertain + bindparam("r_uncertain", type_=Integer()),
        parts_sent=bindparam("r_parts", type_=Integer()),
    )
)


def _record_params(outcome: Outcome) -> dict[str, object]:
    return {
        "r_id": outcome.delivery.id,
        "r_token": outcome.token,
        "r_status": outcome.status,
        "r_sent": outcome.at if outcome.status == "sent" else None,
        "r_next": outcome.next_attempt_at,
        "r_error": outcome.error[:200] if outcome.error is not None else None,
        "r_platform": outcome.platform,
        "r_message": outcome.message_id,
        "r_given_back": 0 if outcome.attempt_used else 1,
        "r_uncertain": int(outcome.uncertain),
        "r_parts": outcome.parts_sent,
    }


def _count_nudges(connection: Connection, sent: Sequence[Outcome]) -> None:
    """A sent lesson nudge counts towards 'ignored' until the learner writes back."""
    nudged: dict[int, tuple[int, dt.datetime]] = {}
    for outcome in sent:
        if outcome.delivery.kind in NUDGE_KINDS:
            count, last = nudged.get(outcome.delivery.learner_id, (0, outcome.at))
            nudged[outcome.delivery.learner_id] = (count + 1, max(last, outcome.at))
    if nudged:
        connection.execute(
            update(_LEARNER)
            .where(_LEARNER.c.id == bindparam("n_id"))
            .values(
                nudges_ignored=_LEARNER.c.nudges_ignored + bindparam("n_count", type_=Integer()),
                last_nudge_at=bindparam("n_at", type_=UTCDateTime()),
            ),
            [{"n_id": i, "n_count": n, "n_at": at} for i, (n, at) in nudged.items()],
        )


def _stop_using(connection: Connection, refused: Sequence[Outcome]) -> None:
    """Identities a platform refused for good: nothing more is tried there."""
    if refused:
        connection.execute(
            update(_IDENTITY)
            .where(
                _IDENTITY.c.platform == bindparam("u_platform"),
                _IDENTITY.c.user_id == bindparam("u_user"),
            )
            .values(unreachable_at=bindparam("u_at", type_=UTCDateTime())),
            [
                {
                    "u_platform": o.unreachable.platform,
                    "u_user": o.unreachable.user_id,
                    "u_at": o.at,
                }
                for o in refused
                if o.unreachable is not None
            ],
        )


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


def _sqlite_stamp(at: dt.datetime) -> str:
    # The text form SQLAlchemy's SQLite DateTime stores (naive UTC, see storage.types).
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _aware(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC)


def write_planned(session: Session, planned: Sequence[PlannedDelivery], at: dt.datetime) -> int:
    """The one writer of planned deliveries (the day's plan, a manager's nudge): a bulk
    insert through the driver, since planning writes a row per learner per message and
    SQLAlchemy's per-value processing would cost more than the database does. A key
    planned before is left alone; returns how many rows were added."""
    if not planned:
        return 0
    connection = session.connection()
    added = 0
    if connection.dialect.name != "sqlite":
        for start in range(0, len(planned), INSERT_CHUNK):
            chunk = planned[start : start + INSERT_CHUNK]
            columns = (
                [p.key for p in chunk],
                [p.learner_id for p in chunk],
                [p.kind.value for p in chunk],
                [p.ref for p in chunk],
                [p.payload for p in chunk],
                [_aware(p.due_at) for p in chunk],
            )
            result = connection.exec_driver_sql(_INSERT_POSTGRES, (_aware(at), *columns))
            added += max(result.rowcount, 0)
        return added
    created = _sqlite_stamp(at)
    rows = [
        (p.key, p.learner_id, p.kind.value, p.ref, p.payload, due, due, created)
        for p in planned
        for due in (_sqlite_stamp(p.due_at),)
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        result = connection.exec_driver_sql(_INSERT_SQLITE, rows[start : start + INSERT_CHUNK])
        added += max(result.rowcount, 0)
    return added


def _effective_timezone() -> ColumnElement[str]:
    return func.coalesce(col(Learner.timezone), col(Organisation.timezone), DEFAULT_TIMEZONE)


class SqlDeliveries:
    """The deliveries table and the reads planning needs."""

    def __init__(
        self,
        engine: Engine,
        campaigns: CampaignFacts | None = None,
        checkups: CheckupFacts | None = None,
    ) -> None:
        self._engine = engine
        self._campaigns = campaigns
        self._checkups = checkups
        # Days this process knows are planned: saves a round trip on every tick.
        self._planned: set[tuple[str, dt.date]] = set()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    def timezones(self) -> list[str]:
        """The time zones of learners who may be sent something."""
        tz = _effective_timezone()
        with self._session() as session:
            rows = session.execute(
                sql_select(tz)
                .select_from(Learner)
                .join(Organisation, col(Learner.org_id) == col(Organisation.id), isouter=True)
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
        with self._session() as session:
            try:
                with session.begin_nested():
                    session.add(PlanRun(timezone=timezone, local_date=day, planned_at=at))
            except IntegrityError:
                self._planned.add((timezone, day))
                return None
            learner_count = delivery_count = 0
            after = 0
            # In pages of learners, so memory stays flat however many learners there are;
            # one transaction, so the day is planned wholly or not at all.
            while learners := self._learners(session, timezone, after, PLAN_PAGE):
                after = learners[-1].learner_id
                self._end_leave(session, learners, day)
                first = learners[0].learner_id
                cards = self._due_cards(session, timezone, end_utc, first, after)
                learners = self._with_rounds(session, learners, first, after)
                ids = [p.learner_id for p in learners]
                waiting = self._campaigns(session, day, ids) if self._campaigns else {}
                checkups = self._checkups(session, day, ids) if self._checkups else {}
                planned: list[PlannedDelivery] = []
                for learner in learners:
                    planned += plan(
                        learner,
                        day,
                        cards.get(learner.learner_id, []),
                        waiting.get(learner.learner_id, []),
                        checkups.get(learner.learner_id, []),
                    )
                self._insert(session, planned, at)
                learner_count += len(learners)
                delivery_count += len(planned)
            run = session.get(PlanRun, (timezone, day))
            assert run is not None
            run.learners, run.deliveries = learner_count, delivery_count
            session.add(run)
        self._planned.add((timezone, day))
        return DayPlanned(timezone, day, learner_count, delivery_count)

    def _learners(
        self, session: Session, timezone: str, after: int, limit: int
    ) -> list[LearnerPlan]:
        tz = _effective_timezone()
        rows = session.execute(
            sql_select(
                col(Learner.id),
                col(Learner.nation),
                col(Organisation.nation),
                col(Learner.working_days),
                col(Learner.learning_time),
                col(Organisation.work_start),
                col(Organisation.work_end),
                col(Learner.away_from),
                col(Learner.away_until),
                col(Learner.nudges_ignored),
                col(Learner.last_nudge_at),
                col(Organisation.lesson_cap),
                col(Organisation.round_size),
                col(Organisation.round_size_lesson_day),
                col(Organisation.backlog_limit),
                col(Organisation.desired_retention),
                col(Learner.module_id),
            )
            .select_from(Learner)
            .join(Organisation, col(Learner.org_id) == col(Organisation.id), isouter=True)
            .where(
                col(Learner.stage) == "active",
                col(Learner.paused).is_(False),
                tz == timezone,
                col(Learner.id) > after,
            )
            .order_by(col(Learner.id))
            .limit(limit)
        ).all()
        defaults = RoundRules()
        return [
            LearnerPlan(
                learner_id=r[0],
                pacing=Pacing(
                    timezone=timezone,
                    nation=r[1] or r[2] or DEFAULT_NATION,
                    working_days=tuple(r[3].split()),
                    learning_time=parse_hhmm(r[4], DEFAULT_LEARNING_TIME),
                    work_start=parse_hhmm(r[5], DEFAULT_WORK_START),
                    work_end=parse_hhmm(r[6], DEFAULT_WORK_END),
                    away_from=r[7],
                    away_until=r[8],
                ),
                nudges_ignored=r[9],
                last_nudge_at=r[10],
                lesson_cap=1 if r[11] is None else r[11],
                rounds=RoundRules(
                    defaults.size if r[12] is None else r[12],
                    defaults.size_lesson_day if r[13] is None else r[13],
                    defaults.backlog_limit if r[14] is None else r[14],
                ),
                retention=r[15] or srs.DEFAULT_RETENTION,
                in_module=r[16] is not None,
            )
            for r in rows
        ]

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

    def _due_cards(
        self, session: Session, timezone: str, end_utc: dt.datetime, first: int, last: int
    ) -> dict[int, list[DueCard]]:
        tz = _effective_timezone()
        rows = session.execute(
            sql_select(
                col(SrsCard.learner_id),
                col(SrsCard.question_id),
                col(SrsCard.id),
                col(SrsCard.state),
                col(SrsCard.step),
                col(SrsCard.stability),
                col(SrsCard.difficulty),
                col(SrsCard.due),
                col(SrsCard.last_review),
            )
            .join(Learner, col(SrsCard.learner_id) == col(Learner.id))
            .join(Organisation, col(Learner.org_id) == col(Organisation.id), isouter=True)
            .where(
                col(SrsCard.learner_id).between(first, last),
                col(SrsCard.due) < end_utc,
                col(SrsCard.held_out).is_(False),  # the learning-effect measure's held-out point
                col(Learner.stage) == "active",
                col(Learner.paused).is_(False),
                tz == timezone,
            )
        ).all()
        cards: dict[int, list[DueCard]] = {}
        for learner_id, question_id, *memory in rows:
            cards.setdefault(learner_id, []).append(DueCard(question_id, Memory(*memory)))
        return cards

    def _insert(
        self, session: Session, planned: Sequence[PlannedDelivery], at: dt.datetime
    ) -> None:
        write_planned(session, planned, at)

    def add(self, planned: Sequence[PlannedDelivery], at: dt.datetime) -> None:
        """Store deliveries planned elsewhere (e.g. a manager's nudge); duplicates ignored."""
        with self._session() as session:
            write_planned(session, planned, at)

    def claim(
        self, token: str, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> list[ClaimedDelivery]:
        """Lease up to `limit` due deliveries (and any whose lease ran out) to `token`."""
        due = or_(
            and_(col(Delivery.status) == "queued", col(Delivery.next_attempt_at) <= now),
            and_(col(Delivery.status) == "sending", col(Delivery.lease_until) < now),
        )
        chosen = (
            select(Delivery.id)
            .where(due)
            .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(Delivery)
            .where(col(Delivery.id).in_(chosen.scalar_subquery()))
            .values(
                status="sending",
                lease_until=now + lease,
                claimed_by=token,
                attempts=col(Delivery.attempts) + 1,
            )
            .returning(
                col(Delivery.id),
                col(Delivery.key),
                col(Delivery.learner_id),
                col(Delivery.kind),
                col(Delivery.ref),
                col(Delivery.payload),
                col(Delivery.due_at),
                col(Delivery.attempts),
                col(Delivery.parts_sent),
                col(Delivery.uncertain),
            )
        )
        with self._session() as session:
            rows = session.execute(statement).all()
        claimed = [ClaimedDelivery(r[0], r[1], r[2], DeliveryKind(r[3]), *r[4:]) for r in rows]
        return sorted(claimed, key=lambda d: (d.due_at, d.id))

    def renew(
        self, tokens: list[str], now: dt.datetime, lease: dt.timedelta
    ) -> list[tuple[str, int]]:
        """Extend the leases of a live dispatcher's claims; return the (token, id) pairs it
        still holds (rows finished or taken over by another dispatcher are not among them)."""
        statement = (
            update(Delivery)
            .where(col(Delivery.claimed_by).in_(tokens), col(Delivery.status) == "sending")
            .values(lease_until=now + lease)
            .returning(col(Delivery.claimed_by), col(Delivery.id))
        )
        with self._session() as session:
            return [(str(r[0]), int(r[1])) for r in session.execute(statement).all()]

    def record(self, outcomes: Sequence[Outcome]) -> set[int]:
        """Write many outcomes in one transaction; return the ids written. An outcome is
        written only while its claim still holds the row (`claimed_by` and `sending`), so a
        dispatcher whose lease ran out cannot overwrite the one that took over."""
        if not outcomes:
            return set()
        with self._session() as session:
            connection = session.connection()
            connection.execute(_RECORD, [_record_params(o) for o in outcomes])
            # Which were written: a row now carries this claim's token and the outcome's
            # status only if this claim wrote it (tokens are fresh per claim).
            by_id = {o.delivery.id: o for o in outcomes}
            rows = connection.execute(
                sql_select(_DELIVERY.c.id, _DELIVERY.c.claimed_by, _DELIVERY.c.status).where(
                    _DELIVERY.c.id.in_(list(by_id))
                )
            ).all()
            written = [
                by_id[r[0]]
                for r in rows
                if r[1] == by_id[r[0]].token and r[2] == by_id[r[0]].status
            ]
            _count_nudges(connection, [o for o in written if o.status == "sent"])
            _stop_using(connection, [o for o in written if o.unreachable is not None])
        return {o.delivery.id for o in written}

    def record_progress(self, delivery: ClaimedDelivery, token: str, parts_sent: int) -> bool:
        """Note how many messages of a multi-part delivery the platform has accepted, so
        a retry (or another dispatcher, after a crash) resumes after them."""
        with self._session() as session:
            result = session.execute(
                update(Delivery)
                .where(
                    col(Delivery.id) == delivery.id,
                    col(Delivery.claimed_by) == token,
                    col(Delivery.status) == "sending",
                )
                .values(parts_sent=parts_sent)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def record_sent(
        self,
        delivery: ClaimedDelivery,
        token: str,
        at: dt.datetime,
        platform: str,
        message_id: str | None,
    ) -> bool:
        """Mark a delivery sent; a lesson nudge also counts towards 'ignored' until the
        learner writes back. False if this claim no longer holds the row."""
        outcome = Outcome(delivery, token, "sent", at, platform=platform, message_id=message_id)
        return bool(self.record([outcome]))

    def record_retry(
        self,
        delivery: ClaimedDelivery,
        token: str,
        next_at: dt.datetime,
        error: str,
        throttled: bool = False,
    ) -> bool:
        """Put a delivery back in the queue for a later attempt. A throttled send (429)
        gives back the attempt its claim counted: the platform said "later", not "no"."""
        outcome = Outcome(
            delivery, token, "queued", next_at, next_at, error, attempt_used=not throttled
        )
        return bool(self.record([outcome]))

    def record_final(
        self,
        delivery: ClaimedDelivery,
        token: str,
        status: str,
        reason: str,
        platform: str | None = None,
    ) -> bool:
        """End a delivery without sending: skipped, expired, failed or unreachable."""
        outcome = Outcome(delivery, token, status, delivery.due_at, error=reason, platform=platform)
        return bool(self.record([outcome]))

    def mark_unreachable(self, ref: ConversationRef, at: dt.datetime) -> None:
        """The platform refused for good (blocked, uninstalled): stop using this identity."""
        with self._session() as session:
            session.execute(
                update(Identity)
                .where(col(Identity.platform) == ref.platform, col(Identity.user_id) == ref.user_id)
                .values(unreachable_at=at)
            )

    def counts(self) -> list[tuple[str, str, int]]:
        """(status, platform, count) over all deliveries, for /metrics."""
        with self._session() as session:
            rows = session.execute(
                sql_select(col(Delivery.status), col(Delivery.platform), func.count()).group_by(
                    col(Delivery.status), col(Delivery.platform)
                )
            ).all()
        return [(r[0], r[1] or "", int(r[2])) for r in rows]

    def queue_depth(self, now: dt.datetime) -> int:
        """Deliveries due and waiting to be sent."""
        with self._session() as session:
            value = session.execute(
                sql_select(func.count())
                .select_from(Delivery)
                .where(col(Delivery.status) == "queued", col(Delivery.next_attempt_at) <= now)
            ).scalar_one()
        return int(value)
