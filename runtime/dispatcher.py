"""The deliveries dispatcher: claim due deliveries, compose, send, record.

One `run_once` claims a batch with a short lease that a heartbeat renews while the batch
is worked on (`runtime.leases`), composes the batch (the learner may have stopped or gone
on leave since it was planned), sends outside any transaction while keeping to each
platform's limits (`runtime.pacer`), and hands each outcome to a recorder that writes
them in small batches (`runtime.outcomes`). A crash after sending but before recording
re-sends once the lease expires; a crash before sending loses nothing. Retry-After is
honoured by rescheduling the delivery, never by holding its claim. In `drain`, a batch whose
sends left all wait for send slots carries on while the next is claimed (runtime/batches.py).

A multi-part delivery is sent part by part, its progress recorded after each part, so a
retry resumes from the part that failed. A send that timed out after going out is
"uncertain": the platform may have accepted it, and none of ours lets a bot ask, so it is
sent again once after a lease, and each such timeout can cause at most one duplicate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import anyio.to_thread

from bot.deliveries import ClaimedDelivery, Composed, Outcome, Withheld
from bot.messages import ConversationRef, Outbound, SendResult, SendStatus
from bot.ports import Clock, Sender
from runtime.batches import MAX_HELD, PARK_CHECK_SECONDS, Batch, DispatchReport
from runtime.conversation_gaps import ConversationGaps
from runtime.leases import LEASE, Leases
from runtime.metrics import DispatchMetrics
from runtime.outcomes import Recorder
from runtime.pacer import LocalPacer, Pacer

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
THROTTLED_WAIT = dt.timedelta(seconds=1)  # a 429 that gave no Retry-After
CONCURRENCY = 64


class DeliveryQueue(Protocol):
    """The deliveries table, as the dispatcher uses it (storage implements it)."""

    def claim(
        self, token: str, now: dt.datetime, limit: int, lease: dt.timedelta
    ) -> list[ClaimedDelivery]:
        """Lease due deliveries."""
        ...

    def record(self, outcomes: Sequence[Outcome]) -> set[int]:
        """Write outcomes whose claims still hold; the ids written."""
        ...

    def record_progress(self, delivery: ClaimedDelivery, token: str, parts_sent: int) -> bool:
        """Note the parts of a multi-part delivery already accepted."""
        ...

    def renew(
        self, tokens: list[str], now: dt.datetime, lease: dt.timedelta
    ) -> list[tuple[str, int]]:
        """Extend live claims; the (token, id) pairs still held."""
        ...


Composer = Callable[[ClaimedDelivery], Composed | Withheld]
BatchComposer = Callable[[list[ClaimedDelivery]], list[Composed | Withheld]]


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


@dataclass
class _Sending:
    """One delivery on its way: the claim, its messages, and how far it has got."""

    delivery: ClaimedDelivery
    token: str
    ref: ConversationRef
    messages: tuple[Outbound, ...]
    batch: Batch
    parts_sent: int = 0
    message_id: str | None = None


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
        pacer: Pacer | None = None,
        compose_batch: BatchComposer | None = None,
    ) -> None:
        self._queue = queue
        self._compose_batch = compose_batch or (lambda claimed: [compose(d) for d in claimed])
        self._senders = senders
        self._clock = clock
        self._metrics = metrics
        self._batch = batch
        self.leases = Leases(queue.renew, clock, lease)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self._pacer: Pacer = pacer or LocalPacer()
        self._recorder = Recorder(queue.record, size=batch)
        self._gaps = ConversationGaps()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._held = 0  # rows claimed and not finished, parked batches included
        self._sent = 0
        self._parked: set[asyncio.Task[None]] = set()

    async def drain(self, lanes: int = 3, park: bool = True) -> int:
        """Send batch after batch until nothing due is left; return how many were sent.

        Two lanes overlap one batch's claiming and composing with another's sending, so
        the platform's rate is used without gaps between batches. With `park`, a batch
        whose open conversations all wait for a send slot carries on in the background
        while its lane claims the next (runtime/batches.py); the call returns once those
        have finished too."""
        before = self._sent

        async def lane() -> None:
            while (await self._run_batch(park)).claimed:
                pass

        try:
            await asyncio.gather(*(lane() for _ in range(lanes)))
        except BaseException:
            for task in self._parked:
                task.cancel()
            raise
        finally:
            failures = await asyncio.gather(*self._parked, return_exceptions=True)
        failure = next((f for f in failures if isinstance(f, Exception)), None)
        if failure is not None:
            raise failure
        return self._sent - before

    async def run_once(self) -> DispatchReport:
        """Claim one batch, deliver it and record every outcome; return what happened."""
        return await self._run_batch(park=False)

    async def _run_batch(self, park: bool) -> DispatchReport:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # the recorder and heartbeat run tasks on one event loop
            self._loop, self._recorder = loop, Recorder(self._queue.record, size=self._batch)
            self.leases.forget()  # and simulations and tests run many loops, one by one
        token = uuid.uuid4().hex
        now = self._clock.now()
        claimed_at = time.monotonic()
        claimed = await anyio.to_thread.run_sync(
            self._queue.claim, token, now, self._batch, self.leases.lease
        )
        batch = Batch(DispatchReport(claimed=len(claimed)))
        if not claimed:
            return batch.report
        self.leases.hold(token, (delivery.id for delivery in claimed), claimed_at)
        self._held += len(claimed)
        batch.held = len(claimed)
        work = asyncio.ensure_future(self._work(batch, claimed, token))
        try:
            while park and not work.done():
                if batch.all_parked and self._held <= MAX_HELD:
                    self._parked.add(work)  # drain waits for it
                    work.add_done_callback(self._parked.discard)
                    return batch.report
                await asyncio.wait({work}, timeout=PARK_CHECK_SECONDS)
            await work
        except BaseException:
            work.cancel()
            raise
        return batch.report

    async def _work(self, batch: Batch, claimed: list[ClaimedDelivery], token: str) -> None:
        try:
            await self._deliver(batch, claimed, token)
        finally:
            self._held -= batch.held  # rows a failure left unfinished
            batch.held = 0
            await self._recorder.flush()
            self.leases.release(token)

    async def _deliver(self, batch: Batch, claimed: list[ClaimedDelivery], token: str) -> None:
        report = batch.report
        composed = await anyio.to_thread.run_sync(self._compose_batch, claimed)
        by_conversation: dict[tuple[str, str], list[_Sending]] = {}
        for delivery, outcome in zip(claimed, composed, strict=True):
            if isinstance(outcome, Withheld):
                self._final(report, delivery, token, outcome.status, outcome.reason)
                self._row_done(batch)
                continue
            key = (outcome.ref.platform, outcome.ref.conversation_id)
            sending = _Sending(delivery, token, outcome.ref, outcome.messages, batch)
            by_conversation.setdefault(key, []).append(sending)
        gate = asyncio.Semaphore(CONCURRENCY)
        batch.open = len(by_conversation)

        async def one_conversation(items: list[_Sending]) -> None:
            try:
                async with gate:
                    for sending in items:  # in order, one conversation at a time
                        # Never send on a claim that may have run out: another dispatcher
                        # could have taken the delivery over. It goes back to the queue.
                        if not self.leases.may_send(token, sending.delivery.id):
                            self._requeue(report, sending.delivery, token)
                        else:
                            await self._send(report, sending)
                        self._row_done(batch)
            finally:
                batch.open -= 1

        await asyncio.gather(*(one_conversation(items) for items in by_conversation.values()))

    def _row_done(self, batch: Batch) -> None:
        """A row finished: a parked batch holds only its unfinished rows (`MAX_HELD`)."""
        batch.held -= 1
        self._held -= 1

    def _requeue(self, report: DispatchReport, delivery: ClaimedDelivery, token: str) -> None:
        now = self._clock.now()
        self._recorder.add(
            Outcome(delivery, token, "queued", now, now, "lease nearly over", attempt_used=False)
        )
        report.statuses[delivery.id] = "queued"

    def _final(
        self,
        report: DispatchReport,
        delivery: ClaimedDelivery,
        token: str,
        status: str,
        reason: str,
        platform: str | None = None,
        progress: tuple[int, ConversationRef | None] = (0, None),
    ) -> None:
        parts, unreachable = progress
        outcome = Outcome(
            delivery,
            token,
            status,
            self._clock.now(),
            error=reason,
            platform=platform,
            parts_sent=max(parts, delivery.parts_sent),
            unreachable=unreachable,
        )
        self._recorder.add(outcome)
        report.statuses[delivery.id] = status
        report.count(status)
        if self._metrics:
            self._metrics.outcome(platform or "", status)

    async def _send(self, report: DispatchReport, sending: _Sending) -> None:
        ref = sending.ref
        sender = self._senders.get(ref.platform)
        if sender is None:
            self._final(
                report, sending.delivery, sending.token, "failed", "no sender", ref.platform
            )
            return
        started = time.perf_counter()
        result = await self._send_parts(sender, sending)
        self._record(report, sending, result, time.perf_counter() - started)

    async def _send_parts(self, sender: Sender, sending: _Sending) -> SendResult:
        """Send the parts not yet accepted, one by one, noting progress after each."""
        ref = sending.ref
        await self._keep_conversation_gap(sender, ref)
        sending.parts_sent = min(sending.delivery.parts_sent, len(sending.messages))
        result = SendResult(SendStatus.SENT)
        for part in sending.messages[sending.parts_sent :]:
            bucket = f"{sender.platform}:{sender.limit_key(ref)}"
            with sending.batch.parking():
                await self._pacer.acquire(bucket, sender.limits)
            try:
                result = await sender.send(ref, (part,))
            except Exception as error:  # a sender bug must not lose the delivery
                log.exception("sender raised", extra={"platform": ref.platform})
                result = SendResult(SendStatus.RETRY, detail=type(error).__name__)
            if result.throttled:
                self._pacer.throttled(bucket)
            if result.status is not SendStatus.SENT:
                return result
            sending.parts_sent += 1
            sending.message_id = result.message_id or sending.message_id
            if sending.parts_sent < len(sending.messages):
                await anyio.to_thread.run_sync(
                    self._queue.record_progress, sending.delivery, sending.token, sending.parts_sent
                )
        return result

    def _record(
        self, report: DispatchReport, sending: _Sending, result: SendResult, elapsed: float
    ) -> None:
        now = self._clock.now()
        delivery, token, platform = sending.delivery, sending.token, sending.ref.platform
        parts = sending.parts_sent
        if result.status is SendStatus.SENT:
            self._recorder.add(
                Outcome(
                    delivery,
                    token,
                    "sent",
                    now,
                    platform=platform,
                    message_id=sending.message_id,
                    parts_sent=parts,
                )
            )
            report.sent += 1
            self._sent += 1
            report.statuses[delivery.id] = "sent"
            if self._metrics:
                self._metrics.sent(platform, (now - delivery.due_at).total_seconds(), elapsed)
            return
        if result.status is SendStatus.UNCERTAIN:
            report.uncertain += 1
            if self._metrics:
                self._metrics.uncertain(platform)
        retry = self._retry(delivery, token, result, now, parts)
        if retry is not None:
            self._recorder.add(retry)
            report.retried += 1
            report.statuses[delivery.id] = "queued"
            if self._metrics:
                self._metrics.retried(platform)
            return
        unreachable = sending.ref if result.status is SendStatus.UNREACHABLE else None
        status = "unreachable" if unreachable is not None else "failed"
        reason = result.detail or ("too many attempts" if status == "failed" else "")
        self._final(report, delivery, token, status, reason, platform, (parts, unreachable))

    def _retry(
        self,
        delivery: ClaimedDelivery,
        token: str,
        result: SendResult,
        now: dt.datetime,
        parts: int,
    ) -> Outcome | None:
        """The outcome putting a delivery back for later, or None if it must end."""
        error = result.detail or result.status.value
        # A 429 is the platform saying "later": it never uses up an attempt, so a long
        # throttling spell cannot end a delivery as failed, and it leaves the 5xx back-off
        # (which grows with attempts) where it was.
        throttled = result.status is SendStatus.RETRY and result.throttled
        if result.status is SendStatus.UNCERTAIN and delivery.attempts < MAX_ATTEMPTS:
            # The platform may have accepted it: wait about a lease (a slow platform is
            # overloaded; jitter spreads the resends), then send it once more.
            wait = self.leases.lease * (1 + 0.2 * self._rng.random())
            return Outcome(
                delivery, token, "queued", now, now + wait, error, uncertain=True, parts_sent=parts
            )
        if throttled or (result.status is SendStatus.RETRY and delivery.attempts < MAX_ATTEMPTS):
            retry_after = result.retry_after
            if throttled and retry_after is None:
                retry_after = THROTTLED_WAIT.total_seconds()
            wait = backoff(delivery.attempts, retry_after, self._rng)
            return Outcome(
                delivery,
                token,
                "queued",
                now,
                now + wait,
                error,
                attempt_used=not throttled,
                parts_sent=parts,
            )
        return None

    async def _keep_conversation_gap(self, sender: Sender, ref: ConversationRef) -> None:
        conversation = (sender.platform, ref.conversation_id)
        wait = self._gaps.wait(conversation, sender.limits.conversation_gap_seconds)
        if wait > 0:
            await asyncio.sleep(wait)
        self._gaps.sent(conversation)
