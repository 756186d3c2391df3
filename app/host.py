"""The FastAPI host: health and readiness, the web chat, and the in-process ticker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from adapters.webchat.adapter import webchat_router
from app.wiring import Services
from scheduler.ticker import Ticker
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
    )

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

    if services.settings.webchat:
        app.include_router(webchat_router(services.bot.handle, services.clock))

        @app.get("/", include_in_schema=False)
        def root() -> RedirectResponse:
            return RedirectResponse("/chat")

    return app
