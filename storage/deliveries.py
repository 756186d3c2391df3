"""Delivery rows: claiming with leases and recording outcomes (planning a day in bulk is
`storage.day_plans`).

Claims use `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING` on
PostgreSQL, so several dispatchers on one database never claim the same row; SQLite
renders the same statement without the lock clause and runs one writer at a time
(`BEGIN IMMEDIATE`). Every outcome is written only by the claim that holds the row
(`claimed_by` is a fresh token per claim), so a dispatcher whose lease ran out cannot
overwrite the work of the one that took over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

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
from sqlmodel import Session, col, select

from bot.deliveries import NUDGE_KINDS, ClaimedDelivery, DeliveryKind, Outcome
from bot.messages import ConversationRef
from storage.day_plans import CampaignFacts, CheckupFacts, DayPlanning
from storage.tables import Delivery, Identity, Learner
from storage.types import UTCDateTime

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


class SqlDeliveries(DayPlanning):
    """The deliveries table: planning a day (see `storage.day_plans`), claiming with
    leases, recording outcomes."""

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
        held = (
            sql_select(_DELIVERY.c.id)
            .where(_DELIVERY.c.claimed_by.in_(tokens), _DELIVERY.c.status == "sending")
            .order_by(_DELIVERY.c.id)
            .with_for_update()
        )
        with self._session() as session:
            # Rows locked in id order first, as `record` writes them: two transactions
            # taking the same rows in different orders deadlock on PostgreSQL.
            ids = list(session.execute(held).scalars())
            if not ids:
                return []
            statement = (
                update(Delivery)
                .where(
                    col(Delivery.id).in_(ids),
                    col(Delivery.claimed_by).in_(tokens),
                    col(Delivery.status) == "sending",
                )
                .values(lease_until=now + lease)
                .returning(col(Delivery.claimed_by), col(Delivery.id))
            )
            return [(str(r[0]), int(r[1])) for r in session.execute(statement).all()]

    def record(self, outcomes: Sequence[Outcome]) -> set[int]:
        """Write many outcomes in one transaction; return the ids written. An outcome is
        written only while its claim still holds the row (`claimed_by` and `sending`), so a
        dispatcher whose lease ran out cannot overwrite the one that took over."""
        if not outcomes:
            return set()
        with self._session() as session:
            connection = session.connection()
            # In id order, as `renew` locks them (see there).
            ordered = sorted(outcomes, key=lambda o: o.delivery.id)
            connection.execute(_RECORD, [_record_params(o) for o in ordered])
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
