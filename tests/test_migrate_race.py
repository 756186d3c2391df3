"""Four processes starting at once on a fresh PostgreSQL schema all migrate it: the
migration takes an advisory lock, so the others wait and then find the schema current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from storage.db import make_engine
from storage.migrate import head_revision, is_current

BITES = str(Path(sys.executable).parent / "bites")


@pytest.mark.postgres
def test_four_processes_migrating_a_fresh_schema_at_once_all_succeed(postgres_url: str) -> None:
    processes = [
        subprocess.Popen(
            [BITES, "db", "upgrade", "--db", postgres_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in processes]
    assert [(code, out, err) for code, out, err in results] == [
        (0, f"Database at revision {head_revision()}.\n", "")
    ] * 4
    engine = make_engine(postgres_url)
    assert is_current(engine)
    engine.dispose()
