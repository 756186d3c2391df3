"""Councils as the bot reads them, kept in process so an answer does not read them again.

Every inbound message needs the learner's council (its name, time zone, pacing), and
councils change rarely, so `SqlTransaction.council` serves them from an `CouncilCache`.

The invalidation rule:

- In this process, any ORM flush that adds, changes or deletes an `Council` clears
  every cache (a Session event, so `SqlStore.set_council_pacing`, `register_tenant`, the
  dashboard's settings page and a test's own session all count), and clears it again when
  that transaction commits, so a read between the flush and the commit cannot keep the
  old values.
- A change made by another process (`bites council set` on the same database) is seen
  within `TTL_SECONDS`: each entry is read again from the database once it is older.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.state import CouncilInfo
from storage.tables import Council

TTL_SECONDS = 30.0

_caches: weakref.WeakSet[CouncilCache] = weakref.WeakSet()
_COUNCIL_CHANGED = "contract_bites_council_changed"


class CouncilCache:
    """Councils by id, each kept for at most `TTL_SECONDS` (see the module docstring)."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._ttl = ttl
        self._entries: dict[int, tuple[float, CouncilInfo | None]] = {}
        self._generation = 0
        self._lock = threading.Lock()
        _caches.add(self)

    def get(self, council_id: int) -> tuple[bool, CouncilInfo | None]:
        """(True, the council or None) if known and fresh, else (False, None)."""
        entry = self._entries.get(council_id)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return False, None
        return True, entry[1]

    def generation(self) -> int:
        """A number that changes whenever the cache is cleared: read it before reading the
        database and hand it to `put`, so a value read across a clear is not kept."""
        return self._generation

    def put(self, council_id: int, council: CouncilInfo | None, generation: int) -> None:
        """Keep a council read from the database (unless the cache was cleared since)."""
        with self._lock:
            if generation == self._generation:
                self._entries[council_id] = (time.monotonic(), council)

    def clear(self) -> None:
        """Forget every council."""
        with self._lock:
            self._generation += 1
            self._entries.clear()


def clear_all() -> None:
    """Clear every council cache in this process."""
    for cache in list(_caches):
        cache.clear()


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, Council) for row in changed):
        session.info[_COUNCIL_CHANGED] = True
        clear_all()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_COUNCIL_CHANGED, False):
        clear_all()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_COUNCIL_CHANGED, None)
