"""The deliveries dispatcher: claim due deliveries, compose, send, record.

One `run_once` claims a batch with a short lease that a heartbeat renews while the batch
is worked on (`scheduler.leases`), composes each delivery (the learner may have stopped or
gone on leave since it was planned), sends outside any transaction while keeping to each
platform's limits, and records each outcome as soon as it is known. A crash after sending
but before recording re-sends once the lease expires; a crash before sending loses
nothing. Retry-After is honoured by rescheduling the delivery, never by holding its claim.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import anyio.to_thread
from aiolimiter import AsyncLimiter

from bot.deliveries import ClaimedDelivery, Composed, Withheld
from bot.messages import ConversationRef, SendResult, SendStatus
from bot.ports import Clock, Sender
from scheduler.leases import LEASE, Leases
from scheduler.metrics import DispatchMetrics

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
THROTTLED_WAIT = dt.timedelta(seconds=1)  # a 429 that gave no Retry-After
CONCURRENCY = 32


class DeliveryQueue(Protocol):
    """The deliveries table, as the dispatcher uses it (storage implements it)."""

    def claim(
        self, token: str, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> list[ClaimedDelivery]:
        """Lease due deliveries."""
        ...

    def record_sent(
        self,
        delivery: ClaimedDelivery,
        token: str,
        at: dt.datetime,
        platform: str,
        message_id: str | None,
    ) -> bool:
        """Mark one sent."""
        ...

    def record_retry(
        self,
        delivery: ClaimedDelivery,
        token: str,
        next_at: dt.datetime,
        error: str,
        throttled: bool = False,
    ) -> bool:
        """Queue one again for later; a throttled one without using up an attempt."""
        ...

    def record_final(
        self,
        delivery: ClaimedDelivery,
        token: str,
        status: str,
        reason: str,
        platform: str | None = None,
    ) -> bool:
        """End one without sending."""
        ...

    def mark_unreachable(self, ref: ConversationRef, at: dt.datetime) -> None:
        """Stop using an identity the platform refused for good."""
        ...

    def renew(
        self, tokens: list[str], now: dt.datetime, lease: dt.timedelta
    ) -> list[tuple[str, int]]:
        """Extend live claims; the (token, id) pairs still held."""
        ...


Composer = Callable[[ClaimedDelivery], Composed | Withheld]


@dataclass
class DispatchReport:
    """What one dispatcher run did, by outcome."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    withheld: int = 0
    unreachable: int = 0
    failed: int = 0
    statuses: dict[int, str] = field(default_factory=dict)


def backoff(attempts: int, retry_after: float | None, rng: random.Random) -> dt.timedelta:
    """How long to wait before the next attempt: the platform's Retry-After when it gave
    one (plus up to 10% jitter, so retries do not arrive together), else exponential from
    30 seconds to an hour, with jitter."""
    if retry_after is not None:
        return dt.timedelta(seconds=retry_after * (1 + 0.1 * rng.random()))
    exponential = min(
        BACKOFF_BASE.total_seconds() * 2 ** max(attempts - 1, 0), BACKOFF_CAP.total_seconds()
    )
    return dt.timedelta(seconds=exponential * (0.8 + 0.4 * rng.random()))


