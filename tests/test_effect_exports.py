"""Exports of the learning-effect probes (issue 13): a CSV of every pre-test and check-up
with formula cells neutralised, xAPI statements for the answered ones (checked against the
specification's schema) and `bites export effect`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.cli_common import migrated_engine
from bot.effect import CHECKUP, HOLDOUT, PRETEST, REFRESHED
from lessons.model import Curriculum
from storage.council_tables import AuditLog, Team
from storage.exports import probes_csv
from storage.tables import Council, EffectProbe, Learner
from storage.xapi import XapiOptions, xapi_statements
from tests.support.xapi import xapi_problems
from tests.test_cli import run

BASE = "https://bites.example.gov.uk"
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
T1 = "t1-what-contract-management-is"


def seed(engine: Engine) -> tuple[int, int]:
    """One council, one learner whose name and team would be spreadsheet formulas, with a
    pre-test answered, a check-up answered right but guessed and one not yet answered; and a
    learner of another council. Returns (the council's id, the learner's id)."""
    with Session(engine) as session:
        council = Council(code="bors", name="Borsetshire", join_code="B", created_at=AT)
        other = Council(code="west", name="Westshire", join_code="W", created_at=AT)
        session.add_all([council, other])
        session.flush()
        team = Team(council_id=council.id or 0, name="+Highways", created_at=AT)
        session.add(team)
        session.flush()
        ids = []
        for home, name, team_id in ((council, '=HYPERLINK("x")', team.id), (other, "Wes", None)):
            learner = Learner(
                council_id=home.id,
                team_id=team_id,
                display_name=name,
                stage="active",
                awaiting="nothing",
                working_days="mon tue wed thu fri",
                created_at=AT,
                updated_at=AT,
            )
            session.add(learner)
            session.flush()
            ids.append(learner.id or 0)
        probes = [
            (ids[0], PRETEST, HOLDOUT, 0, "t1-q2", "t1-v2", None, AT, False, False),
            (
                ids[0],
                CHECKUP,
                REFRESHED,
                30,
                "t1-q1",
                "t1-v1",
                dt.date(2026, 4, 1),
                AT + dt.timedelta(days=31),
                True,
                True,
            ),
            (
                ids[0],
                CHECKUP,
                HOLDOUT,
                90,
                "t1-q2",
                "t1-v2",
                dt.date(2026, 5, 31),
                None,
                None,
                False,
            ),
            (ids[1], CHECKUP, HOLDOUT, 30, "t1-q2", "t1-v2", dt.date(2026, 4, 1), AT, True, False),
        ]
        for learner_id, kind, point, day, question, variant, due, at, correct, guessed in probes:
            session.add(
                EffectProbe(
                    learner_id=learner_id,
                    module_id=T1,
                    kind=kind,
                    point=point,
                    question_id=question,
                    variant_id=variant,
                    day=day,
                    due_on=due,
                    answered_at=at,
                    correct=correct,
                    guessed=guessed,
                    created_at=AT,
                )
            )
        session.commit()
        return council.id or 0, ids[0]


def test_every_probe_as_csv_with_formulas_neutralised(tmp_path: Path) -> None:
    engine = migrated_engine(f"sqlite:///{tmp_path / 'e.db'}")
    council_id, learner = seed(engine)
    assert "".join(probes_csv(engine, council_id)).splitlines() == [
        "learner,name,team,module,kind,point,days,question,variant,due,answered,correct,guessed",
        f'{learner},"\'=HYPERLINK(""x"")",\'+Highways,{T1},pretest,holdout,0,t1-q2,t1-v2,,'
        "2026-03-02T09:00:00Z,no,no",
        f'{learner},"\'=HYPERLINK(""x"")",\'+Highways,{T1},checkup,refreshed,30,t1-q1,t1-v1,'
        "2026-04-01,2026-04-02T09:00:00Z,yes,yes",
        f'{learner},"\'=HYPERLINK(""x"")",\'+Highways,{T1},checkup,holdout,90,t1-q2,t1-v2,'
        "2026-05-31,,,no",
    ]


def test_answered_probes_are_valid_xapi_with_their_kind_and_point(
    tmp_path: Path, demo_curriculum: Curriculum
) -> None:
    engine = migrated_engine(f"sqlite:///{tmp_path / 'e.db'}")
    council_id, learner = seed(engine)
    statements = xapi_statements(engine, council_id, XapiOptions(BASE), demo_curriculum)
    assert len(statements) == 2  # the unanswered check-up and the other council's are not
    for statement in statements:
        assert xapi_problems(statement) == []
    again = xapi_statements(engine, council_id, XapiOptions(BASE), demo_curriculum)
    assert [s["id"] for s in again] == [s["id"] for s in statements]  # stable ids
    checkup = statements[1]
    del checkup["id"]
    ext = f"{BASE}/xapi/extensions/"
    assert checkup == {
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": BASE, "name": f"learner-{learner}"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-GB": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": f"{BASE}/xapi/activities/question/t1-v1",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
            },
        },
        "context": {
            "platform": "Contract Bites",
            "language": "en-GB",
            "contextActivities": {
                "parent": [
                    {
                        "objectType": "Activity",
                        "id": f"{BASE}/xapi/activities/module/{T1}",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/module",
                            "name": {"en-GB": "What contract management is"},
                        },
                    }
                ]
            },
            "extensions": {
                ext + "effect-kind": "checkup",
                ext + "effect-point": "refreshed",
                ext + "effect-days": 30,
            },
        },
        "timestamp": "2026-04-02T09:00:00.000Z",
        "result": {"success": True, "extensions": {ext + "guessed": True}},
    }
    pretest = statements[0]
    assert pretest["result"] == {"success": False, "extensions": {ext + "guessed": False}}
    assert pretest["context"]["extensions"][ext + "effect-kind"] == "pretest"
    later = xapi_statements(
        engine, council_id, XapiOptions(BASE), demo_curriculum, AT.replace(day=3)
    )
    assert [s["timestamp"] for s in later] == ["2026-04-02T09:00:00.000Z"]


def test_bites_export_effect(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'e.db'}"
    engine = migrated_engine(db)
    seed(engine)
    result = run("export", "effect", "--council", "bors", "--db", db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and lines[0].startswith("learner,name,team,module,kind,point,days")
    assert "Wes" not in result.stdout
    with Session(engine) as session:
        audit = session.exec(select(AuditLog)).all()
    assert [(a.actor, a.action, a.target, json.loads(a.detail)) for a in audit] == [
        ("cli", "export.effect_csv", "council:bors", {"rows": 3})
    ]
    missing = run("export", "effect", "--council", "nowhere", "--db", db)
    assert missing.returncode == 1
    assert "There is no council with the code nowhere." in missing.stderr
