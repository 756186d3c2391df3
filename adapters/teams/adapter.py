"""The Teams transport: the Microsoft Teams SDK app behind POST /api/messages on our host.

The SDK does what it is good at: it checks the Bot Framework token on every request (or,
in development only, lets unauthenticated requests through), parses the activity into its
typed models, routes it to our one handler and posts our replies to the activity's
serviceUrl with the bot's token. We give the SDK a small `HttpServerAdapter` (its
documented extension point for other web frameworks) that hands the messaging route to our
FastAPI router, so the route lives on the project's host next to the web chat and the
health checks instead of on a second FastAPI app the SDK would build and serve itself.

Our handler reads the activity with `convert.read_activity`, looks up the council for the
tenant, calls the bot (synchronous database work, so on a worker thread) and sends the
replies. In a group chat or channel it never runs the bot: it points the officer to the
1:1 chat, so no score is ever posted where others can see it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from microsoft_teams.api.activities import Activity
from microsoft_teams.apps import ActivityContext, App
from microsoft_teams.apps.auth import InboundActivityTokenValidator
from microsoft_teams.apps.http.adapter import (
    HttpMethod,
    HttpRequest,
    HttpRouteHandler,
)

from adapters.teams.config import TeamsConfig
from adapters.teams.convert import (
    Turn,
    TurnKind,
    card_response,
    locked_card,
    message_response,
    read_activity,
    text_activity,
    to_activity,
)
from adapters.teams.telemetry import bound_sdk_metrics
from adapters.teams.texts import ENGLISH, TeamsTexts
from bot.messages import Inbound, Outbound
from bot.ports import Clock

log = logging.getLogger(__name__)

ENDPOINT = "/api/messages"
Handler = Callable[[Inbound], list[Outbound]]
CouncilForTenant = Callable[[str], "str | None"]
# An invoke response as the SDK takes it from a handler: {"status": …, "body": …}.
Reply = dict[str, Any] | None


class _RouteHandOver:
    """An SDK `HttpServerAdapter` that keeps the SDK's messaging handler for our router."""

    def __init__(self) -> None:
        self.handler: HttpRouteHandler | None = None

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        """Called by the SDK when it initialises: keep the handler of /api/messages."""
        if method == "POST" and path == ENDPOINT:
            self.handler = handler

    def serve_static(self, path: str, directory: str) -> None:
        """Not used: the bot serves no pages through the SDK."""

    async def start(self, port: int) -> None:
        """Not used: our host (uvicorn) serves the routes."""
        raise NotImplementedError("the Contract Bites host serves /api/messages")

    async def stop(self) -> None:
        """Nothing to stop."""


class TeamsChannel:
    """The Teams bot endpoint: the SDK app, our activity handler and the FastAPI route."""

    def __init__(
        self,
        config: TeamsConfig,
        handle: Handler,
        council_for_tenant: CouncilForTenant,
        clock: Clock,
        texts: TeamsTexts = ENGLISH,
    ) -> None:
        bound_sdk_metrics()  # the SDK makes counters per activity; keep them from piling up
        self._handle = handle
        self._council_for_tenant = council_for_tenant
        self._clock = clock
        self._texts = texts
        self._route = _RouteHandOver()
        self._ready = asyncio.Lock()
        if config.dev_bypass:
            log.warning("Teams token validation is OFF (CB_TEAMS_DEV_BYPASS): development only")
        self._sdk = App(
            client_id=config.app_id,
            client_secret=config.app_password,
            tenant_id=config.tenant_id,
            cloud=config.cloud_environment,
            dangerously_allow_unauthenticated_requests=config.dev_bypass,
            http_server_adapter=self._route,
            messaging_endpoint=ENDPOINT,
        )
        self._sdk.on_activity(self._on_activity)
        # Checks the token's signature, issuer, audience and expiry before the body is read,
        # so an unauthenticated caller never gets a body parsed; the SDK checks it again
        # with the activity's serviceUrl once the body is read.
        self._validator = (
            None
            if config.dev_bypass or not config.app_id
            else InboundActivityTokenValidator(config.app_id, cloud=config.cloud_environment)
        )

    def router(self) -> APIRouter:
        """The POST /api/messages route for the host."""
        router = APIRouter()

        @router.post(ENDPOINT, include_in_schema=False)
        async def messages(request: Request) -> Response:
            if not await self._signed(request.headers.get("authorization", "")):
                return JSONResponse({"error": "Unauthorized"}, status_code=401)
            try:
                body = json.loads(await request.body())
            except ValueError:
                return JSONResponse({"error": "the body is not JSON"}, status_code=400)
            if not isinstance(body, dict):
                return JSONResponse({"error": "send one activity object"}, status_code=400)
            handler = await self._sdk_handler()
            result = await handler(HttpRequest(body=body, headers=dict(request.headers)))
            if result.get("body") is None:
                return Response(status_code=result["status"])
            return JSONResponse(result["body"], status_code=result["status"])

        return router

    async def _signed(self, authorization: str) -> bool:
        """Whether the request carries a valid Bot Framework token (always, with the
        development bypass)."""
        if self._validator is None:
            return True
        if not authorization.startswith("Bearer "):
            return False
        try:
            await self._validator.validate_token(authorization.removeprefix("Bearer "))
        except Exception:  # any failure to validate (bad token, keys unreachable) refuses
            log.warning("teams request refused: token not valid")
            return False
        return True

    async def _sdk_handler(self) -> HttpRouteHandler:
        # The SDK registers its route in an async initialise; do it once, on first use,
        # so the host needs no start-up hook and tests can drive the app directly.
        async with self._ready:
            if self._route.handler is None:
                await self._sdk.initialize()
        assert self._route.handler is not None
        return self._route.handler

    async def _on_activity(self, ctx: ActivityContext[Activity]) -> Reply:
        turn = read_activity(ctx.activity, self._clock.now())
        log.info(
            "teams activity",
            extra={"activity_type": ctx.activity.type, "turn": turn.kind.value},
        )
        if turn.kind is TurnKind.IGNORE:
            return None
        if turn.kind is TurnKind.GROUP:
            return await self._say(ctx, turn, self._texts.group_redirect)
        replies = await anyio.to_thread.run_sync(self._handle_for_tenant, turn)
        if replies is None:
            return await self._say(ctx, turn, self._texts.unknown_tenant)
        for reply in replies:
            await ctx.send(to_activity(reply, self._texts))
        if turn.kind is TurnKind.PRESS:
            answered = any(reply.answers_question for reply in replies)
            return _invoke(card_response(locked_card(turn, answered, self._texts)))
        return None

    def _handle_for_tenant(self, turn: Turn) -> list[Outbound] | None:
        """The bot's replies, or None when the tenant is not registered to a council
        (then nothing is recorded: the bot is not called at all)."""
        assert turn.inbound is not None
        code = self._council_for_tenant(turn.tenant_id) if turn.tenant_id else None
        if code is None:
            log.info("teams tenant not registered", extra={"tenant": turn.tenant_id})
            return None
        return self._handle(replace(turn.inbound, council_hint=code))

    async def _say(self, ctx: ActivityContext[Activity], turn: Turn, text: str) -> Reply:
        # A card press must be answered in the invoke response; anything else gets a message.
        if turn.kind is TurnKind.PRESS or ctx.activity.type == "invoke":
            return _invoke(message_response(text))
        await ctx.send(text_activity(text))
        return None


def _invoke(body: dict[str, Any]) -> dict[str, Any]:
    return {"status": 200, "body": body}