class Dispatcher:
    """Sends what is due through the registered senders."""

    def __init__(
        self,
        queue: DeliveryQueue,
        compose: Composer,
        senders: Mapping[str, Sender],
        clock: Clock,
        metrics: DispatchMetrics | None = None,
        batch: int = 200,
        lease: dt.timedelta = LEASE,
        rng: random.Random | None = None,
    ) -> None:
        self._queue = queue
        self._compose = compose
        self._senders = senders
        self._clock = clock
        self._metrics = metrics
        self._batch = batch
        self.leases = Leases(queue.renew, clock, lease)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._limiters: dict[tuple[str, str], AsyncLimiter] = {}
        self._last_send: dict[tuple[str, str], float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    async def drain(self, lanes: int = 2) -> int:
        """Send batch after batch until nothing due is left; return how many were sent.

        Two lanes overlap one batch's claiming and composing with another's sending, so
        the platform's rate is used without gaps between batches."""

        async def lane() -> int:
            sent = 0
            while (report := await self.run_once()).claimed:
                sent += report.sent
            return sent

        return sum(await asyncio.gather(*(lane() for _ in range(lanes))))

    async def run_once(self) -> DispatchReport:
        """Claim one batch and deliver it; returns what happened."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # limiters belong to one event loop (simulations make many)
            self._loop, self._limiters = loop, {}
        token = uuid.uuid4().hex
        now = self._clock.now()
        claimed_at = time.monotonic()
        claimed = await anyio.to_thread.run_sync(
            self._queue.claim, token, now, self._batch, self.leases.lease
        )
        report = DispatchReport(claimed=len(claimed))
        if not claimed:
            return report
        self.leases.hold(token, (delivery.id for delivery in claimed), claimed_at)
        try:
            await self._deliver(report, claimed, token)
        finally:
            self.leases.release(token)
        return report

    async def _deliver(
        self, report: DispatchReport, claimed: list[ClaimedDelivery], token: str
    ) -> None:
        composed = await anyio.to_thread.run_sync(self._compose_all, claimed)
        by_conversation: dict[tuple[str, str], list[tuple[ClaimedDelivery, Composed]]] = {}
        for delivery, outcome in composed:
            if isinstance(outcome, Withheld):
                await self._finish(report, delivery, token, outcome.status, outcome.reason)
                continue
            key = (outcome.ref.platform, outcome.ref.conversation_id)
            by_conversation.setdefault(key, []).append((delivery, outcome))
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one_conversation(items: list[tuple[ClaimedDelivery, Composed]]) -> None:
            async with gate:
                for delivery, message in items:  # in order, one conversation at a time
                    # Never send on a claim that may have run out: another dispatcher
                    # could have taken the delivery over. It goes back to the queue.
                    if not self.leases.may_send(token, delivery.id):
                        await self._requeue(report, delivery, token)
                        continue
                    await self._send(report, delivery, message, token)

        await asyncio.gather(*(one_conversation(items) for items in by_conversation.values()))

    async def _requeue(self, report: DispatchReport, delivery: ClaimedDelivery, token: str) -> None:
        now = self._clock.now()
        await anyio.to_thread.run_sync(
            self._queue.record_retry, delivery, token, now, "lease nearly over"
        )
        report.statuses[delivery.id] = "queued"

    def _compose_all(
        self, claimed: list[ClaimedDelivery]
    ) -> list[tuple[ClaimedDelivery, Composed | Withheld]]:
        return [(delivery, self._compose(delivery)) for delivery in claimed]

    async def _finish(
        self,
        report: DispatchReport,
        delivery: ClaimedDelivery,
        token: str,
        status: str,
        reason: str,
        platform: str | None = None,
    ) -> None:
        await anyio.to_thread.run_sync(
            self._queue.record_final, delivery, token, status, reason, platform
        )
        report.statuses[delivery.id] = status
        if status == "unreachable":
            report.unreachable += 1
        elif status == "failed":
            report.failed += 1
        else:
            report.withheld += 1
        if self._metrics:
            self._metrics.outcome(platform or "", status)

    async def _send(
        self, report: DispatchReport, delivery: ClaimedDelivery, message: Composed, token: str
    ) -> None:
        ref = message.ref
        sender = self._senders.get(ref.platform)
        if sender is None:
            await self._finish(report, delivery, token, "failed", "no sender", ref.platform)
            return
        await self._keep_to_limits(sender, ref)
        started = time.perf_counter()
        try:
            result = await sender.send(ref, message.messages)
        except Exception as error:  # a sender bug must not lose the delivery
            log.exception("sender raised", extra={"platform": ref.platform})
            result = SendResult(SendStatus.RETRY, detail=type(error).__name__)
        elapsed = time.perf_counter() - started
        await self._record(report, delivery, token, ref, result, elapsed)

    async def _record(
        self,
        report: DispatchReport,
        delivery: ClaimedDelivery,
        token: str,
        ref: ConversationRef,
        result: SendResult,
        elapsed: float,
    ) -> None:
        now = self._clock.now()
        platform = ref.platform
        if result.status is SendStatus.SENT:
            await anyio.to_thread.run_sync(
                self._queue.record_sent, delivery, token, now, platform, result.message_id
            )
            report.sent += 1
            report.statuses[delivery.id] = "sent"
            if self._metrics:
                self._metrics.sent(platform, (now - delivery.due_at).total_seconds(), elapsed)
            return
        # A 429 is the platform saying "later": it never uses up an attempt, so a long
        # throttling spell cannot end a delivery as failed, and it leaves the 5xx back-off
        # (which grows with attempts) where it was.
        throttled = result.status is SendStatus.RETRY and result.throttled
        if throttled or (result.status is SendStatus.RETRY and delivery.attempts < MAX_ATTEMPTS):
            retry_after = result.retry_after
            if throttled and retry_after is None:
                retry_after = THROTTLED_WAIT.total_seconds()
            wait = backoff(delivery.attempts, retry_after, self._rng)
            error = result.detail or "retry"
            await anyio.to_thread.run_sync(
                self._queue.record_retry, delivery, token, now + wait, error, throttled
            )
            report.retried += 1
            report.statuses[delivery.id] = "queued"
            if self._metrics:
                self._metrics.retried(platform)
            return
        if result.status is SendStatus.UNREACHABLE:
            await anyio.to_thread.run_sync(self._queue.mark_unreachable, ref, now)
            await self._finish(report, delivery, token, "unreachable", result.detail, platform)
            return
        reason = result.detail or ("too many attempts" if result.status is SendStatus.RETRY else "")
        await self._finish(report, delivery, token, "failed", reason, platform)

    async def _keep_to_limits(self, sender: Sender, ref: ConversationRef) -> None:
        limits = sender.limits
        bucket = (sender.platform, sender.limit_key(ref))
        limiter = self._limiters.get(bucket)
        if limiter is None:
            # One token at a time, refilled at the platform's rate: a steady pace, no burst
            # at the start of a batch that the platform would answer with 429s.
            limiter = self._limiters[bucket] = AsyncLimiter(1, 1 / limits.per_second)
        conversation = (sender.platform, ref.conversation_id)
        last = self._last_send.get(conversation)
        if last is not None:
            gap = limits.conversation_gap_seconds - (time.monotonic() - last)
            if gap > 0:
                await asyncio.sleep(gap)
        await limiter.acquire()
        self._last_send[conversation] = time.monotonic()
