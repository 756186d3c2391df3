"""Benchmark: sustained dispatch against a platform that answers 429 above its limit.

    .venv/bin/python -m bench.dispatch_rate --deliveries 1500 --limit 50

A local fake platform (aiohttp on 127.0.0.1) accepts at most `--limit` sends in any one
second and answers 429 with Retry-After: 1 above that. The real dispatcher (claims,
compose, limiter, recording) sends `--deliveries` due lesson nudges through an HTTP
sender told the platform's limit. Prints the sustained rate as a share of the limit
(goal: at least 95%), and how many deliveries were lost or sent twice (goal: none).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp
from aiohttp import web

from app.settings import Settings
from app.wiring import build_services
from bench.seed import seed_learners
from bot.deliveries import DeliveryKind, PlannedDelivery
from bot.messages import ConversationRef, Outbound, RateLimits, SendResult, SendStatus

MONDAY_0930 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


class RunningClock:
    """Real time, but starting on a Monday morning (inside working hours)."""

    def __init__(self, start: dt.datetime) -> None:
        self._start, self._t0 = start, time.monotonic()

    def now(self) -> dt.datetime:
        """The simulated now."""
        return self._start + dt.timedelta(seconds=time.monotonic() - self._t0)


class FakePlatform:
    """Accepts `limit` sends per sliding second; 429 above that."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.accepted: collections.Counter[str] = collections.Counter()
        self.refused = 0
        self._recent: collections.deque[float] = collections.deque()
        self.first: float | None = None
        self.last: float | None = None

    async def send(self, request: web.Request) -> web.Response:
        """POST /send {"to": conversation}."""
        body = await request.json()
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 1:
            self._recent.popleft()
        if len(self._recent) >= self.limit:
            self.refused += 1
            return web.json_response({"ok": False}, status=429, headers={"Retry-After": "1"})
        self._recent.append(now)
        self.accepted[body["to"]] += 1
        self.first = self.first or now
        self.last = now
        return web.json_response({"ok": True, "id": len(self.accepted)})


class HttpSender:
    """A minimal platform client, as an adapter's sender would be."""

    platform = "bench"

    def __init__(self, url: str, limit: int) -> None:
        self._url = url
        self.limits = RateLimits(per_second=limit, conversation_gap_seconds=1)
        self._session: aiohttp.ClientSession | None = None

    def limit_key(self, ref: ConversationRef) -> str:
        """One bucket for the whole bot."""
        return ""

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        """POST the message; map 429 to RETRY with its Retry-After."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(self._url, json={"to": ref.conversation_id}) as reply:
            if reply.status == 429:
                return SendResult(
                    SendStatus.RETRY, float(reply.headers["Retry-After"]), None, "429"
                )
            return SendResult(SendStatus.SENT, message_id=str((await reply.json())["id"]))


async def run(deliveries: int, limit: int) -> dict[str, float]:
    """Seed, serve the fake platform, dispatch everything, report."""
    platform = FakePlatform(limit)
    app = web.Application()
    app.router.add_post("/send", platform.send)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as folder:
        clock = RunningClock(MONDAY_0930)
        settings = Settings(
            database_url=f"sqlite:///{Path(folder) / 'b.db'}", scheduler=False, webchat=False
        )
        services = build_services(settings, clock=clock)
        seed_learners(services.engine, deliveries, 0, MONDAY_0930)
        services.deliveries.add(
            [
                PlannedDelivery(f"lesson:{i}", i, DeliveryKind.LESSON, MONDAY_0930)
                for i in range(1, deliveries + 1)
            ],
            MONDAY_0930,
        )
        sender = HttpSender(f"http://127.0.0.1:{port}/send", limit)
        services.senders["bench"] = sender
        started = time.monotonic()
        while sum(platform.accepted.values()) < deliveries and time.monotonic() - started < 600:
            if not await services.dispatcher.drain():
                await asyncio.sleep(0.05)  # what is left waits for its Retry-After
        if sender._session:
            await sender._session.close()
    await runner.cleanup()
    spread = (platform.last or 0) - (platform.first or 0)
    sent = sum(platform.accepted.values())
    rate = (sent - 1) / spread if spread else 0.0
    return {
        "sent": sent,
        "rate_per_s": round(rate, 1),
        "share_of_limit": round(rate / limit, 3),
        "refused_429": platform.refused,
        "lost": deliveries - len(platform.accepted),
        "duplicates": sent - len(platform.accepted),
    }


def main() -> None:
    """Parse arguments, run once, print the result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=1500)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    print(asyncio.run(run(args.deliveries, args.limit)))


if __name__ == "__main__":
    main()
