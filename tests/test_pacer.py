"""The send pacers: budget kept across late wake-ups, a sliding-window guard, and limits
shared across dispatcher processes through PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlmodel import Session, col, select

from bench.fake_platform import FakeSender, Faults, start, stats_of
from bot.messages import RateLimits
from lessons.model import Curriculum
from runtime import pacer as pacer_module
from runtime.clock import ManualClock
from runtime.pacer import LocalPacer, Pace, WindowGuard
from runtime.shared_pacer import ClockOffset, PostgresPacer
from storage.tables import Delivery
from tests.support.chat import make_services
from tests.test_dispatcher import MONDAY_0930, add_learners, lesson


class FakeTime:
    """A monotonic clock that only moves when told (or when a pacer sleeps)."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    clock = FakeTime()
    monkeypatch.setattr(pacer_module.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(pacer_module.asyncio, "sleep", clock.sleep)
    return clock


def test_slots_reserved_before_a_late_wake_up_are_not_lost(fake_time: FakeTime) -> None:
    pacer, pace = LocalPacer(), Pace.of(RateLimits(per_second=10, conversation_gap_seconds=0))
    reserved = [pacer.reserve("bot", pace) for _ in range(5)]  # five senders waiting
    fake_time.now = 0.45  # the event loop wakes them all late
    reserved.append(pacer.reserve("bot", pace))
    # The sixth slot follows the fifth on the schedule: the late wake-up cost nothing.
    assert reserved == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])


def test_a_limit_is_paced_just_under_so_no_second_holds_more() -> None:
    assert Pace.of(RateLimits(50, 1)) == Pace(interval=1 / 50, burst=1)
    assert Pace.of(RateLimits(500, 1)) == Pace(interval=1 / 491, burst=10)
    assert Pace.of(RateLimits(1, 1)) == Pace(interval=1.0, burst=1)


def test_the_window_guard_holds_a_send_until_the_oldest_leaves_the_window(
    fake_time: FakeTime,
) -> None:
    guard = WindowGuard()

    async def run() -> list[float]:
        times = []
        for _ in range(4):
            await guard.admit(3)
            times.append(fake_time.now)
        return times

    assert asyncio.run(run()) == pytest.approx([0.0, 0.0, 0.0, pacer_module.WINDOW_SECONDS])


def test_the_clocks_difference_comes_from_the_quickest_round_trip() -> None:
    offset = ClockOffset()
    # The database read its clock (100.0) somewhere in a local round trip from 0 to 1.
    assert offset.update(100.0, before=0.0, after=1.0) == 99.5
    assert offset.update(200.0, before=100.0, after=100.01) == pytest.approx(99.995)
    # A slow round trip (a busy host) tells less than the quick one did.
    assert offset.update(302.0, before=200.0, after=202.0) == pytest.approx(99.995)


def test_a_sender_woken_past_its_slot_gives_it_up_and_takes_the_next(
    fake_time: FakeTime,
) -> None:
    blocks = [[0.0], [0.3]]

    async def reserve(bucket: str, pace: Pace) -> list[float]:
        return blocks.pop(0)

    pacer = PostgresPacer(engine=None)  # type: ignore[arg-type]
    pacer._reserve = reserve  # type: ignore[method-assign]
    fake_time.now = 0.2  # the slot's moment passed while the process was kept waiting
    asyncio.run(
        pacer.acquire("telegram:bot", RateLimits(per_second=30, conversation_gap_seconds=1))
    )
    assert (blocks, fake_time.now) == ([], 0.3)


@pytest.mark.postgres
@pytest.mark.parametrize("shared", [True, False])
def test_two_dispatchers_sharing_a_limit_never_exceed_it_in_any_second(
    postgres_url: str, demo_curriculum: Curriculum, shared: bool
) -> None:
    limit, count = 20, 80
    clock = ManualClock(MONDAY_0930)
    first = make_services(postgres_url, clock, demo_curriculum)
    second = make_services(postgres_url, clock, demo_curriculum)
    learners = add_learners(first, count, clock.now(), platform="bench")
    first.deliveries.add([lesson(i, clock.now()) for i in learners], clock.now())
    for services in (first, second):
        assert isinstance(services.dispatcher._pacer, PostgresPacer)
        if not shared:  # the control: each process keeping the limit on its own
            services.dispatcher._pacer = LocalPacer()

    async def run() -> tuple[int, Counter[str]]:
        runner, port, _platform = await start(Faults(limit=limit, enforce=False))
        url = f"http://127.0.0.1:{port}"
        senders = [FakeSender(url, limit) for _ in range(2)]
        for services, sender in zip((first, second), senders, strict=True):
            services.senders["bench"] = sender
            services.dispatcher._batch = 10  # small batches, so both take part
        await asyncio.gather(first.dispatcher.drain(), second.dispatcher.drain())
        stats = await stats_of(url)
        for sender in senders:
            await sender.aclose()
        await runner.cleanup()
        return stats.max_in_one_second, Counter(stats.accepted)

    busiest, accepted = asyncio.run(run())
    assert len(accepted) == count and set(accepted.values()) == {1}
    assert (busiest <= limit) is shared
    with Session(first.engine) as session:
        claimers = session.exec(select(Delivery.claimed_by).distinct()).all()
        assert session.exec(select(Delivery).where(col(Delivery.status) != "sent")).all() == []
    assert len(claimers) > 2  # both dispatchers did work
