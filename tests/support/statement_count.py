"""Counting the SQL statements a store runs (a `before_cursor_execute` listener), for the
tests that say what one message reads: SQLite's `BEGIN IMMEDIATE` is not counted."""

from __future__ import annotations

from sqlalchemy import event

from storage.store import SqlStore


class Counter:
    """How many statements the store's engine has run since this was made."""

    def __init__(self, store: SqlStore) -> None:
        self.count = 0
        event.listen(store.engine, "before_cursor_execute", self)

    def __call__(self, *args: object) -> None:
        if not str(args[2]).startswith("BEGIN"):
            self.count += 1
