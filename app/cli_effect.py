"""`bites effect`: the learning-effect measure of a council, as a table or JSON (issue 13)."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli_common import cli_settings, migrated_engine

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from storage.capability import Distribution, EffectBenchmark


def register(app: typer.Typer) -> None:
    """Add `bites effect` to the main command line."""
    app.command("effect")(effect)


def effect(
    council: Annotated[str, typer.Option("--council", help="The council's code.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: DATABASE_URL or the embedded one)."),
    ] = None,
) -> None:
    """Refreshed against held-out points at 30 and 90 days, with 95% intervals, for the
    council, its teams (5 learners or more) and its modules, and the council's difference
    beside the anonymous benchmark of all councils (docs/learning.md)."""
    from bot.effect import as_dict, summary_text
    from dashboard.effect_view import benchmark_rows
    from lessons.loader import default_pack_paths, load_curriculum
    from storage.capability import effect_benchmark
    from storage.effect_report import SqlEffect

    settings = cli_settings()
    curriculum = load_curriculum([*default_pack_paths(), *settings.content_packs])
    engine = migrated_engine(db)
    result = SqlEffect(engine, curriculum).council(council)
    if result is None:
        typer.echo(f"No council with the code {council!r}.", err=True)
        raise typer.Exit(1)
    across = effect_benchmark(engine, _council_id(engine, council))
    if as_json:
        payload = {
            "council": as_dict(result.council),
            "teams": [as_dict(team) for team in result.teams],
            "teams_withheld": result.teams_withheld,
            "modules": [as_dict(module) for module in result.modules],
            "across_councils": _across(across),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(f"Learning effect: {result.council.name} ({result.council.learners} learners)")
    for delay in result.council.at:
        typer.echo(f"- {summary_text(delay)}")
    gain = result.council.gain_points
    if gain is not None:
        typer.echo(f"- Gain over the pre-test, refreshed points: {gain:+.0f} points.")
    if result.teams_withheld:
        typer.echo(f"{result.teams_withheld} team(s) with fewer than 5 learners are not shown.")
    for team in result.teams:
        typer.echo(f"Team {team.name}: {summary_text(team.at[-1])}")
    typer.echo("Across councils:")
    for label, text in benchmark_rows(across):
        typer.echo(f"- {label}: {text}.")


def _council_id(engine: Engine, code: str) -> int:
    from sqlmodel import Session, select

    from storage.tables import Council

    with Session(engine) as session:
        found = session.exec(select(Council.id).where(Council.code == code)).one()
    return found or 0


def _across(found: EffectBenchmark) -> dict[str, object]:
    """The benchmark as plain values (points, one decimal; None where withheld)."""

    def spread(values: Distribution | None) -> dict[str, float | int] | None:
        return dataclasses.asdict(values) if values else None

    def points(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "days": found.day,
        "difference_points": points(found.difference),
        "difference_ci": [points(found.low), points(found.high)],
        "pairs": found.pairs,
        "all_councils": spread(found.all_councils),
        "tier": spread(found.tier),
        "min_councils": found.min_councils,
    }
