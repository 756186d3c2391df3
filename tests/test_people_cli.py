"""`bites team|role|roster|campaign` and `bites council tier`, run through Typer in-process
on a SQLite file, with exact output; every change is in the audit log as `cli`."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.cli import app
from storage.council_tables import AuditLog
from storage.db import make_engine
from storage.tables import Council

ROSTER = (
    "name,email,team,manager,channel\n"
    "Mary Manager,mary@tc.gov.uk,,,teams\n"
    "Ann Able,ann@tc.gov.uk,Highways,mary@tc.gov.uk,telegram\n"
)


def bites(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_people_commands(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bites.db'}"
    council = ("--council", "tc", "--db", db)
    assert (
        bites("council", "add", "--code", "tc", "--name", "Test", "--join-code", "tcj", "--db", db)[
            0
        ]
        == 0
    )
    assert bites("council", "tier", "tc", "district", "--db", db) == (
        0,
        "Council tc: tier district\n",
        "",
    )
    code, _out, err = bites("council", "tier", "tc", "parish", "--db", db)
    assert (code, err) == (
        2,
        "tier must be one of: county, unitary, london_borough, metropolitan, district\n",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nAnn,ann@\n", encoding="utf-8")
    assert bites("roster", "import", str(bad), *council) == (
        1,
        "",
        'bad.csv:2: email "ann@" is not an email address\n1 problem(s): nothing was imported.\n',
    )
    good = tmp_path / "roster.csv"
    good.write_text(ROSTER, encoding="utf-8")
    code, out, _ = bites("roster", "import", str(good), "--dry-run", *council)
    assert (code, out.splitlines()[0]) == (
        0,
        "Dry run: nothing was changed. The import would make:",
    )
    invites = tmp_path / "invites.csv"
    code, out, _ = bites(
        "roster",
        "import",
        str(good),
        "--invites-out",
        str(invites),
        "--telegram-bot",
        "BitesBot",
        *council,
    )
    assert (code, out.splitlines()[0], out.splitlines()[-1]) == (
        0,
        "Made:",
        f"Invitations written to {invites}",
    )
    rows = invites.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "name,email,channel,invite"
    assert rows[1].startswith("Mary Manager,mary@tc.gov.uk,teams,/start ")
    assert rows[2].startswith("Ann Able,ann@tc.gov.uk,telegram,https://t.me/BitesBot?start=")
    code, out, _ = bites("team", "add", "Waste", "--join-code", "waste-1", *council)
    assert out == "Team Waste: join code WASTE-1 (officers send /start WASTE-1)\n"
    code, out, _ = bites("team", "list", *council)
    assert out.splitlines()[1] == "Waste: 0 people, join code WASTE-1"
    assert out.startswith("Highways: 1 people, join code ")
    assert bites("role", "grant", "ann@tc.gov.uk", "manager", "--team", "Waste", *council)[1] == (
        "ann@tc.gov.uk is manager of Waste\n"
    )
    assert bites("role", "grant", "ANN@tc.gov.uk", "council_admin", *council)[1] == (
        "ann@tc.gov.uk is council_admin\n"
    )
    assert bites("role", "grant", "nobody@tc.gov.uk", "manager", *council) == (
        1,
        "",
        "Nobody with the email nobody@tc.gov.uk in tc. Import them with: bites roster import\n",
    )
    listing = bites("role", "list", *council)[1].splitlines()
    assert sorted(listing) == [
        "Ann Able: council_admin",
        "Ann Able: manager of Waste",
        "Mary Manager: manager of Highways",
    ]
    assert bites("role", "revoke", "ann@tc.gov.uk", "council_admin", *council)[1] == (
        "ann@tc.gov.uk is no longer council_admin\n"
    )
    code, out, _ = bites(
        "campaign",
        "add",
        "--name",
        "Spring",
        "--module",
        "a1-why-contract-management",
        "--target",
        "team",
        "--value",
        "Highways",
        "--schedule",
        "first-monday-of-quarter",
        *council,
    )
    assert (code, out) == (0, "Campaign 1: Spring, first-monday-of-quarter, target team\n")
    assert bites("campaign", "list", *council)[1] == (
        "1: Spring (active), first-monday-of-quarter, target team Highways\n"
    )
    code, out, _ = bites("campaign", "preview", "1", *council)
    assert code == 0 and out.startswith("Round from ")
    assert bites("campaign", "cancel", "1", *council)[1] == (
        "Campaign 1 cancelled; 0 queued question(s) withdrawn.\n"
    )
    assert bites("campaign", "cancel", "7", *council) == (1, "", "No campaign 7 in tc.\n")
    with Session(make_engine(db)) as session:
        actions = session.exec(
            select(AuditLog.actor, AuditLog.action).order_by(col(AuditLog.id))
        ).all()
        tier = session.exec(select(Council.tier)).one()
    assert tier == "district"
    assert [tuple(a) for a in actions] == [
        ("cli", "council.tier"),
        ("cli", "roster.import"),
        ("cli", "team.add"),
        ("cli", "role.grant"),
        ("cli", "role.grant"),
        ("cli", "role.revoke"),
        ("cli", "campaign.create"),
        ("cli", "campaign.cancel"),
    ]


def test_invites_csv_writes_formula_like_names_as_text(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bites.db'}"
    council = ("--council", "tc", "--db", db)
    assert (
        bites("council", "add", "--code", "tc", "--name", "T", "--join-code", "j", "--db", db)[0]
        == 0
    )
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,email,channel\n\"=cmd|' /C calc'!A0\",a@tc.gov.uk,teams\n@SUM(A1),b@tc.gov.uk,\n",
        encoding="utf-8",
    )
    invites = tmp_path / "invites.csv"
    code, _out, err = bites(
        "roster", "import", str(roster), "--invites-out", str(invites), *council
    )
    assert (code, err) == (0, "")
    rows = list(csv.reader(invites.open(encoding="utf-8", newline="")))
    assert [row[:3] for row in rows] == [
        ["name", "email", "channel"],
        ["'=cmd|' /C calc'!A0", "a@tc.gov.uk", "teams"],
        ["'@SUM(A1)", "b@tc.gov.uk", ""],
    ]
