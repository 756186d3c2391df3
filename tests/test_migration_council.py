"""Migration 0012 renames `organisation` to `council` and every `org_id` to `council_id`
on a database holding data: nothing is lost, every reference still holds, audit targets
read "council:<id>", and going back restores the old names. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import Engine, inspect, text

from storage.db import make_engine
from storage.migrate import _config, upgrade

AT = dt.datetime(2026, 11, 30, 9, 0)


def _seed_before(engine: Engine) -> None:
    """A council, a team, a learner in both, a role grant and an audit row, as 0011 had
    them."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (id, code, name, join_code, created_at, timezone, "
                "nation, work_start, work_end, lesson_cap, desired_retention, nao_areas, "
                "round_size, round_size_lesson_day, backlog_limit, recall_scale, recall_reviews,"
                " teams_tenant_id) VALUES (7, 'tc', 'Test Council', 'TC-JOIN', :at, "
                "'Europe/London', 'england', '08:00', '18:00', 1, 0.9, '1-8', 12, 8, 40, 1.0, 0,"
                " 'tenant-7')"
            ),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO team (id, org_id, name, join_code, created_at) "
                "VALUES (3, 7, 'Adults', 'AD', :at)"
            ),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO learner (id, org_id, team_id, stage, awaiting, paused, "
                "working_days, attempt, cursor, nudges_ignored, created_at, updated_at) VALUES "
                "(5, 7, 3, 'active', 'nothing', false, 'mon tue', 1, 0, 0, :at, :at)"
            ),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO role_grant (learner_id, org_id, role, team_id, created_at) "
                "VALUES (5, 7, 'manager', 3, :at)"
            ),
            {"at": AT},
        )
        connection.execute(
            text(
                "INSERT INTO audit_log (org_id, actor, action, target, detail, at) VALUES "
                "(7, 'cli', 'council.tier', 'organisation:7', '{}', :at)"
            ),
            {"at": AT},
        )


def test_the_rename_keeps_every_row_and_reference(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine, "0011")
    _seed_before(engine)
    upgrade(engine)
    names = set(inspect(engine).get_table_names())
    assert "council" in names and "organisation" not in names
    with engine.connect() as connection:
        council = connection.execute(text("SELECT code, teams_tenant_id FROM council")).one()
        learner = connection.execute(text("SELECT council_id, team_id FROM learner")).one()
        team = connection.execute(text("SELECT council_id, name FROM team")).one()
        grant = connection.execute(text("SELECT council_id, role FROM role_grant")).one()
        audit = connection.execute(text("SELECT council_id, target FROM audit_log")).one()
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert tuple(council) == ("tc", "tenant-7")
    assert (tuple(learner), tuple(team), tuple(grant)) == ((7, 3), (7, "Adults"), (7, "manager"))
    assert tuple(audit) == (7, "council:7")
    # A team name is still unique within its council, under the constraint's new name.
    uniques = {u["name"] for u in inspect(engine).get_unique_constraints("team")}
    assert "uq_team_council_name" in uniques
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM role_grant"))  # references still enforced:
    with engine.connect() as connection:
        failed = False
        try:
            with connection.begin():
                connection.execute(text("DELETE FROM council"))
        except Exception:
            failed = True
    assert failed  # learners and teams still point at the council

    command.downgrade(_config(engine), "0011")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT org_id FROM learner")).scalar_one() == 7
        assert connection.execute(text("SELECT target FROM audit_log")).scalar_one() == (
            "organisation:7"
        )
    engine.dispose()
