"""Exports: CSV of progress and answers, xAPI 1.0.3 statements checked by a validator of the
specification (tests/support/xapi.py), posting to a fake LRS, and the `bites export` CLI."""

from __future__ import annotations

import base64
import copy
import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from adapters.lrs import post_statements
from app.cli import app
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.council_tables import AuditLog
from storage.db import make_engine
from storage.exports import answers_csv, progress_csv
from storage.migrate import upgrade
from storage.store import SqlStore
from storage.tables import Council, Learner
from storage.xapi import XAPI_VERSION, XapiOptions, iso_duration, xapi_statements, xapi_timestamp
from tests.support.chat import ChatUser, make_services
from tests.support.xapi import xapi_problems

BASE = "https://bites.example.gov.uk"
OPTIONS = XapiOptions(BASE)


def take_module_1(user: ChatUser) -> None:
    """Onboard, read module 1's cards and answer its four questions (two right)."""
    user.say("/start")
    user.press("Try the demo council")
    user.press("12:30")
    user.press("Start my first bite")
    for _card in range(3):
        user.press("Continue")
    user.clock.advance(dt.timedelta(seconds=12.5))
    user.press("Running the contract after award")  # right
    user.press("Next question")
    user.press("True")  # wrong: there are eleven areas
    user.press("Next question")
    for _question in range(2):
        user.press(user.last[-1].choices[0].label)
        if any(c.label == "Next question" for r in user.last for c in r.choices):
            user.press("Next question")


@pytest.fixture
def user(db_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> ChatUser:
    chat = ChatUser(make_services(db_url, clock, demo_curriculum), clock)
    take_module_1(chat)
    return chat


def demo_council_id(user: ChatUser) -> int:
    with Session(user.services.engine) as session:
        council = session.exec(select(Council).where(Council.code == "demo")).one()
        assert council.id is not None
        return council.id


def test_progress_and_answers_as_csv(user: ChatUser, demo_curriculum: Curriculum) -> None:
    council_id = demo_council_id(user)
    progress = "".join(progress_csv(user.services.engine, council_id, demo_curriculum))
    assert progress.splitlines()[0] == (
        "learner,name,team,module,title,status,attempt,started,completed,score,out_of"
    )
    assert progress.splitlines()[1].startswith(
        "1,,,t1-what-contract-management-is,What contract management is,completed,1,"
        "2026-03-02T09:00:00Z,"
    )
    answers = "".join(answers_csv(user.services.engine, council_id)).splitlines()
    assert answers[0] == "learner,name,team,module,question,attempt,option,correct,answered,seconds"
    assert answers[1] == (
        "1,,,t1-what-contract-management-is,t1-q1,1,c,yes,2026-03-02T09:00:12.500000Z,12.5"
    )
    assert len(answers) == 5
    # Another council's export holds none of these people.
    other = user.services.store.ensure_council("other", "Other", "OTHER", user.clock.now())
    assert list(answers_csv(user.services.engine, other.id))[1:] == []


def test_every_statement_is_valid_xapi_and_answered_is_exact(
    user: ChatUser, demo_curriculum: Curriculum
) -> None:
    statements = xapi_statements(
        user.services.engine, demo_council_id(user), OPTIONS, demo_curriculum
    )
    assert [s["verb"]["display"]["en-GB"] for s in statements] == [
        "experienced",
        "answered",
        "answered",
        "answered",
        "answered",
        "completed",
    ]
    for statement in statements:
        assert xapi_problems(statement) == []
    first = statements[1]
    assert (
        first["id"]
        == xapi_statements(user.services.engine, demo_council_id(user), OPTIONS, demo_curriculum)[
            1
        ]["id"]
    )  # stable ids: an LRS stores a re-export once
    del first["id"]
    assert first == {
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": BASE, "name": "learner-1"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-GB": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": f"{BASE}/xapi/activities/question/t1-q1",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "description": {"en-GB": "Which stage of a contract does the NAO framework cover?"},
                "correctResponsesPattern": ["c"],
                "choices": [
                    {"id": "a", "description": {"en-GB": "Writing the specification"}},
                    {"id": "b", "description": {"en-GB": "Evaluating the bids"}},
                    {"id": "c", "description": {"en-GB": "Running the contract after award"}},
                ],
            },
        },
        "context": {
            "platform": "Contract Bites",
            "language": "en-GB",
            "contextActivities": {
                "parent": [
                    {
                        "objectType": "Activity",
                        "id": f"{BASE}/xapi/activities/module/t1-what-contract-management-is",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/module",
                            "name": {"en-GB": "What contract management is"},
                        },
                    }
                ]
            },
        },
        "timestamp": "2026-03-02T09:00:12.500Z",
        "result": {"success": True, "response": "c", "duration": "PT12.5S"},
    }
    completed = statements[-1]
    assert completed["result"]["completion"] is True
    score = completed["result"]["score"]
    assert (score["min"], score["max"]) == (0, 4)
    assert score["scaled"] == round(score["raw"] / 4, 4)


