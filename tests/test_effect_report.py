"""The learning-effect report from stored probes: council, teams (withheld under five
learners) and modules, through `bites effect` (issue 13)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlmodel import Session

from app.cli_common import migrated_engine
from bot.effect import CHECKUP, HOLDOUT, PRETEST, REFRESHED
from storage.council_tables import Team
from storage.tables import Council, EffectProbe, Learner
from tests.test_cli import run

AT = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
MODULE = "a1-why-contract-management"


def seed(db: str) -> None:
    """A council with a team of six (refreshed remembered 5 of 6, held out 2 of 6) and a
    team of two, all at 90 days, and one pre-test each (1 right of 8)."""
    engine = migrated_engine(db)
    with Session(engine) as session:
        council = Council(code="bors", name="Borsetshire", join_code="B", created_at=AT)
        session.add(council)
        session.flush()
        big = Team(council_id=council.id or 0, name="Highways", created_at=AT)
        small = Team(council_id=council.id or 0, name="Waste", created_at=AT)
        session.add_all([big, small])
        session.flush()
        for n in range(8):
            team = big if n < 6 else small
            learner = Learner(
                council_id=council.id,
                team_id=team.id,
                stage="active",
                awaiting="nothing",
                working_days="mon tue wed thu fri",
                created_at=AT,
                updated_at=AT,
            )
            session.add(learner)
            session.flush()
            rows = [
                (PRETEST, REFRESHED, 0, n == 0),
                (CHECKUP, REFRESHED, 90, n != 5),
                (CHECKUP, HOLDOUT, 90, n < 2),
            ]
            for kind, point, day, correct in rows:
                session.add(
                    EffectProbe(
                        learner_id=learner.id or 0,
                        module_id=MODULE,
                        kind=kind,
                        point=point,
                        question_id="a1-q1",
                        variant_id="a1-v1",
                        day=day,
                        answered_at=AT,
                        correct=correct,
                        created_at=AT,
                    )
                )
        session.commit()
    engine.dispose()


def test_bites_effect_reports_the_council_and_withholds_small_teams(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'e.db'}"
    seed(db)
    text = run("effect", "--council", "bors", "--db", db)
    assert text.returncode == 0, text.stderr
    assert text.stdout == (
        "Learning effect: Borsetshire (8 learners)\n"
        "- Not enough check-ups at 30 days yet.\n"
        "- Refreshed points: 88% remembered after 90 days; points not refreshed: 25%. "
        "Difference +62 points (95% CI +14 to +83), from 16 check-ups.\n"
        "- Gain over the pre-test, refreshed points: +75 points.\n"
        "1 team(s) with fewer than 5 learners are not shown.\n"
        "Team Highways: Refreshed points: 83% remembered after 90 days; points not refreshed: "
        "33%. Difference +50 points (95% CI -4 to +77), from 12 check-ups.\n"
        "Across councils:\n"
        "- Your council, 90 days: +62 points (95% CI +14 to +83), from 8 pairs.\n"
        "- All councils: withheld: shown only when at least 5 councils have a difference, so "
        "that no council can be singled out.\n"
        "- Councils of your tier: your council has no tier set (the operator sets it with "
        "bites council tier).\n"
    )
    data = json.loads(run("effect", "--council", "bors", "--json", "--db", db).stdout)
    assert [team["name"] for team in data["teams"]] == ["Highways"]
    assert data["teams_withheld"] == 1
    ninety = data["council"]["delays"][1]
    assert (ninety["refreshed_remembered"], ninety["holdout_remembered"], ninety["pairs"]) == (
        87.5,
        25.0,
        8,
    )
    assert [m["name"] for m in data["modules"]] == ["Why contract management matters"]
    assert data["across_councils"] == {
        "days": 90,
        "difference_points": 62.5,
        "difference_ci": [13.9, 83.1],
        "pairs": 8,
        "all_councils": None,
        "tier": None,
        "min_councils": 5,
    }
    missing = run("effect", "--council", "nowhere", "--db", db)
    assert (missing.returncode, missing.stderr) == (1, "No council with the code 'nowhere'.\n")
