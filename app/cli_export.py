"""`bites export …` (CSV, xAPI, posting to an LRS) and `bites learner erase` (UK GDPR).

Every command here is an admin action on one council's people, so each writes an audit
log row (actor "cli", the action, the council, counts only).
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli_common import cli_settings, migrated_engine
from app.settings import Settings
from bot.access import Actor

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from lessons.model import Curriculum
    from storage.xapi import XapiOptions

export_app = typer.Typer(
    rich_markup_mode=None,
    help="Export a council's learning records: CSV, xAPI statements, or to an LRS.",
    no_args_is_help=True,
)
learner_app = typer.Typer(
    rich_markup_mode=None, help="One learner's personal data (UK GDPR).", no_args_is_help=True
)

Db = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: DATABASE_URL or the embedded one)."),
]
Council = Annotated[str, typer.Option("--council", help="The council's code.")]
Since = Annotated[
    str | None,
    typer.Option(help="Only records from this date (YYYY-MM-DD, UTC) or time on."),
]


def register(app: typer.Typer) -> None:
    """Add `bites export` and `bites learner` to the main command line."""
    app.add_typer(export_app, name="export")
    app.add_typer(learner_app, name="learner")


@export_app.command("csv")
def export_csv(
    council: Council,
    answers: Annotated[
        bool, typer.Option("--answers", help="Every quiz answer instead of module progress.")
    ] = False,
    standing: Annotated[
        bool,
        typer.Option("--standing", help="Each person's standing today (on track, behind, stuck…)."),
    ] = False,
    db: Db = None,
) -> None:
    """Print a council's module progress (or, with --answers, its quiz answers; with
    --standing, who is on track, behind or stuck) as CSV."""
    from runtime.clock import SystemClock
    from storage.exports import answers_csv, progress_csv, standing_csv

    settings, engine, council_id = _council(db, council)
    if answers and standing:
        typer.echo("Choose --answers or --standing, not both.", err=True)
        raise typer.Exit(2)
    if standing:
        lines = standing_csv(engine, council_id, _curriculum(settings), SystemClock().now())
    elif answers:
        lines = answers_csv(engine, council_id)
    else:
        lines = progress_csv(engine, council_id, _curriculum(settings))
    rows = -1  # the header is not a row
    for line in lines:
        sys.stdout.write(line)
        rows += 1
    kind = "standing" if standing else "answers" if answers else "progress"
    _audit(engine, council_id, f"export.{kind}_csv", council, rows)


@export_app.command("xapi")
def export_xapi(council: Council, since: Since = None, db: Db = None) -> None:
    """Print a council's records as xAPI 1.0.3 statements, one JSON object per line."""
    from storage.xapi import json_lines

    settings, engine, council_id = _council(db, council)
    statements = _statements(settings, engine, council_id, _since(since))
    for line in json_lines(statements):
        sys.stdout.write(line)
    _audit(engine, council_id, "export.xapi", council, len(statements))


@export_app.command("lrs")
def export_lrs(council: Council, since: Since = None, db: Db = None) -> None:
    """Send a council's xAPI statements to the LRS set by CB_LRS_ENDPOINT (basic auth with
    CB_LRS_USERNAME and CB_LRS_PASSWORD). Statement ids are stable, so sending twice is safe."""
    from adapters.lrs import LrsError, post_statements
    from storage.xapi import XAPI_VERSION

    settings, engine, council_id = _council(db, council)
    if not settings.lrs_endpoint or not settings.lrs_username or settings.lrs_password is None:
        typer.echo(
            "Set CB_LRS_ENDPOINT, CB_LRS_USERNAME and CB_LRS_PASSWORD to send to an LRS.", err=True
        )
        raise typer.Exit(2)
    statements = _statements(settings, engine, council_id, _since(since))
    try:
        sent = post_statements(
            settings.lrs_endpoint,
            settings.lrs_username,
            settings.lrs_password.get_secret_value(),
            statements,
            XAPI_VERSION,
        )
    except LrsError as error:
        _audit(engine, council_id, "export.lrs_failed", council, 0)
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from error
    _audit(engine, council_id, "export.lrs", council, sent)
    typer.echo(f"Sent {sent} statements to the LRS.")


@export_app.command("effect")
def export_effect(council: Council, db: Db = None) -> None:
    """Print a council's learning-effect pre-tests and check-ups as CSV, one row per probe,
    answered or not (docs/learning.md)."""
    from storage.exports import probes_csv

    _settings, engine, council_id = _council(db, council)
    rows = -1  # the header is not a row
    for line in probes_csv(engine, council_id):
        sys.stdout.write(line)
        rows += 1
    _audit(engine, council_id, "export.effect_csv", council, rows)


@learner_app.command("erase")
def learner_erase(
    council: Council,
    learner: Annotated[int, typer.Option("--learner", help="The learner's id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    db: Db = None,
) -> None:
    """Erase a leaver: delete everything stored about one learner of a council."""
    from storage.gdpr import erase_by_admin

    _settings, engine, council_id = _council(db, council)
    if not yes and not typer.confirm(
        f"Erase everything about learner {learner} of {council}? This cannot be undone."
    ):
        raise typer.Exit(1)
    try:
        actor = Actor.command_line(council_id)
        counts = erase_by_admin(engine, actor, learner, dt.datetime.now(dt.UTC))
    except LookupError:
        typer.echo(f"There is no learner {learner} in the council {council}.", err=True)
        raise typer.Exit(1) from None
    deleted = sum(counts.values())
    typer.echo(f"Erased learner {learner} of {council}: {deleted} records deleted.")


def xapi_options(settings: Settings) -> XapiOptions:
    """How statements name the service and learners, from settings."""
    from storage.xapi import XapiOptions

    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return XapiOptions(base.rstrip("/"), settings.xapi_actor_email)


def _council(db: str | None, code: str) -> tuple[Settings, Engine, int]:
    from sqlmodel import Session, select

    from storage.tables import Council

    settings = cli_settings(database_url=db)
    engine = migrated_engine(db)
    with Session(engine) as session:
        council = session.exec(select(Council).where(Council.code == code)).first()
    if council is None or council.id is None:
        typer.echo(f"There is no council with the code {code}.", err=True)
        raise typer.Exit(1)
    return settings, engine, council.id


def _statements(
    settings: Settings, engine: Engine, council_id: int, since: dt.datetime | None
) -> list[dict[str, object]]:
    from storage.xapi import xapi_statements

    curriculum = _curriculum(settings)
    return xapi_statements(engine, council_id, xapi_options(settings), curriculum, since)


def _curriculum(settings: Settings) -> Curriculum:
    from lessons.loader import default_pack_paths, load_curriculum

    return load_curriculum([*default_pack_paths(), *settings.content_packs])


def _since(raw: str | None) -> dt.datetime | None:
    if raw is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        typer.echo(f"--since: {raw!r} is not a date like 2026-03-02", err=True)
        raise typer.Exit(2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _audit(engine: Engine, council_id: int, action: str, council: str, rows: int) -> None:
    from storage.audit import audit

    now = dt.datetime.now(dt.UTC)
    audit(engine, Actor.command_line(council_id), action, f"council:{council}", now, rows=rows)
