"""The learning effect in the anonymous benchmark (issue 13): each council's difference at
90 days beside the quartiles of all councils', withheld below five contributing councils
and where a tier's figure would single out the rest, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.effect import CHECKUP, HOLDOUT, REFRESHED
from storage.capability import Distribution, anonymous_effect, effect_benchmark
from storage.db import make_engine
from storage.migrate import upgrade
from storage.tables import Council, EffectProbe, Learner

AT = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
_codes = itertools.count(1)


@pytest.fixture
def engine(db_url: str) -> Engine:
    engine = make_engine(db_url)
    upgrade(engine)
    return engine


def council(
    engine: Engine,
    tier: str | None,
    refreshed: int,
    holdout: int | None,
    people: int = 4,
    day: int = 90,
) -> int:
    """A council of `people` learners, each with a refreshed and a held-out check-up on one
    module: the first `refreshed` and the first `holdout` answered right (holdout None:
    the held-out check-ups are not answered)."""
    code = f"e{next(_codes)}"
    with Session(engine) as session:
        council = Council(code=code, name=code, join_code=code, tier=tier, created_at=AT)
        session.add(council)
        session.flush()
        for n in range(people):
            learner = Learner(
                council_id=council.id,
                stage="active",
                awaiting="nothing",
                working_days="mon",
                created_at=AT,
                updated_at=AT,
            )
            session.add(learner)
            session.flush()
            for point, correct in (
                (REFRESHED, n < refreshed),
                (HOLDOUT, None if holdout is None else n < holdout),
            ):
                session.add(
                    EffectProbe(
                        learner_id=learner.id or 0,
                        module_id="m1",
                        kind=CHECKUP,
                        point=point,
                        question_id="m1-q1",
                        variant_id="m1-v1",
                        day=day,
                        answered_at=None if correct is None else AT,
                        correct=correct,
                        created_at=AT,
                    )
                )
        session.commit()
        return council.id or 0


def test_the_effect_is_withheld_until_five_councils_have_a_difference(engine: Engine) -> None:
    ours = council(engine, "district", 3, 1)  # 75% against 25%: +50
    for refreshed, holdout in ((4, 0), (2, 2), (1, 2)):  # +100, 0, -25
        council(engine, "district", refreshed, holdout)
    council(engine, "district", 4, None)  # no held-out answers: no difference
    council(engine, "district", 4, 0, day=30)  # 30 days only: not the 90-day figure
    four = effect_benchmark(engine, ours)
    assert (four.day, four.difference, four.pairs) == (90, 50.0, 4)
    assert four.low is not None and four.high is not None
    assert (round(four.low, 1), round(four.high, 1)) == (-13.5, 78.9)
    assert four.all_councils is None and four.tier is None
    assert anonymous_effect(engine) is None
    council(engine, "district", 3, 0)  # +75
    five = effect_benchmark(engine, ours)
    # Differences -25, 0, +50 (ours), +75, +100: quartiles 0, 50 and 75.
    assert five.all_councils == Distribution(5, 0.0, 50.0, 75.0)
    assert five.tier == Distribution(5, 0.0, 50.0, 75.0)
    assert anonymous_effect(engine) == Distribution(5, 0.0, 50.0, 75.0)


def test_a_tier_figure_is_withheld_when_the_rest_could_be_singled_out(engine: Engine) -> None:
    ours = council(engine, "district", 3, 1)
    for refreshed, holdout in ((4, 0), (2, 2), (1, 2), (3, 0)):
        council(engine, "district", refreshed, holdout)
    county = council(engine, "county", 4, 4)  # 0: differences -25, 0, 0, +50, +75, +100
    row = effect_benchmark(engine, ours)
    assert row.all_councils == Distribution(6, 0.0, 25.0, 68.75)
    assert row.tier is None  # comparing five districts with all six would reveal the county
    assert effect_benchmark(engine, county).tier is None
    assert anonymous_effect(engine, tier="district") is None
    assert anonymous_effect(engine, tier="county") is None
    empty = council(engine, None, 0, None)
    alone = effect_benchmark(engine, empty)
    assert (alone.difference, alone.pairs, alone.tier) == (None, 0, None)
    assert alone.all_councils == Distribution(6, 0.0, 25.0, 68.75)
