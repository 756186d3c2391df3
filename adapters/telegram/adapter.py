"""Telegram transport: the webhook route, PTB's Application lifecycle and long polling.

Production: Telegram posts updates to `/telegram/webhook` with the secret token header;
each update is processed inside its request, so a failure answers 500 and Telegram
delivers the update again (the bot ignores an update id it has already handled). Local
use: `bites serve --telegram-polling` lets PTB's Updater fetch updates instead.

Updates are processed concurrently, but one chat's updates one at a time and in order
(a per-chat lock), so a learner's answers are recorded in the order given. PTB's JobQueue
is not used: proactive messages go through the scheduler's deliveries.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import secrets
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, CallbackContext, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from adapters.telegram.convert import (
    ALLOWED_UPDATES,
    ENGLISH,
    Incoming,
    PressedButton,
    TelegramTexts,
    UpdateKind,
    keyboard,
    locked_question_html,
    read_update,
    to_telegram_html,
)
from adapters.telegram.transport import AiohttpRequest
from bot.messages import Inbound, Outbound
from bot.ports import Clock

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
DEFAULT_API_URL = "https://api.telegram.org"
# While replying inside a webhook request, a 429 this short is waited out once; a longer
# one drops the rest of the replies (the learner can ask again with /next).
MAX_REPLY_WAIT_SECONDS = 5.0
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Handler = Callable[[Inbound], list[Outbound]]
Sleep = Callable[[float], Awaitable[None]]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TelegramConfig:
    """How to reach Telegram and how to take updates from it."""

    token: str
    secret_token: str = ""
    api_url: str = DEFAULT_API_URL
    polling: bool = False
    concurrency: int = 32
    # "aiohttp" (adapters/telegram/transport.py) or PTB's default "httpx"; see that module.
    transport: str = "aiohttp"
    # Threads running the bot's (synchronous, database-bound) handle at once. SQLite takes
    # one writer at a time and makes the others sleep-and-retry, so 1 is fastest there.
    bot_threads: int = 1


def build_application(config: TelegramConfig) -> AnyApplication:
    """PTB's Application: no JobQueue, no Updater unless polling, Bot API at `api_url`."""
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    builder = (
        Application.builder()
        .token(config.token)
        .base_url(f"{config.api_url}/bot")
        .base_file_url(f"{config.api_url}/file/bot")
        .job_queue(None)
        # The fetcher (polling only) hands out this many updates at once; the per-chat
        # lock below keeps each chat's order.
        .concurrent_updates(config.concurrency)
    )
    if config.transport == "aiohttp":
        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(pool_size=1))
    if not config.polling:
        builder = builder.updater(None)
    return builder.build()


