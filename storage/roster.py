"""CSV roster import: pre-register a council's officers in their teams, with managers.

The file has a header row naming the columns `name`, `email` (both required), `team`,
`manager` (the email of the person's manager, who is granted the manager role of that
team) and `channel` (where the officer will chat: one of the council's channels). A
person is matched to an existing one of the council by email, ignoring case.

Every row is checked first; each bad row gives one line-numbered error such as
`roster.csv:7: email "x@" is not an email address`. Any error imports nothing. Otherwise
the whole import runs in one transaction (all or nothing); a dry run runs the same code
and rolls back, so its report is exactly what the import would do.

New people are pre-registered: a learner record with a name, email, team and a personal
single-use invite code, claimed when the officer sends `/start CODE` (see docs/admins.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.access import Actor, Role, can_manage_council, require
from bot.state import Awaiting, Stage
from scheduler.pacing import DEFAULT_WORKING_DAYS
from storage.audit import record_audit
from storage.codes import new_code
from storage.council_tables import RoleGrant, Team
from storage.tables import Council, Learner

COLUMNS = ("name", "email", "team", "manager", "channel")
REQUIRED = ("name", "email")
_EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")


@dataclass(frozen=True)
class RosterRow:
    """One valid row of a roster file."""

    line: int
    name: str
    email: str  # lower case
    team: str | None
    manager: str | None  # lower case
    channel: str | None


@dataclass(frozen=True)
class Invite:
    """A new person's invitation: where they will chat and their personal code."""

    name: str
    email: str
    channel: str | None
    code: str


@dataclass
class RosterReport:
    """What an import did (or, on a dry run, would do), or why it did nothing."""

    dry_run: bool
    problems: list[str] = field(default_factory=list)
    new_people: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    team_moves: list[str] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)
    new_managers: list[str] = field(default_factory=list)
    unchanged: int = 0
    invites: list[Invite] = field(default_factory=list)

    @property
    def imported(self) -> bool:
        """Whether anything was written (never on a dry run or with problems)."""
        return not self.dry_run and not self.problems

    def lines(self) -> list[str]:
        """The report as plain lines for a terminal."""
        if self.problems:
            return [*self.problems, f"{len(self.problems)} problem(s): nothing was imported."]
        head = "Dry run: nothing was changed. The import would make" if self.dry_run else "Made"
        out = [f"{head}:"]
        for title, items in (
            ("new people", self.new_people),
            ("name changes", self.renamed),
            ("team moves", self.team_moves),
            ("new teams", self.new_teams),
            ("new manager grants", self.new_managers),
        ):
            out.append(f"{title}: {len(items)}")
            out += [f"  {item}" for item in items]
        out.append(f"unchanged people: {self.unchanged}")
        return out


def invite_text(channel: str | None, code: str, telegram_bot: str | None = None) -> str:
    """How an officer joins: a Telegram deep link when the bot's username is known,
    otherwise the `/start CODE` message to send on any channel."""
    if channel == "telegram" and telegram_bot:
        return f"https://t.me/{telegram_bot.lstrip('@')}?start={code}"
    return f"/start {code}"


def parse_roster(
    text: str, path: str, channels: tuple[str, ...]
) -> tuple[list[RosterRow], list[str]]:
    """The valid rows and one `path:line: message` problem per bad row (pure)."""
    # newline="": the csv module then reads any line ending (\r\n, \n, or a Mac's lone \r).
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _parse_rows(reader, path, channels)
    except csv.Error as error:  # e.g. a field over the csv module's 128 KB limit
        return [], [f"{path}:{max(reader.line_num, 1)}: cannot be read as CSV: {error}"]


