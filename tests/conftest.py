"""Shared fixtures: databases (SQLite and PostgreSQL), clock, and the demo curriculum."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.logs import configure_logging
from lessons.loader import builtin_pack_path, load_curriculum
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.db import make_engine
from storage.migrate import upgrade
from storage.store import SqlStore

# Monday 2 March 2026, 09:00 UTC: a working day, no bank holiday.
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test moves it."""
    return ManualClock(START)


@pytest.fixture(scope="session")
def demo_curriculum() -> Curriculum:
    """The three-module demo pack: small and stable, for exact transcripts."""
    return load_curriculum([builtin_pack_path("demo")])


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to the newest revision, once per test process."""
    path = tmp_path_factory.mktemp("migrated") / "bites.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """A SQLite database file of the test's own, at the newest migration: a copy of one
    migrated once (the service's start-up finds it migrated, which saves running every
    migration again, about 0.3 s a database)."""
    path = tmp_path / "bites.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database file: for the migrations' own tests."""
    return f"sqlite:///{tmp_path / 'empty.db'}"


def _postgres_base() -> str | None:
    return os.environ.get("CB_TEST_POSTGRES_URL")


def _postgres_or_skip() -> str:
    base = _postgres_base()
    reason = "CB_TEST_POSTGRES_URL is not set"
    if base:
        try:
            engine = create_engine(_driver(base))
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            return base
        except Exception as error:
            reason = f"PostgreSQL at CB_TEST_POSTGRES_URL is unreachable: {error}"
    if os.environ.get("CB_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _driver(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    base = _driver(_postgres_or_skip())
    schema = "cb_test_" + secrets.token_hex(6)
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each database the service supports, in turn (SQLite already migrated, PostgreSQL an
    empty schema)."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    """The SQL store on each database in turn."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield SqlStore(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest) -> str:
    """Each database the service supports, empty: for the migrations' own tests."""
    name = "empty_sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def debug_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The service's own logging set up at DEBUG (as `CB_LOG_LEVEL=DEBUG` does), writing
    JSON lines into a buffer the test reads; the previous set-up comes back afterwards."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    configure_logging("DEBUG", "json")
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """Give the next test the logging set-up this one found: a command run in-process
    (Typer's CliRunner) configures logging onto its own stderr, which closes with it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
