"""A local fake of the Telegram Bot API (aiohttp on 127.0.0.1, an ephemeral port).

It records every call (method and parameters as PTB sent them: form fields are strings,
JSON-valued fields are decoded), keeps the messages it "sent" (HTML turned into text and
entities, as Telegram does) so tests can press their buttons, and can be told to fail the
next calls to a method (429 with retry_after, 403, 5xx, 400) or to add latency.

Run alone for benchmarks: `python -m tests.support.fake_telegram --latency-ms 50`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token_for-the-fake"
BOT_ID = 123456
BOT_USERNAME = "contract_bites_test_bot"
# Parameters PTB sends JSON-encoded inside form fields.
_JSON_FIELDS = {
    "reply_markup",
    "commands",
    "allowed_updates",
    "link_preview_options",
    "entities",
    "scope",
}


@dataclass(frozen=True)
class ApiCall:
    """One request the fake received."""

    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Failure:
    """An error answer: HTTP status, description and, for 429, retry_after seconds."""

    status: int
    description: str
    retry_after: int | None = None


FLOOD = Failure(429, "Too Many Requests: retry after 3", 3)
BLOCKED = Failure(403, "Forbidden: bot was blocked by the user")
SERVER_ERROR = Failure(502, "Bad Gateway")
BAD_REQUEST = Failure(400, "Bad Request: chat not found")


_ENTITY_TYPES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "a": "text_link"}


class _Entities(HTMLParser):
    """Telegram's HTML parse mode, reduced to what the bot sends: b, i, a."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self._open: list[tuple[str, int, str | None]] = []

    def _offset(self) -> int:  # Telegram counts UTF-16 code units
        return len(self.text.encode("utf-16-le")) // 2

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append((tag, self._offset(), dict(attrs).get("href")))

    def handle_endtag(self, tag: str) -> None:
        name, start, href = self._open.pop()
        assert name == tag, f"badly nested HTML: <{name}> closed by </{tag}>"
        entity: dict[str, Any] = {
            "type": _ENTITY_TYPES[tag],
            "offset": start,
            "length": self._offset() - start,
        }
        if href is not None:
            entity["url"] = href
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.text += data


def parse_html(html: str) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities for an HTML message, or raise if Telegram would refuse it."""
    parser = _Entities()
    parser.feed(html)
    parser.close()
    assert not parser._open, "unclosed tag"
    return parser.text, sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))


class FakeTelegram:
    """The fake Bot API server."""

    def __init__(self, token: str = TOKEN, latency: float = 0.0, record: bool = True) -> None:
        self.token = token
        self.latency = latency
        self.record = record
        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._message_ids = itertools.count(1)
        self._updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        """Listen on 127.0.0.1 on a free port; return the base URL."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, method: str, failure: Failure, times: int = 1) -> None:
        """Answer the next `times` calls to `method` with this error."""
        self._failures[method].extend([failure] * times)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (long polling)."""
        self._updates.put_nowait(update)

    def calls_to(self, *methods: str) -> list[ApiCall]:
        """The recorded calls, optionally only to these methods, in order."""
        return [c for c in self.calls if not methods or c.method in methods]

    def last_message(self, chat_id: int) -> dict[str, Any]:
        """The newest message the bot has in a chat, as Telegram would show it now."""
        key = max(k for k in self.messages if k[0] == chat_id)
        return self.messages[key]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until `count` calls to `method` have arrived (for polling tests)."""

        def enough() -> bool:
            return len(self.calls_to(method)) >= count

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(enough), timeout)

    async def _serve(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(Failure(401, "Unauthorized"))
        method = request.match_info["method"]
        params = _params(dict(await request.post()))
        if self.latency:
            await asyncio.sleep(self.latency)  # simulated network and Bot API time
        if self.record:
            self.calls.append(ApiCall(method, params))
        async with self._changed:
            self._changed.notify_all()
        if self._failures[method]:
            return _error(self._failures[method].popleft())
        if method == "getUpdates":
            return await self._get_updates(params)
        return _ok(self._result(method, params))

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Contract Bites",
                "username": BOT_USERNAME,
            }
        if method == "sendMessage":
            return self._store(int(params["chat_id"]), next(self._message_ids), params)
        if method == "editMessageText":
            return self._store(int(params["chat_id"]), int(params["message_id"]), params)
        return True  # answerCallbackQuery, setMyCommands, setWebhook, deleteWebhook, ...

    def _store(self, chat_id: int, message_id: int, params: dict[str, Any]) -> dict[str, Any]:
        raw = str(params["text"])
        text, entities = parse_html(raw) if params.get("parse_mode") == "HTML" else (raw, [])
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Contract Bites"},
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message_id)] = message
        return message

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        # Long polls are cut short so that stopping the fake never waits long.
        timeout = min(float(params.get("timeout", 0)), 0.2)
        updates: list[dict[str, Any]] = []
        try:
            updates.append(await asyncio.wait_for(self._updates.get(), timeout or 0.01))
        except TimeoutError:
            return _ok([])
        while not self._updates.empty():
            updates.append(self._updates.get_nowait())
        return _ok(updates)


