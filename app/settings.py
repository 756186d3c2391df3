"""Settings from the environment (or a .env file), each with a clear error if wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/contract-bites.db"


class Settings(BaseSettings):
    """Contract Bites settings. Environment variables start with CB_, except DATABASE_URL."""

    model_config = SettingsConfigDict(env_prefix="CB_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "CB_DATABASE_URL"),
        description="SQLAlchemy URL: sqlite:///path or postgresql://user@host/db",
    )
    host: str = Field(default="127.0.0.1", description="address the web service listens on")
    port: int = Field(default=8080, ge=1, le=65535, description="port the web service listens on")
    content_packs: list[Path] = Field(
        default_factory=list,
        description="extra content pack folders loaded after the built-in curriculum",
    )
    demo_council: bool = Field(default=True, description="create the demo council on start")
    webchat: bool = Field(default=True, description="serve the local web chat at /chat")
    scheduler: bool = Field(default=True, description="run the scheduler ticks in-process")
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the environment variable."""


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise SettingsError naming each bad variable and what it should be."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "?"
            variable = "DATABASE_URL" if field == "database_url" else f"CB_{field.upper()}"
            # Never echo a database URL: it may carry a password.
            shown = "" if field == "database_url" else f" (got {problem.get('input')!r})"
            lines.append(f"{variable}: {problem['msg']}{shown}")
        raise SettingsError("bad setting(s):\n" + "\n".join(lines)) from error
