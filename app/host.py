"""The FastAPI host: health and readiness, the web chat, and the in-process ticker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, text
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from adapters.webchat.adapter import webchat_router
from app.abuse import AbuseLimits, AddressLimits, CounterFactory
from app.body_limit import BodyLimit
from app.settings import proxy_list
from app.wiring import (
    Services,
    dashboard_deps,
    slack_data,
    teams_config,
    teams_configured,
    telegram_config,
)
from dashboard.content import MAX_ZIP_BYTES
from dashboard.routes import dashboard_router
from runtime.metrics import render
from runtime.ticker import Ticker
from storage.migrate import is_current


def create_app(services: Services) -> FastAPI:
    """The ASGI app serving Contract Bites."""
    ticker = Ticker(services.jobs())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if services.settings.scheduler:
            ticker.start()
        try:
            yield
        finally:
            ticker.shutdown()

    app = FastAPI(
        title="Contract Bites",
        description="Chat-first micro-learning of contract and relationship management.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # the routes are for platforms and browsers, not a public API
    )
    _add_middleware(app, services)
    _add_health_routes(app, services)
    _add_chat_channels(app, services)
    _add_pages(app, services)
    return app


def _add_middleware(app: FastAPI, services: Services) -> None:
    """Body limits, abuse limits and the trusted proxies' view of the client."""
    # Every route's body is limited while it streams in; a pack upload may be a little
    # larger than the biggest zip the dashboard accepts (the multipart framing).
    app.add_middleware(BodyLimit, limits={"/dashboard/content/upload": MAX_ZIP_BYTES + 2**16})
    settings = services.settings
    app.add_middleware(
        AddressLimits,
        limits=AbuseLimits(settings.new_chats_per_hour, settings.sign_ins_per_10_minutes),
        seconds=lambda: services.clock.now().timestamp(),
        counters=shared_counters(services.engine),
    )
    # Outermost: the client's address and scheme as the trusted proxies report them, the
    # same however the app is served (uvicorn's own proxy handling is off in `bites serve`).
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxy_list(settings.trusted_proxies))


def _add_health_routes(app: FastAPI, services: Services) -> None:
    """`/healthz` (alive) and `/readyz` (database up, migrations current)."""

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """Alive: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        """Ready: the database answers and its migrations are current."""
        try:
            with services.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            current = is_current(services.engine)
        except Exception:  # any database failure means "not ready", never a traceback
            return JSONResponse({"status": "database unreachable"}, status_code=503)
        if not current:
            return JSONResponse({"status": "migrations pending"}, status_code=503)
        return JSONResponse({"status": "ready"})


def _add_chat_channels(app: FastAPI, services: Services) -> None:
    """The webhooks of the chat platforms that are configured: Teams, Telegram, Slack."""
    if teams_configured(services.settings):
        # Imported here: the Teams SDK is heavy and only needed when the channel is on.
        from adapters.teams.adapter import TeamsChannel

        teams = TeamsChannel(
            teams_config(services.settings),
            services.bot.handle,
            lambda tenant: services.store.council_code_for("teams", tenant),
            services.clock,
        )
        app.include_router(teams.router())

    telegram = telegram_config(services.settings)
    if telegram is not None:
        # The router carries the channel's lifespan: PTB starts and stops with the host.
        from adapters.telegram.adapter import telegram_router

        app.include_router(telegram_router(telegram, services.bot.handle, services.clock))

    if services.settings.slack_signing_secret is not None:
        # Imported here: slack-bolt loads only when the channel is configured.
        from adapters.slack.factory import build_slack_channel

        data = slack_data(services)
        slack = build_slack_channel(services.settings, services.bot, data, services.clock)
        if slack is not None:
            app.state.slack = slack  # lets tests and shutdown wait for its background work
            app.include_router(slack.router())


def _add_pages(app: FastAPI, services: Services) -> None:
    """The metrics, the dashboard and the web chat, each when switched on."""
    if services.settings.metrics:

        @app.get("/metrics", include_in_schema=False)
        def metrics() -> Response:
            """Prometheus metrics: deliveries by status and platform, queue, lag, latency."""
            return Response(render(services.metrics), media_type=CONTENT_TYPE_LATEST)

    if services.settings.dashboard:
        app.include_router(dashboard_router(dashboard_deps(services)))

    if services.settings.webchat:
        app.include_router(webchat_router(services.bot.handle, services.clock, services.outbox))

        @app.get("/", include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse("/chat")


def shared_counters(engine: Engine) -> CounterFactory | None:
    """The abuse limits' counters in the database on PostgreSQL (several processes share
    them); None on SQLite, whose one process counts in memory."""
    if engine.dialect.name != "postgresql":
        return None
    from storage.address_events import SqlWindow

    return lambda kind, limit, seconds: SqlWindow(engine, kind, limit, seconds)
