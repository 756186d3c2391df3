"""What every `bites` sub-command shares: settings that stop with a clear message, and
a migrated database engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from app.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine


def cli_settings(**overrides: object) -> Settings:
    """Settings from the environment with the given options on top (None: not given);
    a bad setting prints the variable's problem and exits with 2."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error


def migrated_engine(db: str | None) -> Engine:
    """An engine for `--db` (else DATABASE_URL), with the schema brought up to date."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(cli_settings(database_url=db).database_url)
    upgrade(engine)
    return engine


T = TypeVar("T")


def built_or_exit(factory: Callable[[], T]) -> T:
    """Build something that loads content; a broken pack ends the command with its
    file:line problems and exit status 1, not a traceback."""
    from lessons.problems import ContentError

    try:
        return factory()
    except ContentError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from error