def _parse_rows(
    reader: Any, path: str, channels: tuple[str, ...]
) -> tuple[list[RosterRow], list[str]]:
    header = next(reader, None)
    if header is None:
        return [], [f"{path}:1: the file is empty"]
    names = [cell.strip().lower() for cell in header]
    problems = _header_problems(names, path)
    if problems:
        return [], problems
    rows: list[RosterRow] = []
    first_line: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are harmless
        if len(cells) != len(names):
            problems.append(f"{path}:{line}: has {len(cells)} fields, the header has {len(names)}")
            continue
        values = dict(zip(names, (cell.strip() for cell in cells), strict=True))
        message = _row_problem(values, channels, first_line)
        if message is not None:
            problems.append(f"{path}:{line}: {message}")
            continue
        email = values["email"].lower()
        first_line[email] = line
        rows.append(
            RosterRow(
                line,
                values["name"],
                email,
                values.get("team") or None,
                (values.get("manager") or "").lower() or None,
                (values.get("channel") or "").lower() or None,
            )
        )
    return rows, problems


def _header_problems(names: list[str], path: str) -> list[str]:
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        return [f'{path}:1: unknown column "{unknown[0]}" (expected {", ".join(COLUMNS)})']
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        return [f"{path}:1: the header needs the columns {' and '.join(missing)}"]
    if len(set(names)) != len(names):
        return [f"{path}:1: a column is named twice"]
    return []


def _row_problem(
    values: dict[str, str], channels: tuple[str, ...], first_line: dict[str, int]
) -> str | None:
    name, email = values["name"], values["email"]
    team, manager = values.get("team", ""), values.get("manager", "")
    channel = values.get("channel", "").lower()
    if any("\x00" in value for value in values.values()):
        return "holds a NUL character: save the file again as plain CSV"
    if not name:
        return "name is empty"
    if len(name) > 120:
        return "name is longer than 120 characters"
    if not _EMAIL.match(email) or len(email) > 254:
        return f'email "{email}" is not an email address'
    if email.lower() in first_line:
        return f'email "{email}" is already on line {first_line[email.lower()]}'
    if len(team) > 80:
        return "team name is longer than 80 characters"
    if manager and not _EMAIL.match(manager):
        return f'manager "{manager}" is not an email address'
    if manager and not team:
        return "a manager is given but no team"
    if manager.lower() == email.lower():
        return "a person cannot be their own manager"
    if channel and channel not in channels:
        return f'channel "{channel}" is not one of: {", ".join(channels)}'
    return None


def import_roster(
    session: Session, actor: Actor, text: str, path: str, at: dt.datetime, dry_run: bool
) -> RosterReport:
    """Check and apply a roster in the session's transaction; the caller commits only
    when the report says `imported` (and rolls back otherwise)."""
    require(can_manage_council(actor, actor.council_id), "import a roster")
    council = session.get(Council, actor.council_id)
    assert council is not None
    report = RosterReport(dry_run)
    rows, report.problems = parse_roster(text, path, tuple(council.channels.split()))
    people = {
        (row.email or "").lower(): row
        for row in session.exec(
            select(Learner).where(
                Learner.council_id == actor.council_id, col(Learner.email).is_not(None)
            )
        ).all()
    }
    in_file = {row.email for row in rows}
    report.problems += [
        f'{path}:{row.line}: manager "{row.manager}" is not in this roster or the council'
        for row in rows
        if row.manager and row.manager not in in_file and row.manager not in people
    ]
    if report.problems:
        # In line order (each problem starts with "path:line:").
        report.problems.sort(key=lambda problem: int(problem[len(path) + 1 :].split(":")[0]))
        return report
    teams = _teams(session, actor, rows, report, at)
    for row in rows:
        _apply_person(session, actor, row, people, teams, report, at)
    _apply_managers(session, actor, rows, people, teams, report, at)
    if dry_run:
        report.invites = []
    else:
        record_audit(
            session,
            actor,
            "roster.import",
            f"council:{actor.council_id}",
            at,
            new_people=len(report.new_people),
            team_moves=len(report.team_moves),
            new_teams=len(report.new_teams),
            new_managers=len(report.new_managers),
        )
    return report


def _teams(
    session: Session, actor: Actor, rows: list[RosterRow], report: RosterReport, at: dt.datetime
) -> dict[str, Team]:
    """The roster's teams by name, creating the new ones (with fresh join codes)."""
    teams = {
        team.name: team
        for team in session.exec(select(Team).where(Team.council_id == actor.council_id)).all()
    }
    for row in rows:
        if row.team and row.team not in teams:
            team = Team(
                council_id=actor.council_id,
                name=row.team,
                join_code=new_code(session),
                created_at=at,
            )
            session.add(team)
            session.flush()
            teams[row.team] = team
            report.new_teams.append(row.team)
    return teams