class KeyedLocks:
    """One asyncio lock per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Hold the key's lock; waiters get it in the order they asked (FIFO)."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class TelegramChannel:
    """Takes Telegram updates to the bot and its replies back to Telegram."""

    def __init__(
        self,
        application: AnyApplication,
        handle: Handler,
        clock: Clock,
        config: TelegramConfig,
        texts: TelegramTexts = ENGLISH,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if not config.polling and not config.secret_token:
            raise ValueError(
                "the Telegram webhook needs a secret token (CB_TELEGRAM_SECRET_TOKEN), "
                "or use polling"
            )
        self._application = application
        self._handle = handle
        self._clock = clock
        self._config = config
        self._texts = texts
        self._sleep = sleep
        self._locks = KeyedLocks()
        self._slots = asyncio.Semaphore(config.concurrency)
        self._bot_threads = anyio.CapacityLimiter(config.bot_threads)
        # Polling hands updates to PTB's handlers; the webhook calls `process` directly.
        application.add_handler(TypeHandler(Update, self._on_polled_update))
        application.add_error_handler(self._on_error)

    @property
    def bot(self) -> Bot:
        """The Application's bot."""
        bot: Bot = self._application.bot
        return bot

    async def start(self) -> None:
        """Initialise PTB (getMe); when polling, also start fetching updates."""
        await self._application.initialize()
        if self._config.polling:
            assert self._application.updater is not None
            await self._application.start()
            await self._application.updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
        log.info("telegram channel started", extra={"polling": self._config.polling})

    async def stop(self) -> None:
        """Stop polling (if any) and release PTB's connections."""
        if self._config.polling and self._application.running:
            assert self._application.updater is not None
            await self._application.updater.stop()
            await self._application.stop()
        await self._application.shutdown()

    @asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        """Run the channel for as long as the host runs."""
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    def router(self) -> APIRouter:
        """The webhook route (none when polling), with the channel's lifespan attached."""
        router = APIRouter(lifespan=self.lifespan)
        if not self._config.polling:
            router.add_api_route(
                WEBHOOK_PATH, self._webhook, methods=["POST"], include_in_schema=False
            )
        return router

    async def _webhook(self, request: Request) -> Response:
        # Check the secret before reading the body: a refused request has no effect.
        sent = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not secrets.compare_digest(sent, self._config.secret_token.encode("utf-8")):
            return Response(status_code=401)
        update = self._parse(await request.body())
        if update is None:
            return Response(status_code=400)
        await self.process(update)
        return Response(status_code=200)

    def _parse(self, body: bytes) -> Update | None:
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return None
            return Update.de_json(data, self._application.bot)
        except Exception:  # any malformed update is the sender's problem: answer 400
            return None

    async def process(self, update: Update) -> None:
        """Handle one update: pass a learner's message to the bot and send its replies."""
        incoming = read_update(update, self._clock.now())
        if incoming.kind is UpdateKind.LEARNER:
            async with self._locks.hold(str(incoming.chat_id)), self._slots:
                await self._converse(incoming)
        elif incoming.kind is UpdateKind.GROUP:
            await self._explain_private_only(incoming)
        elif incoming.kind is UpdateKind.BAD_PRESS:
            await self._answer_press(incoming, self._texts.expired_button)
        elif incoming.kind is UpdateKind.BLOCKED:
            log.info("telegram learner blocked the bot", extra={"update": update.update_id})

    async def _converse(self, incoming: Incoming) -> None:
        assert incoming.inbound is not None and incoming.chat_id is not None
        try:
            replies = await anyio.to_thread.run_sync(
                self._handle, incoming.inbound, limiter=self._bot_threads
            )
        finally:
            # Always answer a press, even when handling failed, so the client stops waiting.
            await self._answer_press(incoming)
        await self._deliver(incoming.chat_id, incoming.pressed, replies)

    async def _deliver(
        self, chat_id: int, pressed: PressedButton | None, replies: list[Outbound]
    ) -> None:
        for reply in replies:
            if reply.answers_question is not None and pressed is not None:
                # Lock the question so a second press cannot answer it; if the edit
                # fails (say the message is too old to edit), the feedback still goes.
                await self._call(partial(self._lock_question, chat_id, pressed))
            sent = await self._call(partial(self._send, chat_id, reply))
            if not sent:
                return  # the rest would arrive out of order or not at all

    async def _lock_question(self, chat_id: int, pressed: PressedButton) -> object:
        return await self.bot.edit_message_text(
            locked_question_html(pressed, self._texts),
            chat_id=chat_id,
            message_id=pressed.message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
        )

    async def _send(self, chat_id: int, reply: Outbound) -> object:
        return await self.bot.send_message(
            chat_id,
            to_telegram_html(reply.text),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(reply.choices),
            link_preview_options=NO_PREVIEW,
        )

    async def _call(self, request: Callable[[], Awaitable[object]]) -> bool:
        """Make one Bot API call for a reply; True if Telegram took it."""
        for attempt in (1, 2):
            try:
                await request()
                return True
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if attempt == 2 or wait > MAX_REPLY_WAIT_SECONDS:
                    log.warning("telegram reply dropped: flood control", extra={"wait": wait})
                    return False
                await self._sleep(wait)
            except Forbidden:
                log.info("telegram reply refused: the learner blocked the bot")
                return False
            except TelegramError as error:
                log.warning("telegram reply failed", extra={"error": type(error).__name__})
                return False
        return False

    async def _answer_press(self, incoming: Incoming, alert: str | None = None) -> None:
        if incoming.callback_query_id is None:
            return
        try:
            await self.bot.answer_callback_query(
                incoming.callback_query_id,
                text=alert,
                show_alert=True if alert is not None else None,
            )
        except TelegramError as error:
            # A re-delivered press was answered the first time; Telegram says so with 400.
            log.info("telegram press not answered", extra={"error": type(error).__name__})

    async def _explain_private_only(self, incoming: Incoming) -> None:
        chat_id = incoming.chat_id
        if incoming.callback_query_id is not None:
            await self._answer_press(incoming, self._texts.private_only)
        elif chat_id is not None:
            await self._call(partial(self.bot.send_message, chat_id, self._texts.private_only))

    async def _on_polled_update(self, update: Update, _context: object) -> None:
        await self.process(update)

    async def _on_error(self, update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
        # PTB's default would log the whole update, message text included; log ids only.
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "telegram update failed",
            extra={"update": update_id, "error": type(context.error).__name__},
            exc_info=context.error,
        )


def retry_after_seconds(error: RetryAfter) -> float:
    """Telegram's Retry-After in seconds (PTB gives an int or a timedelta)."""
    with warnings.catch_warnings():
        # PTB warns that the int form is going; both forms are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def telegram_router(config: TelegramConfig, handle: Handler, clock: Clock) -> APIRouter:
    """The channel as a router to include in the host (its lifespan runs PTB)."""
    return TelegramChannel(build_application(config), handle, clock, config).router()
