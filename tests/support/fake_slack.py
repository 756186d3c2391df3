"""A local fake of the Slack Web API (aiohttp on 127.0.0.1, an ephemeral port).

It records every call with its parameters (query, form and JSON merged) and the bearer
token, answers like Slack for the methods the channel uses, and can be told to fail the
next call(s) of a method: 429 with Retry-After, 5xx, or `ok: false` with an error code.
It also serves response_url webhooks under /response/<name>.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web

BOT_SCOPES = "chat:write,commands,im:history,im:write"
CLIENT_ID = "111.222"
CLIENT_SECRET = "client-secret-for-tests"


@dataclass(frozen=True)
class Call:
    """One request the fake received."""

    method: str
    params: dict[str, Any]
    token: str | None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Workspace:
    """A workspace the fake knows, with its bot."""

    team_id: str
    token: str
    name: str = "Borsetshire"
    bot_user_id: str = "UBOT"
    bot_id: str = "BBOT"


@dataclass(frozen=True)
class Failure:
    """A scripted answer for the next call of a method."""

    status: int
    error: str
    headers: dict[str, str] = field(default_factory=dict)
    after: int = 0  # successful calls to let through first


class FakeSlack:
    """The fake Slack API server; `start()` it inside the test's event loop."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.workspaces: dict[str, Workspace] = {}
        self.oauth_codes: dict[str, Workspace] = {}
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """The Web API base URL to give the SDK."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        """A response_url that lands on this fake."""
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # ---- scripting ---------------------------------------------------------------------

    def add_workspace(self, workspace: Workspace) -> Workspace:
        """Make a bot token valid."""
        self.workspaces[workspace.token] = workspace
        return workspace

    def add_oauth_code(self, code: str, workspace: Workspace) -> None:
        """An OAuth code that oauth.v2.access exchanges for the workspace's bot token."""
        self.oauth_codes[code] = workspace

    def fail_next(
        self,
        method: str,
        status: int = 200,
        error: str = "ratelimited",
        after: int = 0,
        **headers: str,
    ) -> None:
        """Answer the next call of `method` (or the one after `after` successes) with this
        failure; queue several for more."""
        self._failures[method].append(Failure(status, error, dict(headers), after))

    def revoke(self, token: str) -> None:
        """Make a token invalid, as an uninstall does."""
        self.workspaces.pop(token, None)

    def calls_to(self, method: str) -> list[Call]:
        """The calls of one method, in order."""
        return [c for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        """The methods called, in order."""
        return [c.method for c in self.calls]

    def clear(self) -> None:
        """Forget the calls recorded so far."""
        self.calls.clear()

    # ---- handlers ----------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(dict(await request.post()))
        return params

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append(Call(f"response_url:{request.match_info['name']}", body, None))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        if method == "oauth.v2.access" and auth.startswith("Basic "):
            client_id, _, _secret = base64.b64decode(auth[6:]).decode().partition(":")
            params["client_id"] = client_id
            params["client_secret_ok"] = _secret == CLIENT_SECRET
        params.pop("client_secret", None)
        status, headers, body = self._respond(method, params, token)
        self.calls.append(Call(method, params, token, body))
        return web.json_response(body, status=status, headers=headers)

    def _respond(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        queue = self._failures[method]
        if queue and queue[0].after > 0:
            queue[0] = replace(queue[0], after=queue[0].after - 1)
        elif queue:
            failure = queue.popleft()
            return failure.status, failure.headers, {"ok": False, "error": failure.error}
        if method == "oauth.v2.access":
            return 200, {}, self._oauth(params)
        workspace = self.workspaces.get(token or "")
        if workspace is None:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        return 200, {}, self._answer(method, params, workspace)

    def _oauth(self, params: dict[str, Any]) -> dict[str, Any]:
        workspace = self.oauth_codes.pop(str(params.get("code")), None)
        if workspace is None or not params.get("client_secret_ok"):
            return {"ok": False, "error": "invalid_code"}
        self.add_workspace(workspace)
        return {
            "ok": True,
            "app_id": "A0BITES",
            "authed_user": {"id": "UADMIN"},
            "scope": BOT_SCOPES,
            "token_type": "bot",
            "access_token": workspace.token,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": workspace.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _answer(self, method: str, params: dict[str, Any], ws: Workspace) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://borsetshire.slack.com/",
                "team": ws.name,
                "user": "bites",
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "bot_id": ws.bot_id,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            message = {"type": "message", "ts": ts, "text": params.get("text")}
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "views.publish":
            view = params.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return {"ok": True, "view": {"id": "V1", **(view or {})}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", ""))[1:]}}
        return {"ok": False, "error": "unknown_method"}


# ---- what Slack sends to the app ----------------------------------------------------


def signed_headers(secret: str, body: str, timestamp: int, content_type: str) -> dict[str, str]:
    """Headers of a request signed the way Slack signs (v0, HMAC-SHA256)."""
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }


def message_event(event_id: str, text: str, user: str = "U1", team: str = "T1") -> dict[str, Any]:
    """An Events API envelope for a direct message to the app."""
    return {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A0BITES",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "event": {
            "type": "message",
            "channel": "D" + user[1:],
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": "1700000000.000001",
            "event_ts": "1700000000.000001",
        },
    }


def event_envelope(event: dict[str, Any], event_id: str, team: str = "T1") -> dict[str, Any]:
    """An Events API envelope around any event."""
    return {
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A0BITES",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "event": event,
    }


def _find_button(blocks: list[dict[str, Any]], label: str) -> tuple[str, dict[str, Any]]:
    for block in blocks:
        accessory = block.get("accessory")
        if accessory and block["text"]["text"] == label:
            return block["block_id"], accessory
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return block["block_id"], element
    raise AssertionError(f"no button {label!r} in {blocks}")


def block_action(
    posted: Call,
    label: str,
    trigger_id: str,
    response_url: str,
    user: str = "U1",
    team: str = "T1",
) -> dict[str, Any]:
    """The block_actions payload Slack sends when `label` is pressed on a posted message."""
    channel, ts = posted.params["channel"], posted.result["ts"]
    block_id, button = _find_button(posted.params["blocks"], label)
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "ann", "team_id": team},
        "api_app_id": "A0BITES",
        "token": "legacy",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "trigger_id": trigger_id,
        "team": {"id": team, "domain": "borsetshire"},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {
            "type": "message",
            "user": "UBOT",
            "bot_id": "BBOT",
            "ts": ts,
            "text": posted.params["text"],
            "blocks": posted.params["blocks"],
        },
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": block_id,
                "text": button["text"],
                "value": button["value"],
                "action_ts": "1700000100.000001",
            }
        ],
    }


def slash_command(
    text: str, trigger_id: str, response_url: str, channel: str, user: str = "U1", team: str = "T1"
) -> dict[str, str]:
    """The form fields of a `/bites` slash command."""
    return {
        "token": "legacy",
        "team_id": team,
        "team_domain": "borsetshire",
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else "general",
        "user_id": user,
        "user_name": "ann",
        "command": "/bites",
        "text": text,
        "api_app_id": "A0BITES",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