def test_since_and_email_actors(user: ChatUser, demo_curriculum: Curriculum) -> None:
    engine = user.services.engine
    with Session(engine) as session:
        learner = session.exec(select(Learner)).one()
        learner.email = "ann@borsetshire.gov.uk"
        session.add(learner)
        session.commit()
    later = xapi_statements(
        engine,
        demo_council_id(user),
        XapiOptions(BASE, actor_email=True),
        demo_curriculum,
        since=user.clock.now(),
    )
    assert later and all(s["timestamp"] >= xapi_timestamp(user.clock.now()) for s in later)
    assert later[0]["actor"] == {"objectType": "Agent", "mbox": "mailto:ann@borsetshire.gov.uk"}
    assert all(xapi_problems(s) == [] for s in later)


@pytest.mark.parametrize(
    ("ms", "duration"),
    [(12_500, "PT12.5S"), (75_000, "PT1M15S"), (0, "PT0S"), (3_723_040, "PT1H2M3.04S")],
)
def test_durations_are_iso_8601(ms: int, duration: str) -> None:
    assert iso_duration(ms) == duration


GOOD: dict[str, Any] = {
    "id": "8f0b2c1e-5d4a-5b6c-9d8e-7f6a5b4c3d2e",
    "actor": {"objectType": "Agent", "account": {"homePage": BASE, "name": "learner-1"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-GB": "completed"}},
    "object": {"id": f"{BASE}/xapi/activities/module/m1"},
    "result": {"completion": True, "score": {"scaled": 0.75, "raw": 3, "min": 0, "max": 4}},
    "timestamp": "2026-03-02T09:00:00.000Z",
}


def broken(path: str, value: Any) -> dict[str, Any]:
    """GOOD with one property replaced (value None deletes it)."""
    statement = copy.deepcopy(GOOD)
    *parents, last = path.split("/")
    target = statement
    for key in parents:
        target = target[key]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return statement


def test_the_validator_accepts_a_good_statement() -> None:
    assert xapi_problems(GOOD) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("actor", None),  # actor is required
        ("verb/id", "answered"),  # not an IRI
        ("verb/display", {"English!": "completed"}),  # not an RFC 5646 tag
        ("object/id", "module 1"),  # not an IRI
        ("actor/mbox", "mailto:a@b.c"),  # two identifiers
        ("actor/account", {"homePage": "bites", "name": "x"}),  # homePage is not an IRL
        ("actor/mbox_sha1sum", "nothex"),
        ("id", "not-a-uuid"),
        ("timestamp", "2026-03-02 09:00"),  # not ISO 8601
        ("timestamp", "2026-03-02T09:00:00"),  # no time zone
        ("result/duration", "12s"),  # not an ISO 8601 duration
        ("result/score/scaled", 1.5),  # scaled is -1 … 1
        ("result/score/raw", 5),  # above max
        ("result/score/min", 4),  # min must be below max
        ("result/success", "yes"),  # boolean
        ("result/grade", "A"),  # not a result property
        ("context", {"registration": "abc"}),  # not a UUID
        ("context", {"contextActivities": {"parent": [{"definition": {}}]}}),  # no id
        ("object/definition", {"choices": [{"id": "a"}]}),  # choices need an interactionType
        ("object/definition", {"interactionType": "multiple"}),  # not an interaction type
        ("version", "2.0.0"),
    ],
)
def test_the_validator_catches_broken_statements(path: str, value: Any) -> None:
    assert xapi_problems(broken(path, value)) != []


def test_statements_reach_a_fake_lrs_with_basic_auth(
    user: ChatUser, demo_curriculum: Curriculum
) -> None:
    statements = xapi_statements(
        user.services.engine, demo_council_id(user), OPTIONS, demo_curriculum
    )
    with fake_lrs() as lrs:
        sent = post_statements(lrs.url, "key", "s3cret", statements, XAPI_VERSION, batch=4)
    assert sent == 6
    assert [len(body) for body in lrs.bodies] == [4, 2]
    assert lrs.bodies[0] + lrs.bodies[1] == statements
    assert lrs.headers[0]["authorization"] == "Basic " + base64.b64encode(b"key:s3cret").decode()
    assert lrs.headers[0]["x-experience-api-version"] == "1.0.3"
    assert lrs.paths == ["/xapi/statements", "/xapi/statements"]


def test_an_lrs_refusal_is_reported() -> None:
    with fake_lrs(status=401) as lrs, pytest.raises(Exception, match="the LRS answered 401"):
        post_statements(lrs.url, "key", "wrong", [GOOD], XAPI_VERSION)


# The command line ---------------------------------------------------------------------


