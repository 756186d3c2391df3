"""Web chat transport: serves the page and a JSON endpoint on the FastAPI host.

A visitor is identified by a random id in an HttpOnly, SameSite=Strict cookie. Posts must
be JSON (which a cross-site HTML form cannot send), so another site cannot post as them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from adapters.page_headers import strict_page_headers
from adapters.webchat.convert import BadMessageError, shown_mine, to_inbound, to_json
from bot.messages import Inbound, Outbound
from bot.ports import Clock

COOKIE = "cb_chat"
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
_HERE = Path(__file__).parent

Handler = Callable[[Inbound], list[Outbound]]
Stored = list[tuple[int, dict[str, object]]]  # (id, message as the page renders it)


class Conversations(Protocol):
    """Where each visitor's conversation is kept (storage.outbox.SqlOutbox)."""

    def put(
        self, conversation_id: str, bodies: Sequence[dict[str, object]], at: dt.datetime
    ) -> list[int]:
        """Store messages, in order; return their ids."""
        ...

    def after(self, conversation_id: str, last_seen: int) -> Stored:
        """Messages with ids above `last_seen`, oldest first."""
        ...

    def recent(self, conversation_id: str, count: int = ...) -> Stored:
        """The last messages, oldest first."""
        ...

    def has_learner(self, conversation_id: str) -> bool:
        """Whether the visitor has written to the bot before."""
        ...


def webchat_router(
    handle: Handler, clock: Clock, conversations: Conversations | None = None
) -> APIRouter:
    """Routes for /chat (the page), /chat/static, /chat/api/messages and, with
    `conversations`, /chat/api/history (the conversation so far, for a reloaded page) and
    /chat/api/updates (the proactive messages the page polls for)."""
    router = APIRouter()
    templates = Environment(
        loader=FileSystemLoader(_HERE / "templates"), autoescape=select_autoescape(["html"])
    )
    static = StaticFiles(directory=_HERE / "static")

    @router.get("/chat", include_in_schema=False)
    def page(request: Request) -> HTMLResponse:
        html = templates.get_template("chat.html").render()
        response = HTMLResponse(html, headers=strict_page_headers())
        _ensure_cookie(request, response)
        return response

    @router.post("/chat/api/messages")
    async def post_message(request: Request) -> Response:
        return await _post_message(request, handle, clock, conversations)

    @router.get("/chat/api/history")
    async def get_history(request: Request) -> Response:
        user_id = request.cookies.get(COOKIE, "")
        if not _COOKIE_VALUE.match(user_id) or conversations is None:
            return JSONResponse({"messages": [], "known": False, "last": 0})
        return await _history(conversations, user_id)

    @router.get("/chat/api/updates")
    async def get_updates(request: Request, after: int = 0) -> Response:
        user_id = request.cookies.get(COOKIE, "")
        if not _COOKIE_VALUE.match(user_id):
            return _error(401, "open /chat first: it gives your browser a chat id")
        if conversations is None:
            return JSONResponse({"messages": [], "last": max(after, 0)})
        return await _updates(conversations, user_id, max(after, 0))

    @router.get("/chat/static/{path:path}", include_in_schema=False)
    async def static_file(path: str, request: Request) -> Response:
        return await static.get_response(path, request.scope)

    return router


async def _post_message(
    request: Request, handle: Handler, clock: Clock, conversations: Conversations | None
) -> Response:
    """One message from the page: checked, handed to the bot, the replies kept and shown."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _error(415, "send the message as application/json")
    user_id = request.cookies.get(COOKIE, "")
    if not _COOKIE_VALUE.match(user_id):
        return _error(401, "open /chat first: it gives your browser a chat id")
    try:
        body = json.loads(await request.body())
        inbound = to_inbound(body, user_id, clock.now())
    except (ValueError, BadMessageError) as error:
        reason = str(error) if isinstance(error, BadMessageError) else "the body is not JSON"
        return _error(400, reason)
    replies = await run_in_threadpool(handle, inbound)
    shown = [to_json(r) for r in replies]
    ids: list[int] = []
    if conversations is not None:  # kept, so a reload shows the conversation again
        kept = [shown_mine(body), *({"who": "bot", **reply} for reply in shown)]
        ids = await run_in_threadpool(conversations.put, user_id, kept, clock.now())
    return JSONResponse({"replies": shown, "ids": ids})


async def _history(conversations: Conversations, user_id: str) -> JSONResponse:
    """The visitor's last messages, and whether the bot knows them (for the greeting)."""
    found = await run_in_threadpool(conversations.recent, user_id)
    known = bool(found) or await run_in_threadpool(conversations.has_learner, user_id)
    return JSONResponse(
        {
            "messages": [{"id": found_id, **body} for found_id, body in found],
            "known": known,
            "last": found[-1][0] if found else 0,
        },
        headers={"Cache-Control": "no-store"},
    )


async def _updates(conversations: Conversations, user_id: str, after: int) -> JSONResponse:
    """Proactive messages after `after` (replies went back with the post that asked)."""
    found = await run_in_threadpool(conversations.after, user_id, after)
    return JSONResponse(
        {
            "messages": [{"id": found_id, **body} for found_id, body in found if "who" not in body],
            "last": found[-1][0] if found else after,
        },
        headers={"Cache-Control": "no-store"},
    )


def _ensure_cookie(request: Request, response: Response) -> None:
    if _COOKIE_VALUE.match(request.cookies.get(COOKIE, "")):
        return
    response.set_cookie(
        COOKIE,
        secrets.token_urlsafe(24),
        max_age=60 * 60 * 24 * 365,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/chat",
    )


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
