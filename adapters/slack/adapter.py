"""Slack transport: slack-bolt's AsyncApp on the FastAPI host (or Socket Mode).

Bolt verifies each request's signature and timestamp (401 otherwise), authorizes it with
the workspace's token from our installation store, and calls the listeners below. A
listener only acknowledges and starts the work as a background task, so Slack always has
its answer within its 3-second limit; the work (the bot's turn in a thread, then the Web
API calls) runs in order per conversation. `drain()` waits for that work: tests use it
instead of sleeping, and a shutdown can use it to finish what was started.

Re-deliveries are the bot's business: each Inbound carries Slack's event id (or the
interaction's trigger id) as `message_id`, and the bot ignores an id it has seen.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html import escape as html_escape
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request, Response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.state_utils import OAuthStateUtils
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.config import SlackConfig
from adapters.slack.convert import (
    ACTION_ID,
    action_team,
    action_to_inbound,
    command_to_inbound,
    locked_message,
    message_payload,
    message_to_inbound,
)
from adapters.slack.home import HomeSummary, home_view
from adapters.slack.installations import SqlInstallationStore, SqlOAuthStateStore
from adapters.slack.texts import ENGLISH, SlackTexts
from bot.messages import Inbound, Outbound
from bot.ports import Clock

log = logging.getLogger(__name__)
COMMAND = "/bites"
BOT_SCOPES = ("chat:write", "commands", "im:history", "im:write")
API_TIMEOUT_SECONDS = 15

Handler = Callable[[Inbound], list[Outbound]]


def sdk_logger() -> logging.Logger:
    """The logger handed to the Slack SDK clients. Held at WARNING whatever the service's
    level: the SDK's DEBUG lines include whole API responses, and OAuth responses carry
    tokens, which must never reach a log."""
    logger = logging.getLogger("slack_sdk.contract_bites")
    logger.setLevel(logging.WARNING)
    return logger


def bolt_logger() -> logging.Logger:
    """The logger handed to bolt: a third-party logger (see `app.logs`), so its INFO lines,
    such as a failed signature with the whole request body, never reach a log."""
    return logging.getLogger("slack_bolt.contract_bites")


def web_client(config: SlackConfig, token: str | None = None, *, patient: bool) -> AsyncWebClient:
    """A Web API client on the configured base URL. A `patient` client (for replies to
    what a user just did) retries once on a dropped connection or a 429; a client for
    scheduled deliveries must not, so the dispatcher can reschedule instead."""
    handlers = (
        [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
        if patient
        else []
    )
    return AsyncWebClient(
        token=token,
        base_url=config.api_url,
        timeout=API_TIMEOUT_SECONDS,
        logger=sdk_logger(),
        retry_handlers=handlers,
    )


@dataclass(frozen=True)
class SlackDeps:
    """What the channel needs from the rest of the service (all synchronous; the channel
    calls them from worker threads): the bot's handle seam, the council a workspace is
    registered to, and an officer's App Home numbers."""

    handle: Handler
    clock: Clock
    org_for_team: Callable[[str], str | None]
    read_home: Callable[[str], HomeSummary]


