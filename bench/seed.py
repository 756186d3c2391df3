"""Fill a database with many active learners (and their FSRS cards) for the benchmarks.

Rows go in with bulk Core inserts; the bot is not involved. Used by plan_cost.py and
service_memory.py."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, func, insert, select
from sqlmodel import col

from storage.tables import Council, Identity, Learner, SrsCard

TIMES = ("08:30", "12:30", "16:00")
CHUNK = 5000
# A learner's identity: platform, user id, conversation id and the reference's extra (JSON).
IdentityOf = Callable[[int], tuple[str, str, str, str]]


def bench_identity(learner_id: int) -> tuple[str, str, str, str]:
    """The default: every learner on the dispatch benchmarks' fake platform."""
    return "bench", f"u{learner_id}", f"c{learner_id}", "{}"


def seed_learners(
    engine: Engine,
    count: int,
    cards_each: int,
    at: dt.datetime,
    seed: int = 1,
    times: Sequence[str] = TIMES,
    identity: IdentityOf = bench_identity,
) -> None:
    """Add `count` active learners of the demo council, each with `cards_each` FSRS cards
    due at random over the next week, a learning time drawn from `times` and one identity
    (`identity` of their id)."""
    rng = random.Random(seed)
    with engine.begin() as connection:
        council_id = connection.execute(
            select(col(Council.id)).where(col(Council.code) == "demo")
        ).scalar_one()
        first = connection.execute(select(func.max(col(Learner.id)))).scalar()
        start = (first or 0) + 1
        for low in range(start, start + count, CHUNK):
            ids = range(low, min(low + CHUNK, start + count))
            connection.execute(insert(Learner), _learner_rows(ids, council_id, rng, at, times))
            connection.execute(insert(Identity), _identity_rows(ids, at, identity))
            if cards_each:
                connection.execute(insert(SrsCard), _card_rows(ids, cards_each, rng, at))


def _learner_rows(
    ids: range, council_id: int | None, rng: random.Random, at: dt.datetime, times: Sequence[str]
) -> list[dict[str, object]]:
    return [
        {
            "id": i,
            "council_id": council_id,
            "stage": "active",
            "awaiting": "nothing",
            "paused": False,
            "learning_time": rng.choice(times),
            "working_days": "mon tue wed thu fri",
            "cursor": 0,
            "attempt": 0,
            "nudges_ignored": 0,
            "created_at": at,
            "updated_at": at,
        }
        for i in ids
    ]


def _identity_rows(ids: range, at: dt.datetime, identity: IdentityOf) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i in ids:
        platform, user_id, conversation_id, extra = identity(i)
        rows.append(
            {
                "learner_id": i,
                "platform": platform,
                "user_id": user_id,
                "conversation_id": conversation_id,
                "extra": extra,
                "created_at": at,
            }
        )
    return rows


def _card_rows(
    ids: range, cards_each: int, rng: random.Random, at: dt.datetime
) -> list[dict[str, object]]:
    return [
        {
            "learner_id": i,
            "question_id": f"q{n}",
            "state": 2,
            "stability": rng.uniform(1, 30),
            "difficulty": rng.uniform(2, 8),
            "due": at + dt.timedelta(hours=rng.uniform(-48, 168)),
            "last_review": at - dt.timedelta(days=rng.uniform(1, 20)),
        }
        for i in ids
        for n in range(cards_each)
    ]
