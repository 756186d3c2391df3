"""`bites team|role|roster|campaign …` and `bites council tier`: a council's people from the
command line.

The command line is the server operator's: it acts as the council admin of the council
named with `--council CODE` (see `bot.access.Actor.command_line`), and every change it
makes is written to the audit log as `cli`.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import Engine

from app.cli_common import cli_settings, migrated_engine
from bot.access import AccessDeniedError, Actor, Role

if TYPE_CHECKING:
    from storage.campaigns import SqlCampaigns
    from storage.roster import Invite

team_app = typer.Typer(
    rich_markup_mode=None, help="Teams of a council and their join codes.", no_args_is_help=True
)
role_app = typer.Typer(
    rich_markup_mode=None,
    help="Roles: manager, council_admin, content_author…",
    no_args_is_help=True,
)
roster_app = typer.Typer(
    rich_markup_mode=None, help="Import a council's people from a CSV roster.", no_args_is_help=True
)
campaign_app = typer.Typer(rich_markup_mode=None, help="Refresher campaigns.", no_args_is_help=True)

Council = Annotated[str, typer.Option("--council", help="The council's code.")]
Db = Annotated[str | None, typer.Option("--db", help="Database URL (default: DATABASE_URL).")]


def register_people(app: typer.Typer, council_app: typer.Typer) -> None:
    """Add the people commands to the `bites` app (and `tier` to `bites council`)."""
    app.add_typer(team_app, name="team")
    app.add_typer(role_app, name="role")
    app.add_typer(roster_app, name="roster")
    app.add_typer(campaign_app, name="campaign")
    council_app.command("tier")(council_tier)


def _admin(engine: Engine, council: str) -> Actor:
    from storage.people import SqlPeople

    council_id = SqlPeople(engine).council_id(council)
    if council_id is None:
        _fail(f"No council with the code {council!r}. Add it with: bites council add")
    assert council_id is not None
    return Actor.command_line(council_id)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def council_tier(
    code: Annotated[str, typer.Argument(help="The council's code.")],
    tier: Annotated[
        str, typer.Argument(help="county, unitary, london_borough, metropolitan or district.")
    ],
    db: Db = None,
) -> None:
    """Set a council's tier (its benchmark group)."""
    from storage.people import SqlPeople

    engine = migrated_engine(db)
    admin = _admin(engine, code)
    try:
        SqlPeople(engine).set_tier(admin, admin.council_id, tier, _now())
    except ValueError as error:
        _fail(str(error), 2)
    typer.echo(f"Council {code}: tier {tier}")


@team_app.command("add")
def team_add(
    name: Annotated[str, typer.Argument(help="The team's name, e.g. Highways.")],
    council: Council,
    join_code: Annotated[
        str | None, typer.Option(help="A join code of your choice (default: a fresh one).")
    ] = None,
    db: Db = None,
) -> None:
    """Create a team with its join code (officers send /start CODE to join it)."""
    from storage.people import SqlPeople

    engine = migrated_engine(db)
    try:
        team = SqlPeople(engine).add_team(_admin(engine, council), name, _now(), join_code)
    except ValueError as error:
        _fail(str(error), 2)
        return
    typer.echo(
        f"Team {team.name}: join code {team.join_code} (officers send /start {team.join_code})"
    )


@team_app.command("list")
def team_list(council: Council, db: Db = None) -> None:
    """The council's teams with their sizes and join codes."""
    from storage.people import SqlPeople

    engine = migrated_engine(db)
    for team in SqlPeople(engine).teams(_admin(engine, council)):
        typer.echo(f"{team.name}: {team.members} people, join code {team.join_code}")


