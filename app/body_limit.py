"""Request body limits, enforced while the body streams in (an ASGI middleware).

A route reads its body through this middleware, which counts the bytes: a request that
declares a `Content-Length` over the route's limit is answered 413 before any of its body is
read, and one that streams past the limit (chunked, or lying about its length) is cut off at
the limit and answered 413. No route ever holds more than its limit in memory.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY = 1024 * 1024  # webhooks, web chat and dashboard forms: far more than enough


class _TooLargeError(Exception):
    """The body went past the route's limit while streaming in."""


class BodyLimit:
    """Answers 413 to any request whose body is over its path's limit: the longest prefix
    in `limits` that the path starts with, else `default`."""

    def __init__(
        self, app: ASGIApp, limits: Mapping[str, int] | None = None, default: int = DEFAULT_MAX_BODY
    ) -> None:
        self._app = app
        self._limits = sorted((limits or {}).items(), key=lambda item: -len(item[0]))
        self._default = default

    def limit_for(self, path: str) -> int:
        """The most bytes a request to `path` may send."""
        return next(
            (size for prefix, size in self._limits if path.startswith(prefix)), self._default
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLargeError
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, counted, watched)
        except _TooLargeError:
            if not started:
                await _refuse(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length before we see it
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"error": f"the request body is larger than {limit} bytes"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