class SlackChannel:
    """The Slack channel: a bolt app with our listeners, and its FastAPI routes."""

    def __init__(
        self,
        config: SlackConfig,
        deps: SlackDeps,
        installations: SqlInstallationStore | None = None,
        states: SqlOAuthStateStore | None = None,
        texts: SlackTexts = ENGLISH,
    ) -> None:
        self._config = config
        self._deps = deps
        self._installations = installations
        self._texts = texts
        self._tasks: set[asyncio.Task[None]] = set()
        self._turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._app = self._build_app(states)
        self._register()

    @property
    def app(self) -> AsyncApp:
        """The bolt app (for Socket Mode or tests)."""
        return self._app

    def _build_app(self, states: SqlOAuthStateStore | None) -> AsyncApp:
        config = self._config
        if not config.multi_workspace:
            return AsyncApp(
                name="contract-bites",
                signing_secret=config.signing_secret,
                client=web_client(config, config.bot_token, patient=True),
                process_before_response=True,
                logger=bolt_logger(),
            )
        assert self._installations is not None and states is not None
        oauth = AsyncOAuthSettings(
            client_id=config.client_id,
            client_secret=config.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=f"{config.public_url.rstrip('/')}/slack/oauth_redirect"
            if config.public_url
            else None,
            install_page_rendering_enabled=False,
            installation_store=self._installations,
            installation_store_bot_only=True,
            state_store=states,
            callback_options=AsyncCallbackOptions(success=self._installed, failure=self._failed),
            logger=bolt_logger(),
        )
        return AsyncApp(
            name="contract-bites",
            signing_secret=config.signing_secret,
            client=web_client(config, patient=True),
            oauth_settings=oauth,
            installation_store_bot_only=True,
            process_before_response=True,
            logger=bolt_logger(),
        )

    def _register(self) -> None:
        app = self._app
        app.event("message")(self._on_message)
        app.event("app_home_opened")(self._on_home_opened)
        app.event("app_uninstalled")(self._on_uninstalled)
        app.event("tokens_revoked")(self._on_tokens_revoked)
        app.action(ACTION_ID)(self._on_action)
        app.command(COMMAND)(self._on_command)

    # ---- background work --------------------------------------------------------------

    def _spawn(self, key: str, work: Coroutine[Any, Any, None]) -> None:
        """Run work after the acknowledgement, in order with other work for `key`."""

        async def guarded() -> None:
            lock = self._turns.get(key)
            if lock is None:
                lock = self._turns[key] = asyncio.Lock()
            async with lock:
                try:
                    await work
                except Exception:  # one failed turn must not stop the channel
                    log.exception("slack work failed", extra={"key": key})

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every started piece of work has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _in_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(function, *args)

    # ---- listeners (bolt passes arguments by name) ----------------------------------

    async def _on_message(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        event = body.get("event") or {}
        self._spawn(str(event.get("user", "")), self._message_turn(body, client))

    async def _message_turn(self, body: Mapping[str, Any], client: AsyncWebClient) -> None:
        org = await self._in_thread(self._deps.org_for_team, str(body.get("team_id", "")))
        inbound = message_to_inbound(body, self._deps.clock.now(), org)
        if inbound is not None:
            await self._turn(client, inbound)

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id", ""))
        self._spawn(user, self._action_turn(body, client, user))

    async def _action_turn(
        self, body: Mapping[str, Any], client: AsyncWebClient, user: str
    ) -> None:
        channel = (body.get("channel") or {}).get("id") or await self._open_dm(client, user)
        org = await self._in_thread(self._deps.org_for_team, action_team(body))
        inbound = action_to_inbound(body, str(channel), self._deps.clock.now(), org)
        if inbound is not None:
            await self._turn(client, inbound, pressed=body)

    async def _on_command(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        user = str(body.get("user_id", ""))
        self._spawn(user, self._command_turn(body, client, respond, user))

    async def _command_turn(
        self, body: Mapping[str, Any], client: AsyncWebClient, respond: AsyncRespond, user: str
    ) -> None:
        channel = await self._open_dm(client, user)
        if channel != body.get("channel_id"):
            # Typed in a channel: learning stays in the DM; say so where they typed it.
            await respond(text=self._texts.answered_in_dm, response_type="ephemeral")
        org = await self._in_thread(self._deps.org_for_team, str(body.get("team_id", "")))
        await self._turn(client, command_to_inbound(body, channel, self._deps.clock.now(), org))

    async def _on_home_opened(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        event = body.get("event") or {}
        if event.get("tab") == "home" and event.get("user"):
            user = str(event["user"])
            self._spawn(user, self._publish_home(client, user))

    async def _on_uninstalled(self, body: dict[str, Any]) -> None:
        await self._forget_workspace(str(body.get("team_id", "")))

    async def _on_tokens_revoked(self, body: dict[str, Any]) -> None:
        # We hold only bot tokens, so a revoked bot token is the whole installation.
        tokens = (body.get("event") or {}).get("tokens") or {}
        if tokens.get("bot"):
            await self._forget_workspace(str(body.get("team_id", "")))

    # ---- the work ---------------------------------------------------------------------

    async def _turn(
        self, client: AsyncWebClient, inbound: Inbound, pressed: Mapping[str, Any] | None = None
    ) -> None:
        """One exchange: the bot decides (in a thread: it does database I/O), then the
        pressed question is locked, the replies posted, and the App Home refreshed."""
        replies: list[Outbound] = await self._in_thread(self._deps.handle, inbound)
        answered = False
        for reply in replies:
            if reply.answers_question and pressed is not None and not answered:
                await self._lock_question(client, pressed)
            answered = answered or reply.answers_question is not None
            await client.chat_postMessage(
                channel=inbound.ref.conversation_id,
                **message_payload(reply, self._texts.choose_button),
            )
        if answered:
            await self._publish_home(client, inbound.ref.user_id)

    async def _lock_question(self, client: AsyncWebClient, pressed: Mapping[str, Any]) -> None:
        locked = locked_message(pressed, self._texts.your_answer)
        if locked is None:
            return
        try:
            await client.chat_update(
                channel=locked.channel, ts=locked.ts, text=locked.text, blocks=list(locked.blocks)
            )
        except SlackApiError as error:  # e.g. the message was deleted: the feedback still goes
            log.warning("slack question not locked", extra={"error": error.response.get("error")})

    async def _publish_home(self, client: AsyncWebClient, user: str) -> None:
        summary: HomeSummary = await self._in_thread(self._deps.read_home, user)
        await client.views_publish(user_id=user, view=home_view(summary, self._texts))

    async def _open_dm(self, client: AsyncWebClient, user: str) -> str:
        response = await client.conversations_open(users=user)
        return str((response.get("channel") or {}).get("id", ""))

    async def _forget_workspace(self, team_id: str) -> None:
        if self._installations is None:
            log.warning("slack app uninstalled; update CB_SLACK_BOT_TOKEN", extra={"team": team_id})
            return
        await self._installations.async_delete_all(enterprise_id=None, team_id=team_id)

    # ---- OAuth result pages -------------------------------------------------------------

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        team = args.installation.team_name or args.installation.team_id or ""
        return _page(200, self._texts.install_done.format(team=team), args.settings.state_utils)

    async def _failed(self, args: AsyncFailureArgs) -> BoltResponse:
        body = self._texts.install_failed.format(reason=args.reason)
        return _page(args.suggested_status_code, body, args.settings.state_utils)

    # ---- transports ---------------------------------------------------------------------

    def router(self) -> APIRouter:
        """POST /slack/events (events, interactivity and commands); with OAuth also
        GET /slack/install and GET /slack/oauth_redirect."""
        handler = AsyncSlackRequestHandler(self._app)
        router = APIRouter(lifespan=self._lifespan)

        async def handle(request: Request) -> Response:
            return await handler.handle(request)

        router.add_api_route("/slack/events", handle, methods=["POST"], include_in_schema=False)
        if self._config.multi_workspace:
            for path in ("/slack/install", "/slack/oauth_redirect"):
                router.add_api_route(path, handle, methods=["GET"], include_in_schema=False)
        return router

    @asynccontextmanager
    async def _lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        # On shutdown, finish the replies already started rather than cut them off.
        yield
        await self.drain()

    @asynccontextmanager
    async def socket_mode_connection(self) -> AsyncIterator[AsyncSocketModeHandler]:
        """Connected to Slack over Socket Mode for the duration of the block; on leaving,
        the connection closes and started work is finished."""
        handler = self.socket_mode()
        await handler.connect_async()  # type: ignore[no-untyped-call]
        try:
            yield handler
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]
            await self.drain()

    def socket_mode(self) -> AsyncSocketModeHandler:
        """A Socket Mode connection for this app (needs the xapp- app-level token)."""
        if not self._config.app_token:
            raise ValueError("Socket Mode needs CB_SLACK_APP_TOKEN (an xapp- token)")
        return AsyncSocketModeHandler(
            self._app, self._config.app_token, web_client=web_client(self._config, patient=True)
        )


def _page(status: int, message: str, state_utils: OAuthStateUtils) -> BoltResponse:
    html = (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Contract Bites</title>'
        f"<body><p>{html_escape(message)}</p></body></html>"
    )
    return BoltResponse(
        status=status,
        body=html,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": [state_utils.build_set_cookie_for_deletion()],
        },
    )