def _change_role(
    email: str, role: str, council: str, team: str | None, db: str | None, grant: bool
) -> None:
    from storage.people import SqlPeople

    engine = migrated_engine(db)
    people = SqlPeople(engine)
    admin = _admin(engine, council)
    try:
        chosen = Role(role)
    except ValueError:
        _fail(f"{role!r} is not a role: manager, council_admin, content_author, platform_admin", 2)
        return
    person = people.person_by_email(admin, email)
    if person is None:
        _fail(f"Nobody with the email {email} in {council}. Import them with: bites roster import")
        return
    team_id = None
    if team is not None:
        found = people.team_named(admin, team)
        if found is None:
            _fail(f"No team named {team!r} in {council}. Add it with: bites team add")
            return
        team_id = found.id
    change = people.grant if grant else people.revoke
    try:
        changed = change(admin, person.learner_id, chosen, _now(), team_id)
    except (ValueError, AccessDeniedError) as error:
        _fail(str(error), 2)
        return
    where, who = (f" of {team}" if team else ""), person.email or email
    if grant:
        typer.echo(f"{who} is {chosen.value}{where}" + ("" if changed else " already"))
    else:
        typer.echo(f"{who} is no longer {chosen.value}{where}" if changed else "Nothing to revoke")


@role_app.command("grant")
def role_grant(
    email: Annotated[str, typer.Argument(help="The person's email (from the roster).")],
    role: Annotated[str, typer.Argument(help="manager, council_admin, content_author…")],
    council: Council,
    team: Annotated[str | None, typer.Option(help="For manager: the team managed.")] = None,
    db: Db = None,
) -> None:
    """Grant a role (audited)."""
    _change_role(email, role, council, team, db, grant=True)


@role_app.command("revoke")
def role_revoke(
    email: Annotated[str, typer.Argument(help="The person's email.")],
    role: Annotated[str, typer.Argument(help="The role to take away.")],
    council: Council,
    team: Annotated[str | None, typer.Option(help="For manager: the team.")] = None,
    db: Db = None,
) -> None:
    """Take a role away (audited)."""
    _change_role(email, role, council, team, db, grant=False)


@role_app.command("list")
def role_list(council: Council, db: Db = None) -> None:
    """The council's role grants."""
    from storage.people import SqlPeople

    engine = migrated_engine(db)
    for grant in SqlPeople(engine).grants(_admin(engine, council)):
        team = f" of {grant.team_name}" if grant.team_name else ""
        typer.echo(f"{grant.name or f'learner {grant.learner_id}'}: {grant.role.value}{team}")


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(help="CSV: name, email, team, manager, channel.")],
    council: Council,
    dry_run: Annotated[
        bool, typer.Option(help="Report what would change; change nothing.")
    ] = False,
    invites_out: Annotated[
        Path | None, typer.Option(help="Write the new people's invitations to this CSV.")
    ] = None,
    telegram_bot: Annotated[
        str | None, typer.Option(help="The Telegram bot's username, for t.me invite links.")
    ] = None,
    db: Db = None,
) -> None:
    """Import a roster in one transaction: all rows or, if any row is bad, none."""
    from storage.roster import SqlRoster

    try:
        text = file.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        _fail(f"{file}: cannot read it as UTF-8 text ({error.__class__.__name__})", 2)
        return
    engine = migrated_engine(db)
    report = SqlRoster(engine).import_roster(
        _admin(engine, council), text, file.name, _now(), dry_run
    )
    if report.problems:
        _fail("\n".join(report.lines()))
    typer.echo("\n".join(report.lines()))
    if report.invites:
        _write_invites(report.invites, invites_out, telegram_bot)


def _write_invites(invites: list[Invite], out: Path | None, telegram_bot: str | None) -> None:
    from storage.csv_cells import safe_row
    from storage.roster import invite_text

    handle = out.open("w", newline="", encoding="utf-8") if out else None
    writer = csv.writer(handle or sys.stdout)
    if handle is None:
        typer.echo("Invitations (send each person theirs; each code works once):")
    writer.writerow(["name", "email", "channel", "invite"])
    for invite in invites:
        text = invite_text(invite.channel, invite.code, telegram_bot)
        writer.writerow(safe_row([invite.name, invite.email, invite.channel, text]))
    if handle is not None:
        handle.close()
        typer.echo(f"Invitations written to {out}")


