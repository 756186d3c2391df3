"""Per-address limits on what anyone can do without signing in (an ASGI middleware).

- New web chats: each browser's first message creates a learner, and a chat id is only a
  cookie anyone can make up, so each address may start at most `new_chats` new chats an
  hour (messages from chats it has started already always pass).
- Dashboard sign-in: each address may try at most `sign_ins` sign-in links in 10 minutes
  (showing a link's page, or pressing its button).

Over the limit the answer is 429 with Retry-After. On SQLite (one process) the counts live
in this process's memory; on PostgreSQL they are kept in the database
(`storage.address_events`), so the limits hold however many processes serve. The client
address is the one the trusted proxies report (`CB_TRUSTED_PROXIES`).
"""

from __future__ import annotations

import json
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Protocol

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_ADDRESSES = 10_000  # addresses remembered at once; the oldest are forgotten first
CHAT_WINDOW = 3600.0
SIGN_IN_WINDOW = 600.0
CHAT_COOKIE = "cb_chat"  # adapters.webchat.adapter.COOKIE
CHAT_PATH = "/chat/api/messages"
SIGN_IN_PATH = "/dashboard/signin"


class Window:
    """Per key, the events of the last `seconds`; at most `limit` of them are allowed."""

    def __init__(self, limit: int, seconds: float) -> None:
        self._limit = limit
        self._seconds = seconds
        self._events: OrderedDict[str, deque[tuple[float, str]]] = OrderedDict()

    def allow(self, key: str, now: float, tag: str = "") -> bool:
        """Record an event for `key` if it is within the limit; an event whose `tag` the
        key already has in the window is always allowed (and not counted again)."""
        events = self._events.pop(key, None) or deque()
        while events and events[0][0] <= now - self._seconds:
            events.popleft()
        allowed = bool(tag) and any(seen == tag for _at, seen in events)
        if not allowed and len(events) < self._limit:
            events.append((now, tag))
            allowed = True
        self._events[key] = events  # most recently used last
        while len(self._events) > MAX_ADDRESSES:
            self._events.popitem(last=False)
        return allowed

    def retry_after(self, key: str, now: float) -> int:
        """Seconds until `key` may act again."""
        events = self._events.get(key)
        oldest = events[0][0] if events else now
        return max(1, int(oldest + self._seconds - now) + 1)


class Counter(Protocol):
    """Counts events per address in a window: `Window` here, or one in the database."""

    def allow(self, key: str, now: float, tag: str = "") -> bool:
        """Record an event if within the limit."""
        ...

    def retry_after(self, key: str, now: float) -> int:
        """Seconds until the key may act again."""
        ...


# Makes the two counters for the limits: (kind, limit, seconds) -> counter.
CounterFactory = Callable[[str, int, float], Counter]


@dataclass(frozen=True)
class AbuseLimits:
    """How many new web chats (an hour) and sign-in attempts (in 10 minutes) an address
    may make."""

    new_chats: int = 20
    sign_ins: int = 10


class AddressLimits:
    """The middleware: counts new web chats and sign-in attempts per client address."""

    def __init__(
        self,
        app: ASGIApp,
        limits: AbuseLimits,
        seconds: Callable[[], float],
        counters: CounterFactory | None = None,
    ) -> None:
        self._app = app
        self._seconds = seconds  # the service clock, as a POSIX timestamp
        make = counters or (lambda _kind, limit, window: Window(limit, window))
        self._shared = counters is not None  # database counts: off the event loop
        self._chats = make("chat", limits.new_chats, CHAT_WINDOW)
        self._sign_ins = make("sign_in", limits.sign_ins, SIGN_IN_WINDOW)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _counted(scope):
            if self._shared:
                refused = await anyio.to_thread.run_sync(self._refusal, scope)
            else:
                refused = self._refusal(scope)
            if refused is not None:
                await _too_many(send, *refused)
                return
        await self._app(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        path, method = scope["path"], scope["method"]
        address = scope["client"][0] if scope.get("client") else "unknown"
        now = self._seconds()
        if path == CHAT_PATH and method == "POST":
            chat = _cookie(scope, CHAT_COOKIE)
            if chat and not self._chats.allow(address, now, chat):
                wait = self._chats.retry_after(address, now)
                return wait, "too many new chats from your address: try again later"
        attempt = path == SIGN_IN_PATH and (method == "POST" or bool(scope["query_string"]))
        if attempt and not self._sign_ins.allow(address, now):
            wait = self._sign_ins.retry_after(address, now)
            return wait, "too many sign-in attempts from your address: try again later"
        return None


def _counted(scope: Scope) -> bool:
    return scope["path"] in (CHAT_PATH, SIGN_IN_PATH)


def _cookie(scope: Scope, name: str) -> str | None:
    for header, value in scope["headers"]:
        if header == b"cookie":
            cookies: SimpleCookie = SimpleCookie()
            try:
                cookies.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header names no chat
                return None
            if name in cookies:
                return cookies[name].value
    return None


async def _too_many(send: Send, retry_after: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
