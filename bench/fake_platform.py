"""A local fake chat platform for the dispatch benchmarks and the fault suite.

`POST /send {"to": conversation, "text": …}` is accepted, or refused the way real platforms
refuse: 429 with Retry-After above `limit` sends in any sliding second (when `enforce`),
a share of 503s, and a share of "slow accepted" sends that are counted as delivered but
answered only after `slow_seconds` (longer than the client waits). `GET /stats` reports
what arrived. `serve_in_process` runs it in its own process, so the dispatcher under test
does not share a CPU core's time with it.

`FakeSender` is the dispatcher's client for it, mapping answers as the real senders do.
"""

from __future__ import annotations

import asyncio
import collections
import multiprocessing
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from app.heap import freeze_startup_heap
from bot.messages import ConversationRef, Outbound, RateLimits, SendResult, SendStatus


@dataclass
class Faults:
    """How the fake misbehaves: limit per second (0: none), shares of 503s and of slow
    accepted sends (decided once per conversation, on its first send), and a seed."""

    limit: int = 0
    enforce: bool = True
    server_errors: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 1.0
    storm_every: float = 0.0  # seconds between the starts of 429 storms (0: none)
    storm_seconds: float = 0.0  # how long each storm answers 429 to everything
    seed: int = 1


@dataclass
class Stats:
    """What the fake saw."""

    accepted: dict[str, int] = field(default_factory=dict)
    slow: list[str] = field(default_factory=list)
    refused_429: int = 0
    server_errors: int = 0
    first: float | None = None
    last: float | None = None
    max_in_one_second: int = 0


class FakePlatform:
    """The fake's behaviour, independent of how it is served."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.stats = Stats()
        self._rng = random.Random(faults.seed)
        self._recent: collections.deque[float] = collections.deque()
        self._accepted_at: collections.deque[float] = collections.deque()
        self._seen: set[str] = set()
        self._slow: set[str] = set()
        self._started: float | None = None

    async def send(self, request: web.Request) -> web.Response:
        """POST /send."""
        to = str((await request.json())["to"])
        now = time.monotonic()
        first_time = to not in self._seen
        self._seen.add(to)
        if first_time and self._rng.random() < self.faults.slow:
            self._slow.add(to)
            self.stats.slow.append(to)
            self._accept(to, now)
            await asyncio.sleep(self.faults.slow_seconds)  # the client has given up by now
            return web.json_response({"ok": True})
        if self._storm(now) or (
            self.faults.limit and self.faults.enforce and self._over_limit(now)
        ):
            self.stats.refused_429 += 1
            return web.json_response({"ok": False}, status=429, headers={"Retry-After": "1"})
        if self._rng.random() < self.faults.server_errors:
            self.stats.server_errors += 1
            return web.json_response({"ok": False}, status=503, headers={"Retry-After": "1"})
        self._accept(to, now)
        return web.json_response({"ok": True, "id": sum(self.stats.accepted.values())})

    def _storm(self, now: float) -> bool:
        if not self.faults.storm_every:
            return False
        if self._started is None:
            self._started = now
        return (now - self._started) % self.faults.storm_every < self.faults.storm_seconds

    def _over_limit(self, now: float) -> bool:
        while self._recent and now - self._recent[0] >= 1:
            self._recent.popleft()
        if len(self._recent) >= self.faults.limit:
            return True
        self._recent.append(now)
        return False

    def _accept(self, to: str, now: float) -> None:
        self.stats.accepted[to] = self.stats.accepted.get(to, 0) + 1
        self.stats.first = self.stats.first if self.stats.first is not None else now
        self.stats.last = now
        self._accepted_at.append(now)
        while now - self._accepted_at[0] >= 1:
            self._accepted_at.popleft()
        self.stats.max_in_one_second = max(self.stats.max_in_one_second, len(self._accepted_at))

    async def report(self, request: web.Request) -> web.Response:
        """GET /stats."""
        return web.json_response(asdict(self.stats))

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application()
        app.router.add_post("/send", self.send)
        app.router.add_get("/stats", self.report)
        return app


async def start(faults: Faults, port: int = 0) -> tuple[web.AppRunner, int, FakePlatform]:
    """Serve the fake on 127.0.0.1 in this event loop; returns the runner and port."""
    platform = FakePlatform(faults)
    runner = web.AppRunner(platform.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1], platform  # type: ignore[union-attr]


def _serve(faults: Faults, ready: Any) -> None:
    async def main() -> None:
        _runner, port, _platform = await start(faults)
        # As the service does: the fake's own collector pauses held requests back and then
        # stamped them together, which a platform's clock does not do (docs/benchmarks.md).
        freeze_startup_heap()
        ready.send(port)
        await asyncio.Event().wait()

    asyncio.run(main())


def serve_in_process(faults: Faults) -> tuple[multiprocessing.Process, str]:
    """Run the fake in a child process; returns it and its base URL."""
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(faults, send), daemon=True
    )
    process.start()
    return process, f"http://127.0.0.1:{receive.recv()}"


async def stats_of(url: str) -> Stats:
    """The fake's statistics so far."""
    async with aiohttp.ClientSession() as session, session.get(f"{url}/stats") as reply:
        return Stats(**await reply.json())


class FakeSender:
    """A platform client for the fake, as an adapter's sender: 429 → RETRY (throttled),
    503 → RETRY, a timeout after the request went out → UNCERTAIN."""

    platform = "bench"

    def __init__(self, url: str, limit: float, timeout: float = 5.0) -> None:
        self._url = f"{url}/send"
        self.limits = RateLimits(per_second=limit or 1_000_000, conversation_gap_seconds=1)
        self._timeout = aiohttp.ClientTimeout(total=None, sock_read=timeout)
        self._session: aiohttp.ClientSession | None = None

    def limit_key(self, ref: ConversationRef) -> str:
        """One bucket for the whole bot."""
        return ""

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        """POST each message."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=128)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        result = SendResult(SendStatus.SENT)
        for message in messages:
            result = await self._post(ref.conversation_id, message.text)
            if result.status is not SendStatus.SENT:
                break
        return result

    async def _post(self, to: str, text: str) -> SendResult:
        assert self._session is not None
        try:
            async with self._session.post(self._url, json={"to": to, "text": text}) as reply:
                if reply.status == 429:
                    wait = float(reply.headers["Retry-After"])
                    return SendResult(SendStatus.RETRY, wait, detail="429", throttled=True)
                if reply.status >= 500:
                    wait = reply.headers.get("Retry-After")
                    retry_after = float(wait) if wait is not None else None
                    return SendResult(SendStatus.RETRY, retry_after, detail=str(reply.status))
                body = await reply.json()
                return SendResult(SendStatus.SENT, message_id=str(body.get("id", "")))
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
            return SendResult(SendStatus.RETRY, detail="connect")
        except (TimeoutError, aiohttp.ClientError):
            return SendResult(SendStatus.UNCERTAIN, detail="timeout")

    async def aclose(self) -> None:
        """Close the connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None
