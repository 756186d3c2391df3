"""`bites slack …`: the app manifest, the token key, workspaces and councils, Socket Mode."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli_common import cli_settings, migrated_engine
from app.settings import Settings

if TYPE_CHECKING:
    from adapters.slack.config import SlackConfig
    from app.wiring import Services

slack_app = typer.Typer(
    rich_markup_mode=None,
    help="The Slack channel: app manifest, workspaces and councils, Socket Mode.",
    no_args_is_help=True,
)


def _config(settings: Settings) -> SlackConfig:
    from adapters.slack.config import SlackConfigError, slack_config

    try:
        config = slack_config(settings)
    except SlackConfigError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error
    if config is None:
        typer.echo("CB_SLACK_SIGNING_SECRET is not set: Slack is not configured.", err=True)
        raise typer.Exit(2)
    return config


@slack_app.command("manifest")
def manifest(
    public_url: Annotated[
        str | None, typer.Option(help="The service's public https address (CB_PUBLIC_URL).")
    ] = None,
    name: Annotated[str, typer.Option(help="The app's name in Slack.")] = "Contract Bites",
    socket_mode: Annotated[
        bool, typer.Option(help="For Socket Mode: no request URLs are needed.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of YAML.")] = False,
) -> None:
    """Print the Slack app manifest: paste it at api.slack.com/apps → Create New App."""
    import yaml

    from adapters.slack.manifest import app_manifest

    url = public_url or cli_settings().public_url
    try:
        document = app_manifest(url, name=name, socket_mode=socket_mode)
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(json.dumps(document, indent=2))
    else:
        typer.echo(
            yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1000), nl=False
        )


@slack_app.command("token-key")
def token_key() -> None:
    """Print a new key for CB_SLACK_TOKEN_KEY (it encrypts stored workspace tokens)."""
    from adapters.slack.installations import TokenCipher

    typer.echo(TokenCipher.new_key())


@slack_app.command("link-workspace")
def link_workspace(
    council: Annotated[str, typer.Option(help="The council's code (bites council add --code).")],
    team: Annotated[str, typer.Option(help="The Slack workspace (team) id, like T0123ABCD.")],
    unlink: Annotated[bool, typer.Option(help="Remove the link instead.")] = False,
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """Link a Slack workspace to a council: its officers join that council on first contact."""
    from storage.store import SqlStore

    engine = migrated_engine(db)
    if not SqlStore(engine).register_tenant(council, "slack", None if unlink else team):
        typer.echo(f"No council {council!r}; see `bites council add`.", err=True)
        raise typer.Exit(1)
    done = "unlinked from" if unlink else "linked to"
    typer.echo(f"Slack workspace {team} {done} council {council}.")


@slack_app.command("workspaces")
def workspaces(
    db: Annotated[str | None, typer.Option("--db", help="Database URL.")] = None,
) -> None:
    """List the workspaces that installed the app, and the council each is linked to."""
    from adapters.slack.factory import installation_store
    from runtime.clock import SystemClock
    from storage.db import make_engine
    from storage.migrate import upgrade
    from storage.store import SqlStore
    from storage.workspaces import SqlWorkspaces

    settings = cli_settings(database_url=db)
    config = _config(settings)
    if not config.multi_workspace:
        typer.echo("Single-workspace mode (CB_SLACK_BOT_TOKEN): nothing is installed by OAuth.")
        return
    engine = make_engine(settings.database_url)
    upgrade(engine)
    store = SqlStore(engine)
    installations = installation_store(config, SqlWorkspaces(engine), SystemClock())
    for workspace in installations.workspaces():
        council = store.council_code_for("slack", workspace.team_id) or "(not linked)"
        installed = workspace.installed_at.strftime("%Y-%m-%d")
        typer.echo(f"{workspace.team_id}  {workspace.team_name or ''}  {installed}  {council}")


@slack_app.command("socket-mode")
def socket_mode(
    host: Annotated[str | None, typer.Option(help="Address to listen on (CB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (CB_PORT).")] = None,
) -> None:
    """Run the service with Slack over Socket Mode (no public HTTPS endpoint needed)."""
    from app.logs import configure_logging
    from app.wiring import build_services

    settings = cli_settings(host=host, port=port)
    config = _config(settings)
    if not config.app_token:
        typer.echo("Socket Mode needs CB_SLACK_APP_TOKEN (an xapp- app-level token).", err=True)
        raise typer.Exit(2)
    configure_logging(settings.log_level, settings.log_format)
    services = build_services(settings)
    typer.echo(
        f"Contract Bites is running; Slack over Socket Mode. Web: {settings.host}:{settings.port}"
    )
    asyncio.run(serve_with_socket_mode(services))


async def serve_with_socket_mode(services: Services) -> None:
    """The web service (web chat, health, scheduler) plus a Socket Mode connection to Slack,
    in one event loop; the connection closes when the server stops."""
    import uvicorn

    from adapters.slack.factory import build_slack_channel
    from app.host import create_app
    from app.wiring import slack_data

    settings = services.settings
    channel = build_slack_channel(settings, services.bot, slack_data(services), services.clock)
    assert channel is not None
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(services),
            host=settings.host,
            port=settings.port,
            log_config=None,
            server_header=False,
        )
    )
    async with channel.socket_mode_connection():
        await server.serve()
