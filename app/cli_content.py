"""`bites content …`: check and describe content packs, and move questions to and from a
learning platform (GIFT)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli_common import built_or_exit

content_app = typer.Typer(
    rich_markup_mode=None, help="Check and describe content packs.", no_args_is_help=True
)
gift_app = typer.Typer(
    rich_markup_mode=None,
    help="Move questions to and from a learning platform (GIFT).",
    no_args_is_help=True,
)
content_app.add_typer(gift_app, name="gift")


def register(app: typer.Typer) -> None:
    """Add `bites content` to the main command line."""
    app.add_typer(content_app, name="content")


@content_app.command("validate")
def content_validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Pack folders (default: the built-in curriculum).")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on warnings too (for publishing checks).")
    ] = False,
) -> None:
    """Check packs; print every problem as file:line: what to fix. Exit 1 if any.

    Then print quality warnings as file:line: warning: … (answer cues, near-duplicate
    questions, sources that are not primary). Warnings do not stop a pack loading and exit 0
    unless --strict is given. A local pack is checked together with the built-in pack it
    extends."""
    from lessons.loader import default_pack_paths, validate_packs, with_base_packs
    from lessons.quality import quality_warnings

    packs, problems = validate_packs(with_base_packs(paths) if paths else default_pack_paths())
    for problem in problems:
        typer.echo(str(problem))
    warnings = quality_warnings(packs)
    for warning in warnings:
        typer.echo(f"{warning.path}:{warning.line}: warning: {warning.message}")
    modules = sum(len(p.modules) for p in packs)
    questions = sum(len(m.questions) for p in packs for m in p.modules)
    if problems:
        typer.echo(f"{len(problems)} problem(s) found.", err=True)
        raise typer.Exit(1)
    counted = f", {len(warnings)} warning(s)" if warnings else ""
    typer.echo(f"OK: {len(packs)} pack(s), {modules} modules, {questions} questions{counted}.")
    if warnings and strict:
        raise typer.Exit(1)


@content_app.command("stats")
def content_stats(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Pack folders (default: the built-in curriculum).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per module: id, track, estimated minutes, cards, questions and variants (questions
    that test a quiz question again in a new scenario); with totals."""
    from lessons.estimate import estimate_minutes
    from lessons.loader import default_pack_paths, validate_packs

    packs, _problems = validate_packs(paths or default_pack_paths())
    rows: list[dict[str, Any]] = [
        {
            "id": m.id,
            "pack": p.id,
            "track": m.track,
            "title": m.title,
            "estimated_minutes": estimate_minutes(m),
            "cards": len(m.cards),
            "questions": len(m.questions),
            "refresher_questions": sum(1 for q in m.questions if q.refresher),
            "variants": len(m.variants),
        }
        for p in packs
        for m in p.modules
    ]
    totals = {
        "modules": len(rows),
        "tracks": len({(r["pack"], r["track"]) for r in rows}),
        "estimated_minutes": sum(r["estimated_minutes"] for r in rows),
        "cards": sum(r["cards"] for r in rows),
        "questions": sum(r["questions"] for r in rows),
        "variants": sum(r["variants"] for r in rows),
    }
    if as_json:
        typer.echo(json.dumps({"modules": rows, "totals": totals}, indent=2))
        return
    for r in rows:
        typer.echo(
            f"{r['id']:48} {r['track']:>3} {r['estimated_minutes']:>3} min "
            f"{r['cards']:>2} cards {r['questions']:>2} questions"
        )
    typer.echo(f"{totals['modules']} modules, {totals['estimated_minutes']} minutes in all.")


@content_app.command("variables")
def content_variables() -> None:
    """List the council variables content may use, with the text shown when unset."""
    from lessons.render import COUNCIL_VARIABLES

    for name, placeholder in COUNCIL_VARIABLES.items():
        typer.echo(f"{{{{ council.{name} }}}}  (unset: {placeholder})")


@gift_app.command("export")
def gift_export(
    module_id: Annotated[str, typer.Argument(help="The module whose questions to export.")],
    pack: Annotated[
        list[Path] | None, typer.Option(help="Pack folders (default: built-in).")
    ] = None,
) -> None:
    """Print a module's questions in GIFT, the format Moodle and other platforms import."""
    from lessons.gift_export import export_gift
    from lessons.loader import default_pack_paths, load_curriculum, with_base_packs

    curriculum = built_or_exit(
        lambda: load_curriculum(with_base_packs(pack) if pack else default_pack_paths())
    )
    module = curriculum.module(module_id)
    if module is None:
        typer.echo(f"No module {module_id!r}; see `bites content stats`.", err=True)
        raise typer.Exit(1)
    typer.echo(export_gift(module), nl=False)


@gift_app.command("import")
def gift_import(
    file: Annotated[Path, typer.Argument(help="A GIFT file.", exists=True, dir_okay=False)],
) -> None:
    """Print a GIFT file's questions as module Markdown; problems as file:line. Exit 1 if any."""
    from lessons.gift import import_gift, questions_to_markdown

    questions, problems = import_gift(file.read_text("utf-8"), str(file))
    for problem in problems:
        typer.echo(str(problem), err=True)
    typer.echo(questions_to_markdown(questions), nl=False)
    if problems:
        raise typer.Exit(1)