def _apply_person(
    session: Session,
    actor: Actor,
    row: RosterRow,
    people: dict[str, Learner],
    teams: dict[str, Team],
    report: RosterReport,
    at: dt.datetime,
) -> None:
    team = teams[row.team] if row.team else None
    person = people.get(row.email)
    if person is None:
        code = new_code(session)
        person = Learner(
            council_id=actor.council_id,
            stage=Stage.NEW.value,
            awaiting=Awaiting.NOTHING.value,
            working_days=" ".join(DEFAULT_WORKING_DAYS),
            display_name=row.name,
            email=row.email,
            team_id=team.id if team else None,
            invite_code=code,
            created_at=at,
            updated_at=at,
        )
        session.add(person)
        session.flush()
        people[row.email] = person
        where = f" in {team.name}" if team else ""
        report.new_people.append(f"{row.name} <{row.email}>{where}")
        report.invites.append(Invite(row.name, row.email, row.channel, code))
        return
    changed = False
    if person.display_name != row.name:
        report.renamed.append(f"{person.display_name or '(no name)'} → {row.name}")
        person.display_name, changed = row.name, True
    # A blank team leaves the person where they are: a roster never drops anyone.
    if team is not None and person.team_id != team.id:
        old = session.get(Team, person.team_id) if person.team_id is not None else None
        report.team_moves.append(f"{row.name}: {old.name if old else '(no team)'} → {team.name}")
        person.team_id, changed = team.id, True
    if changed:
        session.add(person)
    else:
        report.unchanged += 1


def _apply_managers(
    session: Session,
    actor: Actor,
    rows: list[RosterRow],
    people: dict[str, Learner],
    teams: dict[str, Team],
    report: RosterReport,
    at: dt.datetime,
) -> None:
    pairs = dict.fromkeys((row.manager, row.team) for row in rows if row.manager and row.team)
    for manager_email, team_name in pairs:
        assert manager_email is not None and team_name is not None
        manager, team = people[manager_email], teams[team_name]
        held = session.exec(
            select(func.count())
            .select_from(RoleGrant)
            .where(
                RoleGrant.council_id == actor.council_id,
                RoleGrant.learner_id == manager.id,
                RoleGrant.role == Role.MANAGER.value,
                RoleGrant.team_id == team.id,
            )
        ).one()
        if held:
            continue
        assert manager.id is not None
        session.add(
            RoleGrant(
                learner_id=manager.id,
                council_id=actor.council_id,
                role=Role.MANAGER.value,
                team_id=team.id,
                created_at=at,
            )
        )
        report.new_managers.append(f"{manager.display_name or manager_email} manages {team_name}")


class SqlRoster:
    """Roster imports against a database, one transaction each."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def import_roster(
        self, actor: Actor, text: str, path: str, at: dt.datetime, dry_run: bool = False
    ) -> RosterReport:
        """Check and import a roster (see the module docstring); commits only a clean,
        real import, so a dry run or any bad row leaves the database untouched."""
        with Session(self._engine, expire_on_commit=False) as session:
            try:
                report = import_roster(session, actor, text, path, at, dry_run)
            except BaseException:
                session.rollback()
                raise
            if report.imported:
                session.commit()
            else:
                session.rollback()
            return report

    def pending_invites(self, actor: Actor) -> list[Invite]:
        """People pre-registered by an import who have not claimed their record yet."""
        require(can_manage_council(actor, actor.council_id), "list invites")
        with Session(self._engine) as session:
            rows = session.exec(
                select(Learner)
                .where(
                    Learner.council_id == actor.council_id, col(Learner.invite_code).is_not(None)
                )
                .order_by(col(Learner.display_name), col(Learner.id))
            ).all()
            return [
                Invite(row.display_name or "", row.email or "", None, row.invite_code or "")
                for row in rows
            ]