@roster_app.command("invites")
def roster_invites(
    council: Council,
    telegram_bot: Annotated[str | None, typer.Option(help="For t.me invite links.")] = None,
    db: Db = None,
) -> None:
    """Invitations not yet claimed (as CSV on standard output)."""
    from storage.roster import SqlRoster

    engine = migrated_engine(db)
    _write_invites(SqlRoster(engine).pending_invites(_admin(engine, council)), None, telegram_bot)


def _campaigns(db: str | None) -> tuple[SqlCampaigns, Engine]:
    """The campaigns store with the service's own curriculum (built-in and local packs)."""
    from app.wiring import build_services
    from storage.campaigns import SqlCampaigns

    settings = cli_settings(database_url=db).model_copy(
        update={"scheduler": False, "demo_council": False}
    )
    services = build_services(settings)
    return SqlCampaigns(services.engine, services.curriculum), services.engine


@campaign_app.command("add")
def campaign_add(
    council: Council,
    name: Annotated[str, typer.Option(help="A name admins will recognise.")],
    schedule: Annotated[
        str,
        typer.Option(help="once:YYYY-MM-DD, first-monday-of-month or first-monday-of-quarter."),
    ],
    module: Annotated[list[str] | None, typer.Option(help="A module id (repeat for more).")] = None,
    question: Annotated[
        list[str] | None, typer.Option(help="A question id (repeat for more).")
    ] = None,
    target: Annotated[
        str, typer.Option(help="council, team, role or low_scorers (last quiz under 60%).")
    ] = "council",
    value: Annotated[
        str | None, typer.Option(help="The team's name, or the role, for those targets.")
    ] = None,
    db: Db = None,
) -> None:
    """Create a refresher campaign (audited); see its recipients with `preview`."""
    from storage.campaigns import CampaignSpec

    campaigns, engine = _campaigns(db)
    spec = CampaignSpec(name, tuple(module or ()), tuple(question or ()), target, value, schedule)
    try:
        made = campaigns.create(_admin(engine, council), spec, _now())
    except ValueError as error:
        _fail(str(error), 2)
        return
    typer.echo(f"Campaign {made.id}: {made.name}, {made.rule}, target {made.target_kind}")


@campaign_app.command("list")
def campaign_list(council: Council, db: Db = None) -> None:
    """The council's campaigns, newest first."""
    campaigns, engine = _campaigns(db)
    for made in campaigns.list_campaigns(_admin(engine, council)):
        target = made.target_kind + (f" {made.target_value}" if made.target_value else "")
        typer.echo(f"{made.id}: {made.name} ({made.status}), {made.rule}, target {target}")


@campaign_app.command("preview")
def campaign_preview(
    campaign_id: Annotated[int, typer.Argument(help="The campaign's number.")],
    council: Council,
    db: Db = None,
) -> None:
    """Who would receive the current or next round, and which questions."""
    campaigns, engine = _campaigns(db)
    try:
        preview = campaigns.preview(_admin(engine, council), campaign_id, _now().date())
    except AccessDeniedError:
        _fail(f"No campaign {campaign_id} in {council}.")
        return
    if preview.round_start is None:
        typer.echo("No round to come: the campaign's date has passed.")
        return
    people = len(preview.recipients)
    typer.echo(f"Round from {preview.round_start}: {people} people")
    for recipient in preview.recipients:
        name = recipient.name or f"learner {recipient.learner_id}"
        typer.echo(f"  {name}: {', '.join(recipient.questions)}")


@campaign_app.command("cancel")
def campaign_cancel(
    campaign_id: Annotated[int, typer.Argument(help="The campaign's number.")],
    council: Council,
    db: Db = None,
) -> None:
    """Cancel a campaign and withdraw its questions not yet sent (audited)."""
    campaigns, engine = _campaigns(db)
    try:
        withdrawn = campaigns.cancel(_admin(engine, council), campaign_id, _now())
    except AccessDeniedError:
        _fail(f"No campaign {campaign_id} in {council}.")
        return
    typer.echo(f"Campaign {campaign_id} cancelled; {withdrawn} queued question(s) withdrawn.")
