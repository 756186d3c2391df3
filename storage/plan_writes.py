"""The one writer of planned deliveries: the day's plan and a manager's nudge.

Planning writes a row per learner per message, so rows go through the driver in bulk:
SQLAlchemy's per-value processing would cost more than the database does. A key planned
before is left alone (`ON CONFLICT DO NOTHING`).

On PostgreSQL a large batch is streamed with a binary `COPY` while the planner is still
deciding the rest of it, so the server inserts and updates the indexes on one core while
Python plans on the other (docs/benchmarks.md). `COPY` has no `ON CONFLICT`: the batch runs
in a savepoint and, should a key be there already, is inserted again row-set-wise with
`ON CONFLICT DO NOTHING`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

import psycopg
from sqlmodel import Session

from scheduler.plans import PlannedDelivery

INSERT_CHUNK = 5000
COPY_AT_LEAST = 200  # smaller batches (a manager's nudge) are not worth a savepoint
_INSERT_SQLITE = (
    "INSERT INTO delivery (key, learner_id, kind, ref, payload, due_at, next_attempt_at, "
    "created_at, status, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0) "
    "ON CONFLICT (key) DO NOTHING"
)
# PostgreSQL without COPY: one statement per chunk, the columns passed as arrays (a
# row-by-row executemany costs a round trip per row even when pipelined).
_INSERT_POSTGRES = (
    "INSERT INTO delivery (key, learner_id, kind, ref, payload, due_at, next_attempt_at, "
    "created_at, status, attempts) "
    "SELECT k, l, kd, r, p, d, d, %s, 'queued', 0 FROM unnest("
    "%s::varchar[], %s::int[], %s::varchar[], %s::varchar[], %s::varchar[], %s::timestamptz[]"
    ") AS t(k, l, kd, r, p, d) ON CONFLICT (key) DO NOTHING"
)
_COPY = (
    "COPY delivery (key, learner_id, kind, ref, payload, due_at, next_attempt_at, "
    "created_at, status, attempts) FROM STDIN (FORMAT BINARY)"
)
_COPY_TYPES = ["varchar", "int4", "varchar", "varchar", "varchar"]
_COPY_TYPES += ["timestamptz", "timestamptz", "timestamptz", "varchar", "int4"]


class PlannedSink(Protocol):
    """Where planned deliveries go while a batch is open (see `planned_writer`)."""

    added: int

    def write(self, planned: Iterable[PlannedDelivery]) -> None:
        """Add deliveries to the batch."""


def write_planned(session: Session, planned: Sequence[PlannedDelivery], at: dt.datetime) -> int:
    """Store planned deliveries; returns how many rows were added."""
    with planned_writer(session, at, len(planned)) as sink:
        sink.write(planned)
    return sink.added


@contextmanager
def planned_writer(session: Session, at: dt.datetime, expected: int) -> Iterator[PlannedSink]:
    """A batch of planned deliveries in the session's transaction, written when it closes
    (on PostgreSQL, a batch of `expected` rows or more streams while it is open)."""
    sink: _Batch
    if session.connection().dialect.name == "sqlite":
        sink = _SqliteBatch(session, at)
    elif expected >= COPY_AT_LEAST:
        sink = _CopyBatch(session, at)
    else:
        sink = _PostgresBatch(session, at)
    with sink:
        yield sink


class _Batch:
    """Collects rows and inserts them on close."""

    def __init__(self, session: Session, at: dt.datetime) -> None:
        self.added = 0
        self._session = session
        self._at = at
        self._planned: list[PlannedDelivery] = []

    def write(self, planned: Iterable[PlannedDelivery]) -> None:
        self._planned.extend(planned)

    def __enter__(self) -> _Batch:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None and self._planned:
            self.added = self._insert(self._planned)

    def _insert(self, planned: Sequence[PlannedDelivery]) -> int:
        raise NotImplementedError


class _SqliteBatch(_Batch):
    def _insert(self, planned: Sequence[PlannedDelivery]) -> int:
        # The text form SQLAlchemy's SQLite DateTime stores (naive UTC, see storage.types),
        # formatted once per distinct instant: a day's plan has few of them.
        stamps: dict[dt.datetime, str] = {}

        def stamp(at: dt.datetime) -> str:
            text = stamps.get(at)
            if text is None:
                text = stamps[at] = at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            return text

        created = stamp(self._at)
        rows = [
            (p.key, p.learner_id, p.kind.value, p.ref, p.payload, due, due, created)
            for p in planned
            for due in (stamp(p.due_at),)
        ]
        connection = self._session.connection()
        added = 0
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            added += max(connection.exec_driver_sql(_INSERT_SQLITE, chunk).rowcount, 0)
        return added


class _PostgresBatch(_Batch):
    def _insert(self, planned: Sequence[PlannedDelivery]) -> int:
        connection = self._session.connection()
        added = 0
        for start in range(0, len(planned), INSERT_CHUNK):
            chunk = planned[start : start + INSERT_CHUNK]
            columns = (
                [p.key for p in chunk],
                [p.learner_id for p in chunk],
                [p.kind.value for p in chunk],
                [p.ref for p in chunk],
                [p.payload for p in chunk],
                [p.due_at.astimezone(dt.UTC) for p in chunk],
            )
            result = connection.exec_driver_sql(
                _INSERT_POSTGRES, (self._at.astimezone(dt.UTC), *columns)
            )
            added += max(result.rowcount, 0)
        return added


class _CopyBatch(_PostgresBatch):
    """Streams rows into the table as they are written. Should the stream fail (a key
    there already: `COPY` has no `ON CONFLICT`), the savepoint is rolled back and the
    rows are inserted as above, which skips such keys or raises the real error."""

    def __enter__(self) -> _Batch:
        self._savepoint = self._session.begin_nested()
        raw = self._session.connection().connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        self._cursor: psycopg.Cursor[Any] = raw.cursor()
        self._copying = self._cursor.copy(_COPY)
        self._copy = self._copying.__enter__()
        self._copy.set_types(_COPY_TYPES)
        self._failed = False
        return self

    def write(self, planned: Iterable[PlannedDelivery]) -> None:
        for p in planned:
            self._planned.append(p)
            if self._failed:
                continue
            row = (p.key, p.learner_id, p.kind.value, p.ref, p.payload, p.due_at, p.due_at)
            try:
                self._copy.write_row((*row, self._at, "queued", 0))
            except psycopg.Error:
                self._failed = True

    def __exit__(self, kind: type[BaseException] | None, *rest: Any) -> None:
        try:
            if kind is not None:
                self._copying.__exit__(kind, *rest)
                self._savepoint.rollback()
                return
            try:
                self._copying.__exit__(None, None, None)
            except psycopg.Error:
                self._failed = True
            if self._failed:
                self._savepoint.rollback()
                self.added = self._insert(self._planned)
            else:
                self._savepoint.commit()
                self.added = len(self._planned)
        finally:
            self._cursor.close()
