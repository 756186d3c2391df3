"""Slack transport: slack-bolt's AsyncApp on the FastAPI host (or Socket Mode).

`SlackChannel` puts the parts together, each in its own module:

- `bolt_app`: the AsyncApp (signatures, the token from our installation store, OAuth);
- `listeners`: DMs, buttons and `/bites`, each acknowledged at once and its work run in
  the background (`background`), in order per officer;
- `replies`: the bot's turn and the messages posted in answer;
- `home`: the App Home tab; `uninstalls`: a workspace removing the app.

`drain()` waits for started work: tests use it instead of sleeping, and a shutdown
finishes what was started.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp

from adapters.slack.background import BackgroundWork
from adapters.slack.bolt_app import build_app
from adapters.slack.clients import web_client
from adapters.slack.config import SlackConfig
from adapters.slack.deps import SlackDeps
from adapters.slack.home import AppHome
from adapters.slack.installations import InstallationStore, OAuthStateStore
from adapters.slack.listeners import Listeners
from adapters.slack.replies import Replies
from adapters.slack.texts import ENGLISH, SlackTexts
from adapters.slack.uninstalls import Uninstalls


class SlackChannel:
    """The Slack channel: a bolt app with our listeners, and its FastAPI routes."""

    def __init__(
        self,
        config: SlackConfig,
        deps: SlackDeps,
        installations: InstallationStore | None = None,
        states: OAuthStateStore | None = None,
        texts: SlackTexts = ENGLISH,
    ) -> None:
        self._config = config
        self._work = BackgroundWork()
        self._app = build_app(config, installations, states, texts)
        home = AppHome(deps.read_home, self._work, texts)
        replies = Replies(deps.handle, home, texts)
        Listeners(deps, self._work, replies, texts).register(self._app)
        home.register(self._app)
        Uninstalls(installations).register(self._app)

    @property
    def app(self) -> AsyncApp:
        """The bolt app (for Socket Mode or tests)."""
        return self._app

    @property
    def work(self) -> BackgroundWork:
        """The work started after acknowledgements."""
        return self._work

    async def drain(self) -> None:
        """Wait until every started piece of work has finished."""
        await self._work.drain()

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
