"""Local fakes of the send APIs of Telegram, Teams and Slack, enforcing each platform's limit,
for the council's-morning benchmark (`bench.morning`).

One aiohttp server on 127.0.0.1 answers the calls the real senders make:

- Telegram Bot API `POST /bot<token>/sendMessage`: `telegram` messages a second per bot;
- Bot Connector `POST /teams/<tenant>/v3/conversations/<id>/activities` (the tenant is in
  the service URL the learner's identity stores): `teams` a second per tenant;
- Slack Web API `POST /slack/api/chat.postMessage`: `slack` a second per channel.

Each limit is counted in a sliding second, as the platforms do. A send over it is refused
the way that platform refuses (429 with Retry-After, or Telegram's `retry_after`) and
counted. Every send that arrives is timed, so `/stats` can tell the busiest second of each
limit (the sends that *arrived* in it, refused ones included: more than the limit means a
sender overran it), and, per conversation, how many sends were accepted and when the first
was. `serve_in_process` runs the fakes in a process of their own.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import multiprocessing
import time
from dataclasses import asdict, dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

import aiohttp
from aiohttp import web

from app.heap import freeze_startup_heap

TELEGRAM_TOKEN = "123456:morning-bench-token"  # noqa: S105 - the fake checks no token
RETRY_AFTER = 1  # seconds, in every 429


@dataclass(frozen=True)
class Limits:
    """Sends a second: per Telegram bot, per Teams tenant, per Slack channel."""

    telegram: int = 30
    teams: int = 50
    slack: int = 1


@dataclass
class PlatformStats:
    """What one platform's fake saw."""

    limit: int
    accepted: dict[str, int] = field(default_factory=dict)  # conversation -> sends
    first_at: dict[str, float] = field(default_factory=dict)  # conversation -> wall time
    refused_429: int = 0
    busiest_second: int = 0  # most sends that arrived in any one second of one limit
    last_at: float = 0.0  # wall time of the last accepted send


class Window:
    """One limit's sliding second: the sends that arrived, and those accepted."""

    def __init__(self) -> None:
        self.arrived: collections.deque[float] = collections.deque()
        self.accepted: collections.deque[float] = collections.deque()

    def admit(self, now: float, limit: int, stats: PlatformStats) -> bool:
        """Count an arrival; True if the platform accepts it (fewer than `limit` accepted
        in the last second)."""
        for times in (self.arrived, self.accepted):
            while times and now - times[0] >= 1:
                times.popleft()
        self.arrived.append(now)
        stats.busiest_second = max(stats.busiest_second, len(self.arrived))
        if len(self.accepted) >= limit:
            stats.refused_429 += 1
            return False
        self.accepted.append(now)
        return True


class PlatformFakes:
    """The three fakes' behaviour and counts, independent of how they are served."""

    def __init__(self, limits: Limits) -> None:
        self.stats = {
            "telegram": PlatformStats(limits.telegram),
            "teams": PlatformStats(limits.teams),
            "slack": PlatformStats(limits.slack),
        }
        self._windows: dict[tuple[str, str], Window] = {}
        self._ids = itertools.count(1)

    def _admit(self, platform: str, bucket: str, conversation: str) -> bool:
        stats = self.stats[platform]
        window = self._windows.setdefault((platform, bucket), Window())
        if not window.admit(time.monotonic(), stats.limit, stats):
            return False
        wall = time.time()
        stats.accepted[conversation] = stats.accepted.get(conversation, 0) + 1
        stats.first_at.setdefault(conversation, wall)
        stats.last_at = wall
        return True

    async def telegram(self, request: web.Request) -> web.Response:
        """sendMessage: one bucket per bot token."""
        params = await _params(request)
        chat = str(params["chat_id"])
        if not self._admit("telegram", request.match_info["token"], chat):
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {RETRY_AFTER}",
                    "parameters": {"retry_after": RETRY_AFTER},
                },
                status=429,
            )
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": int(chat), "type": "private"},
            "text": str(params.get("text", "")),
        }
        return web.json_response({"ok": True, "result": message})

    async def teams(self, request: web.Request) -> web.Response:
        """create_activity: one bucket per tenant."""
        await request.read()
        tenant, conversation = request.match_info["tenant"], request.match_info["conversation"]
        if not self._admit("teams", tenant, conversation):
            error = {"error": {"code": "HTTP429", "message": "Too many requests"}}
            return web.json_response(error, status=429, headers={"Retry-After": str(RETRY_AFTER)})
        return web.json_response({"id": f"activity-{next(self._ids)}"}, status=201)

    async def slack(self, request: web.Request) -> web.Response:
        """chat.postMessage: one bucket per channel."""
        channel = str((await _params(request))["channel"])
        if not self._admit("slack", channel, channel):
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(RETRY_AFTER)},
            )
        ts = f"1700000000.{next(self._ids):06d}"
        return web.json_response({"ok": True, "channel": channel, "ts": ts})

    async def report(self, request: web.Request) -> web.Response:
        """GET /stats (everything), or /stats?count=1: how many conversations each
        platform has accepted a send for (cheap enough to poll during a run)."""
        if request.query.get("count"):
            return web.json_response({n: len(s.accepted) for n, s in self.stats.items()})
        return web.json_response({name: asdict(s) for name, s in self.stats.items()})

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application()
        app.router.add_post("/bot{token}/sendMessage", self.telegram)
        app.router.add_post(
            "/teams/{tenant}/v3/conversations/{conversation}/activities", self.teams
        )
        app.router.add_post("/slack/api/chat.postMessage", self.slack)
        app.router.add_get("/stats", self.report)
        return app


async def _params(request: web.Request) -> dict[str, Any]:
    """A request's parameters, sent as JSON (Slack's SDK) or as a form (PTB)."""
    if request.content_type == "application/json":
        return dict(await request.json())
    return dict(await request.post())


async def start(limits: Limits, port: int = 0) -> tuple[web.AppRunner, str]:
    """Serve the fakes on 127.0.0.1 in this event loop; returns the runner and base URL."""
    runner = web.AppRunner(PlatformFakes(limits).app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def _serve(limits: Limits, ready: Any) -> None:
    async def main() -> None:
        _runner, url = await start(limits)
        freeze_startup_heap()  # as in bench.fake_platform: its pauses are not the platform's
        ready.send(url)
        await asyncio.Event().wait()

    asyncio.run(main())


def serve_in_process(limits: Limits) -> tuple[BaseProcess, str]:
    """Run the fakes in a child process; returns it and their base URL."""
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(limits, send), daemon=True
    )
    process.start()
    return process, str(receive.recv())


async def accepted_count(url: str) -> int:
    """How many conversations the fakes have accepted a send for, all platforms together."""
    async with aiohttp.ClientSession() as session, session.get(f"{url}/stats?count=1") as reply:
        return sum((await reply.json()).values())


async def stats_of(url: str) -> dict[str, PlatformStats]:
    """What each fake saw so far, by platform."""
    async with aiohttp.ClientSession() as session, session.get(f"{url}/stats") as reply:
        body = await reply.json()
    return {name: PlatformStats(**values) for name, values in body.items()}