def test_bites_export_commands(
    sqlite_url: str,
    clock: ManualClock,
    demo_curriculum: Curriculum,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chat = ChatUser(make_services(sqlite_url, clock, demo_curriculum), clock)
    take_module_1(chat)
    runner = CliRunner()
    result = runner.invoke(app, ["export", "xapi", "--council", "demo", "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    for line in lines:
        assert xapi_problems(json.loads(line)) == []
    since = runner.invoke(
        app, ["export", "xapi", "--council", "demo", "--since", "2026-03-03", "--db", sqlite_url]
    )
    assert since.exit_code == 0 and since.stdout == ""
    csv = runner.invoke(app, ["export", "csv", "--council", "demo", "--db", sqlite_url])
    assert csv.exit_code == 0
    assert csv.stdout.splitlines()[0].startswith("learner,name,team,module,title,status")
    answers = runner.invoke(
        app, ["export", "csv", "--answers", "--council", "demo", "--db", sqlite_url]
    )
    assert len(answers.stdout.splitlines()) == 5
    unknown = runner.invoke(app, ["export", "csv", "--council", "nowhere", "--db", sqlite_url])
    assert unknown.exit_code == 1
    assert "There is no council with the code nowhere." in unknown.output
    with fake_lrs() as lrs:
        monkeypatch.setenv("CB_LRS_ENDPOINT", lrs.url)
        monkeypatch.setenv("CB_LRS_USERNAME", "key")
        monkeypatch.setenv("CB_LRS_PASSWORD", "s3cret")
        posted = runner.invoke(app, ["export", "lrs", "--council", "demo", "--db", sqlite_url])
    assert posted.exit_code == 0, posted.output
    assert posted.stdout == "Sent 6 statements to the LRS.\n"
    assert "s3cret" not in posted.output
    with Session(chat.services.engine) as session:
        audit = session.exec(select(AuditLog).order_by(AuditLog.id)).all()  # type: ignore[arg-type]
    assert [(a.actor, a.action, a.target, json.loads(a.detail)) for a in audit] == [
        ("cli", "export.xapi", "council:demo", {"rows": 6}),
        ("cli", "export.xapi", "council:demo", {"rows": 0}),
        ("cli", "export.progress_csv", "council:demo", {"rows": 1}),
        ("cli", "export.answers_csv", "council:demo", {"rows": 4}),
        ("cli", "export.lrs", "council:demo", {"rows": 6}),
    ]


def test_lrs_export_needs_the_settings(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CB_LRS_ENDPOINT", "CB_LRS_USERNAME", "CB_LRS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    SqlStore(engine).ensure_council("demo", "Demo Council", "demo", dt.datetime.now(dt.UTC))
    result = CliRunner().invoke(app, ["export", "lrs", "--council", "demo", "--db", sqlite_url])
    assert result.exit_code == 2
    assert "Set CB_LRS_ENDPOINT, CB_LRS_USERNAME and CB_LRS_PASSWORD" in result.output


# A second opinion: Learning Locker's validator (npm), when available --------------------


def test_learning_lockers_validator_agrees(user: ChatUser, demo_curriculum: Curriculum) -> None:
    folder = os.environ.get("CB_XAPI_NODE_VALIDATOR")
    node = shutil.which("node")
    if not folder or not node:
        pytest.skip("set CB_XAPI_NODE_VALIDATOR to a folder with @learninglocker/xapi-validation")
    statements = xapi_statements(
        user.services.engine, demo_council_id(user), OPTIONS, demo_curriculum
    )
    script = (
        "const v = require('@learninglocker/xapi-validation').default;"
        "const s = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(s.map(x => v(x).length)));"
    )
    run = subprocess.run(
        [node, "-e", script],
        input=json.dumps([*statements, broken("verb/id", "answered")]),
        capture_output=True,
        text=True,
        cwd=folder,
        check=True,
        timeout=60,
    )
    counts = json.loads(run.stdout)
    assert counts[:-1] == [0] * len(statements)
    assert counts[-1] > 0


class _Lrs:
    def __init__(self, server: HTTPServer) -> None:
        self.url = f"http://127.0.0.1:{server.server_address[1]}/xapi/"
        self.bodies: list[list[dict[str, Any]]] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []


class fake_lrs:  # noqa: N801 (used as a context manager, like a function)
    """A Learning Record Store on 127.0.0.1 (ephemeral port) that records what it gets,
    checks each statement with the validator, and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self._status = status

    def __enter__(self) -> _Lrs:
        status = self._status
        record: list[_Lrs] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                lrs = record[0]
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                lrs.paths.append(self.path)
                lrs.headers.append({k.lower(): v for k, v in self.headers.items()})
                lrs.bodies.append(body)
                valid = all(xapi_problems(statement) == [] for statement in body)
                code = status if valid else 400
                payload = json.dumps([s.get("id") for s in body]).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                return

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        lrs = _Lrs(self._server)
        record.append(lrs)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return lrs

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


FORMULAS = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tx", "\rx"]


@pytest.mark.parametrize("name", FORMULAS)
def test_csv_cells_that_a_spreadsheet_would_run_are_written_as_text(
    user: ChatUser, demo_curriculum: Curriculum, name: str
) -> None:
    with Session(user.services.engine) as session, session.begin():
        learner = session.exec(select(Learner)).one()
        learner.display_name = name
        session.add(learner)
    council_id = demo_council_id(user)
    for export in (
        "".join(progress_csv(user.services.engine, council_id, demo_curriculum)),
        "".join(answers_csv(user.services.engine, council_id)),
    ):
        row = next(csv.reader(io.StringIO(export.split("\n", 1)[1], newline="")))
        assert row[:2] == ["1", "'" + name.replace("\r", "\n")]
