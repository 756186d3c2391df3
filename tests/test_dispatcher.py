"""The deliveries dispatcher on SQLite and PostgreSQL: retries honouring Retry-After,
unreachable learners, restarts and expired leases, idempotent planning, and several
dispatchers racing on one PostgreSQL with every delivery sent exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence

import pytest
from sqlmodel import Session, col, select

from adapters.recording import UNLIMITED, RecordingSender, Sent
from app.simulated import tick
from app.wiring import Services
from bot.deliveries import ClaimedDelivery, Composed, DeliveryKind, PlannedDelivery
from bot.messages import ConversationRef, Outbound, RateLimits, SendResult, SendStatus
from lessons.model import Curriculum
from runtime.clock import ManualClock
from runtime.dispatcher import Dispatcher
from runtime.leases import Leases
from runtime.metrics import render
from storage.tables import Council, Delivery, Identity, Learner
from tests.support.chat import make_services, outbox

MONDAY_0930 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def add_learners(
    services: Services, count: int, at: dt.datetime, platform: str = "test"
) -> list[int]:
    """Active learners of the demo council, reachable on a platform (the test one)."""
    with Session(services.engine) as session, session.begin():
        council = session.exec(select(Council).where(Council.code == "demo")).one()
        rows = [
            Learner(
                council_id=council.id,
                stage="active",
                awaiting="nothing",
                learning_time="09:00",
                working_days="mon tue wed thu fri",
                created_at=at,
                updated_at=at,
            )
            for _ in range(count)
        ]
        session.add_all(rows)
        session.flush()
        for row in rows:
            session.add(
                Identity(
                    learner_id=row.id or 0,
                    platform=platform,
                    user_id=f"u{row.id}",
                    conversation_id=f"c{row.id}",
                    created_at=at,
                )
            )
        return [row.id or 0 for row in rows]


def lesson(learner_id: int, at: dt.datetime) -> PlannedDelivery:
    return PlannedDelivery(f"lesson:{learner_id}:{at.date()}", learner_id, DeliveryKind.LESSON, at)


def statuses(services: Services) -> dict[str, str]:
    with Session(services.engine) as session:
        return {d.key: d.status for d in session.exec(select(Delivery)).all()}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_0930)


@pytest.fixture
def services(db_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> Services:
    return make_services(db_url, clock, demo_curriculum)


def test_planning_twice_or_from_two_processes_adds_nothing(
    services: Services, db_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    add_learners(services, 3, clock.now())
    assert services.plan() == 1
    assert services.plan() == 0
    other = make_services(db_url, clock, demo_curriculum)  # a second process, same database
    assert other.plan() == 0
    services.deliveries.add([lesson(1, clock.now())], clock.now())  # same key again
    assert sorted(statuses(services)) == [
        "lesson:1:2026-03-02",
        "lesson:2:2026-03-02",
        "lesson:3:2026-03-02",
    ]


def test_429_is_retried_after_the_retry_after_then_sent_once(
    services: Services, clock: ManualClock
) -> None:
    (learner,) = add_learners(services, 1, clock.now())
    services.deliveries.add([lesson(learner, clock.now())], clock.now())
    refusals = [SendResult(SendStatus.RETRY, retry_after=600, detail="429", throttled=True)]
    outbox(services).refuse = lambda ref: refusals.pop() if refusals else None
    tick(services)
    with Session(services.engine) as session:
        row = session.exec(select(Delivery)).one()
    assert (row.status, row.attempts, row.last_error) == ("queued", 0, "429")
    assert row.next_attempt_at >= clock.now() + dt.timedelta(seconds=600)
    clock.advance(dt.timedelta(minutes=9))
    tick(services)
    assert outbox(services).sent == []
    clock.advance(dt.timedelta(minutes=2))
    tick(services)
    tick(services)
    assert [sent.ref.user_id for sent in outbox(services).sent] == [f"u{learner}"]
    assert statuses(services) == {f"lesson:{learner}:2026-03-02": "sent"}


def the_row(services: Services) -> Delivery:
    with Session(services.engine) as session:
        return session.exec(select(Delivery)).one()


def test_a_long_throttling_spell_uses_no_attempts_and_ends_sent(
    services: Services, clock: ManualClock
) -> None:
    (learner,) = add_learners(services, 1, clock.now())
    services.deliveries.add([lesson(learner, clock.now())], clock.now())
    throttled = SendResult(SendStatus.RETRY, retry_after=30, detail="429", throttled=True)
    refusals = [throttled] * 20
    outbox(services).refuse = lambda ref: refusals.pop() if refusals else None
    for _ in range(20):  # well past the 8 attempts a failing platform gets
        tick(services)
        row = the_row(services)
        assert (row.status, row.attempts) == ("queued", 0)
        assert row.next_attempt_at >= clock.now() + dt.timedelta(seconds=30)
        clock.advance(dt.timedelta(seconds=34))
    tick(services)
    assert [sent.ref.user_id for sent in outbox(services).sent] == [f"u{learner}"]
    assert (the_row(services).status, the_row(services).attempts) == ("sent", 1)


def test_the_back_off_after_a_server_error_does_not_grow_from_earlier_429s(
    services: Services, clock: ManualClock
) -> None:
    (learner,) = add_learners(services, 1, clock.now())
    services.deliveries.add([lesson(learner, clock.now())], clock.now())
    refusals = [SendResult(SendStatus.RETRY, detail="503")] + [
        SendResult(SendStatus.RETRY, retry_after=1, detail="429", throttled=True)
    ] * 5
    outbox(services).refuse = lambda ref: refusals.pop() if refusals else None
    for _ in range(5):
        tick(services)
        clock.advance(dt.timedelta(seconds=2))
    tick(services)  # the 503: the first failed attempt, so 30 s ± 20%, not 16 minutes
    row = the_row(services)
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, "503")
    wait = row.next_attempt_at - clock.now()
    assert dt.timedelta(seconds=24) <= wait <= dt.timedelta(seconds=36)


def test_a_permanent_refusal_marks_the_learner_unreachable(
    services: Services, clock: ManualClock
) -> None:
    first, second = add_learners(services, 2, clock.now())
    blocked = ConversationRef("test", f"c{first}", f"u{first}")
    outbox(services).refuse = lambda ref: (
        SendResult(SendStatus.UNREACHABLE, detail="403 blocked") if ref == blocked else None
    )
    services.deliveries.add([lesson(first, clock.now()), lesson(second, clock.now())], clock.now())
    tick(services)
    assert statuses(services) == {
        f"lesson:{first}:2026-03-02": "unreachable",
        f"lesson:{second}:2026-03-02": "sent",
    }
    with Session(services.engine) as session:
        identity = session.exec(select(Identity).where(Identity.learner_id == first)).one()
    assert identity.unreachable_at == clock.now()
    # The next day nothing is even tried for the blocked learner.
    clock.advance(dt.timedelta(days=1))
    services.deliveries.add([lesson(first, clock.now())], clock.now())
    tick(services)
    assert statuses(services)[f"lesson:{first}:2026-03-03"] == "unreachable"
    assert [s.ref.user_id for s in outbox(services).sent] == [f"u{second}", f"u{second}"]


def test_a_crash_after_claiming_resends_within_30_seconds_but_never_a_recorded_send(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    crashed = make_services(sqlite_url, clock, demo_curriculum)
    one, two = add_learners(crashed, 2, clock.now())
    crashed.deliveries.add([lesson(one, clock.now()), lesson(two, clock.now())], clock.now())
    # The first process claims both, records one send, and dies before the other.
    lease = crashed.dispatcher.leases.lease
    claimed = crashed.deliveries.claim("dead", clock.now(), 10, lease)
    assert len(claimed) == 2
    crashed.deliveries.record_sent(claimed[0], "dead", clock.now(), "test", "m1")
    restarted = make_services(sqlite_url, clock, demo_curriculum)
    tick(restarted)
    assert outbox(restarted).sent == []  # the lease still holds
    # Nothing renews a dead process's lease: its claims are free after one lease, and
    # the next dispatcher round (every CB_DISPATCH_SECONDS) takes them, within 30 s.
    tick_seconds = restarted.settings.dispatch_seconds
    assert lease + dt.timedelta(seconds=tick_seconds) <= dt.timedelta(seconds=30)
    clock.advance(lease + dt.timedelta(seconds=1))
    tick(restarted)
    assert [s.ref.user_id for s in outbox(restarted).sent] == [f"u{claimed[1].learner_id}"]
    # The dead claim can no longer write over the new outcome.
    assert not crashed.deliveries.record_retry(claimed[1], "dead", clock.now(), "late")
    assert set(statuses(restarted).values()) == {"sent"}


def test_retries_give_up_as_failed_after_the_last_attempt(
    services: Services, clock: ManualClock
) -> None:
    (learner,) = add_learners(services, 1, clock.now())
    services.deliveries.add([lesson(learner, clock.now())], clock.now())
    outbox(services).refuse = lambda ref: SendResult(SendStatus.RETRY, retry_after=1, detail="503")
    for _ in range(8):
        tick(services)
        clock.advance(dt.timedelta(minutes=61))
        with Session(services.engine) as session, session.begin():
            row = session.exec(select(Delivery)).one()
            row.due_at = clock.now()  # keep it inside its day for the test
            session.add(row)
    assert statuses(services) == {f"lesson:{learner}:2026-03-02": "failed"}


def test_nothing_is_sent_on_a_claim_whose_lease_may_have_run_out(
    services: Services, clock: ManualClock
) -> None:
    (learner,) = add_learners(services, 1, clock.now())
    services.deliveries.add([lesson(learner, clock.now())], clock.now())
    leases = services.dispatcher.leases
    leases.lease = dt.timedelta(0)  # as if the heartbeat could not reach the database
    report = asyncio.run(services.dispatcher.run_once())
    assert (report.claimed, report.sent, report.statuses) == (1, 0, {1: "queued"})
    assert outbox(services).sent == []
    leases.lease = dt.timedelta(seconds=20)
    tick(services)  # queued again at once, so the next round sends it
    assert [s.ref.user_id for s in outbox(services).sent] == [f"u{learner}"]


class SlowSender(RecordingSender):
    """Records sends; `before(ref)` runs (and may take its time) before each is recorded."""

    before: Callable[[ConversationRef], Awaitable[None]] | None = None

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        if self.before is not None:
            await self.before(ref)
        return await super().send(ref, messages)


def test_a_live_dispatcher_renews_its_claims_so_a_slow_send_is_not_taken_over(
    services: Services, db_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    (learner,) = add_learners(services, 1, clock.now())
    services.deliveries.add([lesson(learner, clock.now())], clock.now())
    other = make_services(db_url, clock, demo_curriculum)  # a second process
    leases = services.dispatcher.leases
    taken_over: list[int] = []

    async def slow(ref: ConversationRef) -> None:
        # The send takes longer than a whole lease of clock time; meanwhile the heartbeat
        # renews the claim, so the other process finds nothing to take.
        clock.advance(leases.lease * 0.6)
        await leases.renew_now()  # what the heartbeat does every quarter lease
        clock.advance(leases.lease * 0.6)
        taken_over.append((await other.dispatcher.run_once()).claimed)

    sender = services.senders["test"] = SlowSender("test", clock.now)
    sender.before = slow
    asyncio.run(services.dispatcher.run_once())
    assert taken_over == [0]
    assert [s.ref.user_id for s in sender.sent] == [f"u{learner}"]
    assert outbox(other).sent == []
    assert set(statuses(services).values()) == {"sent"}


@pytest.mark.postgres
def test_several_dispatchers_on_postgresql_send_each_delivery_exactly_once(
    postgres_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    first = make_services(postgres_url, clock, demo_curriculum)
    learners = add_learners(first, 400, clock.now())
    first.deliveries.add([lesson(i, clock.now()) for i in learners], clock.now())
    workers = [first] + [make_services(postgres_url, clock, demo_curriculum) for _ in range(3)]
    shared = RecordingSender("test", clock.now)
    for worker in workers:
        worker.dispatcher._batch = 25  # small batches, so the workers interleave
        worker.senders["test"] = shared
    start = threading.Barrier(len(workers))

    def drain(worker: Services) -> None:
        start.wait()
        asyncio.run(worker.dispatch())

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sends = Counter(sent.ref.user_id for sent in shared.sent)
    assert len(sends) == 400
    assert set(sends.values()) == {1}
    with Session(first.engine) as session:
        claimers = session.exec(select(Delivery.claimed_by).distinct()).all()
        assert session.exec(select(Delivery).where(col(Delivery.status) != "sent")).all() == []
    assert len(claimers) > 1  # the work really was shared


def test_the_heartbeat_renews_held_claims_and_forgets_rows_taken_over() -> None:
    renewals: list[list[str]] = []

    def renew(tokens: list[str], now: dt.datetime, lease: dt.timedelta) -> list[tuple[str, int]]:
        renewals.append(tokens)
        return [("mine", 1)]  # row 2 was taken over by another dispatcher

    async def run() -> Leases:
        leases = Leases(renew, ManualClock(MONDAY_0930), dt.timedelta(seconds=0.2))
        leases.hold("mine", [1, 2], time.monotonic())
        while len(renewals) < 2:  # two heartbeats, with nobody calling renew_now
            await asyncio.sleep(0.01)
        assert not leases.may_send("mine", 2)
        leases.release("mine")
        return leases

    leases = asyncio.run(run())
    assert renewals[:2] == [["mine"], ["mine"]]
    assert leases._task is None  # the heartbeat stops with the last claim


def three_parts(services: Services, learner: int) -> Dispatcher:
    """A dispatcher whose every delivery is three messages, on the test platform."""
    ref = ConversationRef("test", f"c{learner}", f"u{learner}")
    parts = (Outbound("one"), Outbound("two"), Outbound("three"))
    return Dispatcher(
        services.deliveries,
        lambda delivery: Composed(ref, parts),
        services.senders,
        services.clock,
        services.dispatcher._metrics,
    )


def test_a_multi_part_send_that_fails_part_way_resumes_from_the_failed_part(
    services: Services, clock: ManualClock
) -> None:
    (learner,) = add_learners(services, 1, clock.now())
    services.deliveries.add([lesson(learner, clock.now())], clock.now())
    sender = services.senders["test"] = SlowSender("test", clock.now)
    progress: list[int] = []

    async def note_progress(ref: ConversationRef) -> None:
        progress.append(the_row(services).parts_sent)  # what a crash now would resume from

    sender.before = note_progress
    refusals = [None, SendResult(SendStatus.RETRY, detail="502")]
    sender.refuse = lambda ref: refusals.pop(0) if refusals else None
    dispatcher = three_parts(services, learner)
    asyncio.run(dispatcher.run_once())
    row = the_row(services)
    assert (row.status, row.parts_sent, row.last_error) == ("queued", 1, "502")
    clock.advance(dt.timedelta(minutes=2))
    asyncio.run(dispatcher.run_once())
    assert [m.text for s in sender.sent for m in s.messages] == ["one", "two", "three"]
    assert progress == [0, 1, 1, 2]
    assert (the_row(services).status, the_row(services).parts_sent) == ("sent", 3)


def test_a_send_that_timed_out_is_uncertain_and_resent_once_after_a_lease(
    services: Services, clock: ManualClock
) -> None:
    (learner,) = add_learners(services, 1, clock.now())
    services.deliveries.add([lesson(learner, clock.now())], clock.now())
    sender = outbox(services)
    timed_out: list[str] = []

    def slow_platform(ref: ConversationRef) -> SendResult | None:
        # The platform accepts the first send but answers after the client gave up.
        if timed_out:
            return None
        timed_out.append(ref.user_id)
        sender.sent.append(Sent(clock.now(), ref, ()))
        return SendResult(SendStatus.UNCERTAIN, detail="TimedOut")

    sender.refuse = slow_platform
    tick(services)
    row = the_row(services)
    assert (row.status, row.uncertain, row.attempts) == ("queued", 1, 1)
    assert row.next_attempt_at >= clock.now() + services.dispatcher.leases.lease
    tick(services)
    assert len(sender.sent) == 1  # not before the wait
    clock.advance(dt.timedelta(minutes=2))
    tick(services)
    tick(services)
    assert [s.ref.user_id for s in sender.sent] == [f"u{learner}"] * 2  # one duplicate at most
    assert (the_row(services).status, the_row(services).uncertain) == ("sent", 1)
    metrics = render(services.metrics).decode()
    assert 'bites_deliveries_uncertain_total{platform="test"} 1.0' in metrics


def test_composing_a_batch_decides_as_composing_one_by_one(
    services: Services, clock: ManualClock
) -> None:
    reachable, paused, hidden = add_learners(services, 3, clock.now())
    with Session(services.engine) as session, session.begin():
        row = session.get(Learner, paused)
        assert row is not None
        row.paused = True
        session.add(row)
        for identity in session.exec(select(Identity).where(Identity.learner_id == hidden)):
            identity.unreachable_at = clock.now()
            session.add(identity)
    services.deliveries.add(
        [lesson(i, clock.now()) for i in (reachable, paused, hidden)], clock.now()
    )
    claimed = services.deliveries.claim("t", clock.now(), 10, dt.timedelta(seconds=20))
    gone = ClaimedDelivery(999, "lesson:999", 999, DeliveryKind.LESSON, None, "{}", clock.now(), 1)
    batch = services.dispatcher._compose_batch([*claimed, gone])
    assert batch == [services.bot.compose(d) for d in [*claimed, gone]]
    assert [type(result).__name__ for result in batch] == [
        "Composed",
        "Withheld",
        "Withheld",
        "Withheld",
    ]


@pytest.mark.parametrize(("park", "slow_before_last_fast"), [(True, range(0, 9)), (False, [12])])
def test_a_batch_waiting_only_on_a_slow_limit_lets_the_next_batch_go(
    services: Services, clock: ManualClock, park: bool, slow_before_last_fast: Sequence[int]
) -> None:
    # Batches of 4 + 4 learners on a platform limited to 5 a second and on one without a
    # limit. Parked, a batch whose slow rows wait for their slots carries on in the
    # background and the next is claimed: the fast platform's sends do not wait for the
    # slow one's. Not parked, each batch ends at the slow platform's pace.
    learners = []
    for _ in range(16):
        learners += add_learners(services, 1, clock.now(), platform="slow")
        learners += add_learners(services, 1, clock.now(), platform="fast")
    services.deliveries.add([lesson(i, clock.now()) for i in learners], clock.now())
    sent: list[str] = []
    for platform, limits in (
        ("slow", RateLimits(per_second=5, conversation_gap_seconds=0)),
        ("fast", UNLIMITED),
    ):
        sender = RecordingSender(platform, clock.now, limits)
        sender.listeners.append(lambda record: sent.append(record.ref.platform))
        services.senders[platform] = sender
    services.dispatcher._batch = 8

    assert asyncio.run(services.dispatcher.drain(lanes=1, park=park)) == 32

    assert Counter(sent) == {"slow": 16, "fast": 16}
    last_fast = max(i for i, platform in enumerate(sent) if platform == "fast")
    assert sent[:last_fast].count("slow") in slow_before_last_fast
    assert set(statuses(services).values()) == {"sent"}
