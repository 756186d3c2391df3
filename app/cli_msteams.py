"""`bites msteams …`: the Microsoft Teams app package for a council's admin, and tenant links.

The group was called `bites teams`, which read like `bites team` (a council's teams of
people); `bites teams` stays for one release as an alias that prints a deprecation note.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli_common import cli_settings, migrated_engine

msteams_app = typer.Typer(
    rich_markup_mode=None,
    help="Microsoft Teams: app package and tenant links.",
    no_args_is_help=True,
)
DEPRECATED_NOTE = (
    "Note: `bites teams` is now `bites msteams`; the old name goes in the next release."
)


def register(app: typer.Typer) -> None:
    """Add `bites msteams`, and `bites teams` as its deprecated alias for one release."""
    app.add_typer(msteams_app, name="msteams")
    app.add_typer(
        msteams_app,
        name="teams",
        callback=_deprecated_alias,
        help="Deprecated: the old name of `bites msteams` (removed in the next release).",
    )


def _deprecated_alias() -> None:
    # Runs before any `bites teams …` command; stderr keeps scripts' stdout unchanged.
    print(DEPRECATED_NOTE, file=sys.stderr)


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path else None


@msteams_app.command("manifest")
def manifest(
    out: Annotated[Path, typer.Option(help="Where to write the package (.zip).")] = Path(
        "contract-bites-teams.zip"
    ),
    app_id: Annotated[
        str | None, typer.Option(help="The bot's Microsoft App ID (default: CB_TEAMS_APP_ID).")
    ] = None,
    public_url: Annotated[
        str | None, typer.Option(help="The service's https address (default: CB_PUBLIC_URL).")
    ] = None,
    version: Annotated[str, typer.Option(help="The package version (semver).")] = "1.0.0",
    developer: Annotated[str, typer.Option(help="Publisher name shown in Teams.")] = (
        "Contract Bites"
    ),
    privacy_url: Annotated[
        str | None, typer.Option(help="Your privacy notice (default: PUBLIC_URL/privacy).")
    ] = None,
    terms_url: Annotated[
        str | None, typer.Option(help="Your terms of use (default: PUBLIC_URL/terms).")
    ] = None,
    color_icon: Annotated[
        Path | None, typer.Option(help="192×192 colour PNG (default: generated).", exists=True)
    ] = None,
    outline_icon: Annotated[
        Path | None,
        typer.Option(help="32×32 white-on-transparent PNG (default: generated).", exists=True),
    ] = None,
) -> None:
    """Build the app package a council's Teams admin uploads."""
    from adapters.teams.manifest import PackageError, PackageInfo, write_package

    settings = cli_settings()
    bot_id = app_id or settings.teams_app_id
    url = public_url or settings.public_url
    if not bot_id or not url:
        typer.echo("Give the bot id and public URL (CB_TEAMS_APP_ID, CB_PUBLIC_URL).", err=True)
        raise typer.Exit(2)
    info = PackageInfo(
        bot_id=bot_id,
        public_url=url,
        version=version,
        developer=developer,
        privacy_url=privacy_url,
        terms_url=terms_url,
        color_icon=_read(color_icon),
        outline_icon=_read(outline_icon),
    )
    try:
        write_package(info, out)
    except PackageError as error:
        typer.echo(f"Cannot build the package: {error}.", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Wrote {out}: upload it in the Teams admin centre (Manage apps → Upload).")


@msteams_app.command("link-tenant")
def link_tenant(
    council: Annotated[str, typer.Option(help="The council's code (bites council add --code).")],
    tenant: Annotated[str, typer.Option(help="The council's Microsoft Entra tenant id.")],
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """Link a council to its Microsoft 365 tenant: its officers join it from Teams."""
    from storage.store import SqlStore

    engine = migrated_engine(db)
    if not SqlStore(engine).register_tenant(council, "teams", tenant.strip()):
        typer.echo(f"No council {council!r}; add it with `bites council add` first.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Teams tenant {tenant.strip()} now belongs to council {council}.")