_update_ids = itertools.count(1)


def user(user_id: int) -> dict[str, Any]:
    """A Telegram user object."""
    return {"id": user_id, "is_bot": False, "first_name": "Officer", "language_code": "en"}


def text_update(chat_id: int, text: str, user_id: int | None = None) -> dict[str, Any]:
    """A message update, as Telegram posts it (a private chat unless chat_id < 0)."""
    chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
    if chat_id < 0:
        chat["title"] = "Contracts team"
    message: dict[str, Any] = {
        "message_id": 900 + next(_update_ids),
        "date": 1772442000,
        "chat": chat,
        "from": user(user_id or chat_id),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": next(_update_ids), "message": message}


def press_update(message: dict[str, Any], data: str, user_id: int | None = None) -> dict[str, Any]:
    """A callback query update for a button with `data` on `message`."""
    update_id = next(_update_ids)
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq-{update_id}",
            "chat_instance": "-7001",
            "from": user(user_id or message["chat"]["id"]),
            "message": message,
            "data": data,
        },
    }


def member_update(chat_id: int, status: str) -> dict[str, Any]:
    """The bot's own membership changed: added to a group, or blocked in a private chat."""
    chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
    me = {"id": BOT_ID, "is_bot": True, "first_name": "Contract Bites"}
    return {
        "update_id": next(_update_ids),
        "my_chat_member": {
            "chat": chat,
            "from": user(abs(chat_id)),
            "date": 1772442000,
            "old_chat_member": {"user": me, "status": "member"},
            "new_chat_member": {"user": me, "status": status, "until_date": 0}
            if status == "kicked"
            else {"user": me, "status": status},
        },
    }


def button_data(message: dict[str, Any], label: str) -> str:
    """The callback data of the button with this label on a message."""
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button["text"] == label:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} on message {message['message_id']}")


def _params(form: dict[str, Any]) -> dict[str, Any]:
    return {k: json.loads(v) if k in _JSON_FIELDS else v for k, v in form.items()}


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(failure: Failure) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": failure.status,
        "description": failure.description,
    }
    if failure.retry_after is not None:
        body["parameters"] = {"retry_after": failure.retry_after}
    return web.json_response(body, status=failure.status)


async def _serve_forever(latency_ms: float, ready: Any = None) -> None:
    fake = FakeTelegram(latency=latency_ms / 1000, record=False)
    url = await fake.start()
    if ready is not None:
        ready.send(url)
    else:
        print(url, flush=True)
    await asyncio.Event().wait()


def serve_forever(latency_ms: float, ready: Any = None) -> None:
    """Run a non-recording fake until killed; send its URL down `ready` (a Pipe end)."""
    asyncio.run(_serve_forever(latency_ms, ready))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    serve_forever(parser.parse_args().latency_ms)
