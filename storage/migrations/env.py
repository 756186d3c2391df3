"""Alembic environment: runs migrations on the engine passed in by storage.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import storage.council_tables
import storage.tables  # noqa: F401

LOCK_KEY = 0x43422D4D49475241  # "CB-MIGRA": this application's migration lock

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through storage.migrate or `bites db upgrade`")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several processes starting on a fresh database migrate one at a time: the
            # others wait here, then find the schema current. Released at commit.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        context.run_migrations()
    connection.commit()
