"""CSV roster import: line-numbered errors for bad rows, nothing half-imported, an exact
dry-run report, and re-imports that move people, rename them and grant managers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bot.access import AccessDeniedError, Actor, Grant, Role
from storage.council_tables import AuditLog, RoleGrant, Team
from storage.db import make_engine
from storage.migrate import upgrade
from storage.roster import SqlRoster, invite_text, parse_roster
from storage.store import SqlStore
from storage.tables import Learner

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CHANNELS = ("webchat", "teams", "slack", "telegram")
GOOD = (
    "Name,Email,Team,Manager,Channel\n"
    "Mary Manager,Mary@TC.gov.uk,,,teams\n"
    "Ann Able,ann@tc.gov.uk,Highways,mary@tc.gov.uk,telegram\n"
    "Bob Brown,bob@tc.gov.uk,Waste,mary@tc.gov.uk,\n"
    "\n"
    '"Clay, Cat",cat@tc.gov.uk,Waste,,slack\n'
)


@pytest.fixture
def setup(db_url: str) -> tuple[SqlRoster, Actor, SqlStore]:
    engine = make_engine(db_url)
    upgrade(engine)
    store = SqlStore(engine)
    council = store.ensure_council("tc", "Test Council", "tcjoin", AT)
    return SqlRoster(engine), Actor.command_line(council.id), store


def counts(store: SqlStore) -> tuple[int, int, int, int]:
    with Session(store.engine) as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Learner, Team, RoleGrant, AuditLog)
        )


def test_each_bad_row_has_a_line_numbered_error_and_nothing_is_imported(
    setup: tuple[SqlRoster, Actor, SqlStore],
) -> None:
    roster, admin, store = setup
    text = (
        "name,email,team,manager,channel\n"  # line 1
        "Ann Able,ann@tc.gov.uk,Highways,,teams\n"  # 2: good
        ",nobody@tc.gov.uk,,,\n"  # 3
        "Bad Email,x@,,,\n"  # 4
        "Ann Again,ANN@tc.gov.uk,,,\n"  # 5
        "Fax User,fax@tc.gov.uk,,,fax\n"  # 6
        "No Team,nt@tc.gov.uk,,ann@tc.gov.uk,\n"  # 7
        "Short Row,short@tc.gov.uk\n"  # 8
        "Self Managed,self@tc.gov.uk,Waste,self@tc.gov.uk,\n"  # 9
        "Ghost Boss,gb@tc.gov.uk,Waste,ghost@tc.gov.uk,\n"  # 10
        '"Multi\nLine",ml@tc.gov.uk,Waste,x@y,\n'  # 11-12: the error names line 12
    )
    report = roster.import_roster(admin, text, "roster.csv", AT)
    assert report.problems == [
        "roster.csv:3: name is empty",
        'roster.csv:4: email "x@" is not an email address',
        'roster.csv:5: email "ANN@tc.gov.uk" is already on line 2',
        'roster.csv:6: channel "fax" is not one of: webchat, teams, slack, telegram',
        "roster.csv:7: a manager is given but no team",
        "roster.csv:8: has 2 fields, the header has 5",
        "roster.csv:9: a person cannot be their own manager",
        'roster.csv:10: manager "ghost@tc.gov.uk" is not in this roster or the council',
        'roster.csv:12: manager "x@y" is not an email address',
    ]
    assert not report.imported
    assert report.lines()[-1] == "9 problem(s): nothing was imported."
    assert counts(store) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("", "roster.csv:1: the file is empty"),
        ("name,team\n", "roster.csv:1: the header needs the columns email"),
        (
            "name,email,phone\n",
            'roster.csv:1: unknown column "phone" (expected name, email, team, manager, channel)',
        ),
        ("name,email,email\n", "roster.csv:1: a column is named twice"),
    ],
)
def test_header_problems(header: str, problem: str) -> None:
    assert parse_roster(header, "roster.csv", CHANNELS) == ([], [problem])


def test_dry_run_reports_exactly_and_changes_nothing_then_the_import_does_it(
    setup: tuple[SqlRoster, Actor, SqlStore],
) -> None:
    roster, admin, store = setup
    dry = roster.import_roster(admin, GOOD, "roster.csv", AT, dry_run=True)
    expected = [
        "new people: 4",
        "  Mary Manager <mary@tc.gov.uk>",
        "  Ann Able <ann@tc.gov.uk> in Highways",
        "  Bob Brown <bob@tc.gov.uk> in Waste",
        "  Clay, Cat <cat@tc.gov.uk> in Waste",
        "name changes: 0",
        "team moves: 0",
        "new teams: 2",
        "  Highways",
        "  Waste",
        "new manager grants: 2",
        "  Mary Manager manages Highways",
        "  Mary Manager manages Waste",
        "unchanged people: 0",
    ]
    assert dry.lines() == ["Dry run: nothing was changed. The import would make:", *expected]
    assert dry.invites == []  # no codes exist after a dry run
    assert counts(store) == (0, 0, 0, 0)
    done = roster.import_roster(admin, GOOD, "roster.csv", AT)
    assert done.lines() == ["Made:", *expected]
    assert [(i.name, i.channel) for i in done.invites] == [
        ("Mary Manager", "teams"),
        ("Ann Able", "telegram"),
        ("Bob Brown", None),
        ("Clay, Cat", "slack"),
    ]
    assert all(len(i.code) == 8 for i in done.invites)
    assert counts(store) == (4, 2, 2, 1)
    with Session(store.engine) as session:
        audit = session.exec(select(AuditLog)).one()
    assert (audit.actor, audit.action, audit.target) == (
        "cli",
        "roster.import",
        f"council:{admin.council_id}",
    )
    assert "Ann" not in audit.detail and "@" not in audit.detail  # no personal data


def test_a_re_import_moves_renames_and_grants_without_duplicating(
    setup: tuple[SqlRoster, Actor, SqlStore],
) -> None:
    roster, admin, store = setup
    roster.import_roster(admin, GOOD, "roster.csv", AT)
    again = (
        "name,email,team,manager\n"
        "Mary Manager,mary@tc.gov.uk,,\n"
        "Ann Able-Smith,ann@tc.gov.uk,Waste,mary@tc.gov.uk\n"
        "Bob Brown,bob@tc.gov.uk,,\n"  # a blank team leaves Bob where he is
        "Cat Clay,cat@tc.gov.uk,Parks,bob@tc.gov.uk\n"
    )
    report = roster.import_roster(admin, again, "again.csv", AT)
    assert report.lines() == [
        "Made:",
        "new people: 0",
        "name changes: 2",
        "  Ann Able → Ann Able-Smith",
        "  Clay, Cat → Cat Clay",
        "team moves: 2",
        "  Ann Able-Smith: Highways → Waste",
        "  Cat Clay: Waste → Parks",
        "new teams: 1",
        "  Parks",
        "new manager grants: 1",
        "  Bob Brown manages Parks",
        "unchanged people: 2",
    ]
    assert counts(store) == (4, 3, 3, 2)


def test_only_a_council_admin_imports(setup: tuple[SqlRoster, Actor, SqlStore]) -> None:
    roster, admin, store = setup
    for grants in (frozenset(), frozenset({Grant(Role.MANAGER, 1), Grant(Role.CONTENT_AUTHOR)})):
        with pytest.raises(AccessDeniedError):
            roster.import_roster(Actor(1, admin.council_id, grants), GOOD, "roster.csv", AT)
    assert counts(store) == (0, 0, 0, 0)


def test_invite_text_per_channel() -> None:
    assert invite_text("telegram", "K7Q2MX9D", "@BitesBot") == (
        "https://t.me/BitesBot?start=K7Q2MX9D"
    )
    assert invite_text("telegram", "K7Q2MX9D") == "/start K7Q2MX9D"
    assert invite_text("teams", "K7Q2MX9D", "BitesBot") == "/start K7Q2MX9D"


def test_any_line_ending_reads_the_same() -> None:
    rows = "name,email\nAnn Able,ann@tc.gov.uk\nBen Bold,ben@tc.gov.uk\n"
    expected = parse_roster(rows, "roster.csv", CHANNELS)
    assert len(expected[0]) == 2 and expected[1] == []
    for ending in ("\r", "\r\n"):
        assert parse_roster(rows.replace("\n", ending), "roster.csv", CHANNELS) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "name,email\n" + "A" * 131_073 + ",a@tc.gov.uk\n",
            "roster.csv:2: cannot be read as CSV: field larger than field limit (131072)",
        ),
        (
            "name,email\n" + "A" * 131_072 + ",a@tc.gov.uk\n",
            "roster.csv:2: name is longer than 120 characters",
        ),
        (
            "name,email\nAnn\x00,a@tc.gov.uk\n",
            "roster.csv:2: holds a NUL character: save the file again as plain CSV",
        ),
    ],
)
def test_odd_files_get_a_line_and_a_reason(text: str, problem: str) -> None:
    assert parse_roster(text, "roster.csv", CHANNELS) == ([], [problem])
