"""Create database engines: SQLite in WAL mode, or PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """Use psycopg 3 for postgresql:// URLs that name no driver."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """An engine for the URL, with the settings Contract Bites relies on."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True)
        event.listen(engine, "connect", _postgres_on_connect)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _postgres_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Timestamps come back in UTC (`datetime.UTC`), which the code keeps them in: with the
    # server's zone (often 'Etc/UTC', a different tzinfo) every value read was converted,
    # 366,000 of them to plan a day of 100,000 learners. The stored instants do not change.
    dbapi_connection.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted rows are overwritten with zeros, not left in free pages (erasure, UK GDPR).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # Take the write lock at the start, so two handlers of the same learner queue up instead
    # of failing with "database is locked" half-way through (SQLite's answer to FOR UPDATE).
    connection.exec_driver_sql("BEGIN IMMEDIATE")
