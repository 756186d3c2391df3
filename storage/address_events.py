"""The abuse limits' counts in the database, for several processes on PostgreSQL.

The same rule as `app.abuse.Window` (at most `limit` events per address in `seconds`; an
event whose tag the address already has in the window passes uncounted), with the events
in the `address_event` table. A transaction-scoped advisory lock per address and kind makes
the count and the insert one step, so two processes cannot both let the last one through.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, insert, select, text

from storage.tables import AddressEvent

TAG_LENGTH = 64


class SqlWindow:
    """Per address, the events of one kind in the last `seconds`; at most `limit`."""

    def __init__(self, engine: Engine, kind: str, limit: int, seconds: float) -> None:
        self._engine = engine
        self._kind = kind
        self._limit = limit
        self._seconds = seconds

    def allow(self, key: str, now: float, tag: str = "") -> bool:
        """Record an event if it is within the limit (see the module docstring)."""
        table = AddressEvent.__table__  # type: ignore[attr-defined]
        mine = (table.c.kind == self._kind) & (table.c.address == key[:64])
        with self._engine.begin() as connection:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"{self._kind}:{key}"},
            )
            connection.execute(delete(table).where(mine, table.c.at <= now - self._seconds))
            if tag:
                seen = connection.execute(
                    select(table.c.id).where(mine, table.c.tag == tag[:TAG_LENGTH]).limit(1)
                ).first()
                if seen is not None:
                    return True
            count = connection.execute(select(func.count()).where(mine)).scalar_one()
            if count >= self._limit:
                return False
            connection.execute(
                insert(table).values(
                    kind=self._kind, address=key[:64], at=now, tag=tag[:TAG_LENGTH]
                )
            )
            return True

    def retry_after(self, key: str, now: float) -> int:
        """Seconds until the address may act again."""
        table = AddressEvent.__table__  # type: ignore[attr-defined]
        mine = (table.c.kind == self._kind) & (table.c.address == key[:64])
        with self._engine.connect() as connection:
            oldest = connection.execute(select(func.min(table.c.at)).where(mine)).scalar_one()
        start = now if oldest is None else float(oldest)
        return max(1, int(start + self._seconds - now) + 1)


def prune_address_events(engine: Engine, before: float) -> int:
    """Forget events older than a time (client addresses are personal data: kept only as
    long as a limit needs them); return how many."""
    table = AddressEvent.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        result = connection.execute(delete(table).where(table.c.at < before))
    return int(result.rowcount or 0)
