"""The anonymous capability benchmark: medians per council, quartiles across councils,
and k-anonymity (nothing shown from fewer than five councils), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from storage.capability import Distribution, anonymous_distribution, benchmark
from storage.council_tables import Assessment
from storage.db import make_engine
from storage.migrate import upgrade
from storage.tables import Council, Learner

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
_codes = itertools.count(1)


@pytest.fixture
def engine(db_url: str) -> Engine:
    engine = make_engine(db_url)
    upgrade(engine)
    return engine


def council(engine: Engine, tier: str | None, answers: list[dict[int, tuple[int, int]]]) -> int:
    """A council whose people gave these answers (one dict per person: area → level, target)."""
    code = f"c{next(_codes)}"
    with Session(engine) as session:
        council = Council(code=code, name=code, join_code=code, tier=tier, created_at=AT)
        session.add(council)
        session.flush()
        assert council.id is not None
        for person in answers:
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
            assert learner.id is not None
            for area, (level, target) in person.items():
                session.add(
                    Assessment(
                        council_id=council.id,
                        learner_id=learner.id,
                        area=area,
                        level=level,
                        target=target,
                        at=AT,
                    )
                )
        session.commit()
        return council.id


def test_four_contributing_councils_are_withheld_and_five_are_shown(engine: Engine) -> None:
    ours = council(engine, "district", [{1: (2, 3)}, {1: (3, 4)}, {1: (3, 3)}])
    for level in (1, 4, 5):
        council(engine, "district", [{1: (level, 5)}])
    four = benchmark(engine, ours).areas[0]
    assert (four.area, four.level, four.target, four.respondents) == (1, 3.0, 3.0, 3)
    assert four.all_councils is None  # only 4 councils answered area 1
    assert four.tier is None
    council(engine, "district", [{1: (2, 2)}])
    five = benchmark(engine, ours).areas[0]
    # Council levels: 1, 2, 3 (ours: median of 2, 3, 3), 4, 5 → quartiles 2, 3, 4.
    assert five.all_councils == Distribution(5, 2.0, 3.0, 4.0)
    assert five.tier == Distribution(5, 2.0, 3.0, 4.0)


def test_each_area_counts_its_own_contributing_councils(engine: Engine) -> None:
    ours = council(engine, None, [{1: (3, 3), 2: (2, 3)}])
    for _ in range(4):
        council(engine, None, [{1: (2, 4)}])  # nobody else answered area 2
    result = {row.area: row for row in benchmark(engine, ours).areas}
    assert list(result) == [1, 2, 3, 4, 5, 6, 7, 8]  # the council's areas: 1-8 by default
    assert result[1].all_councils == Distribution(5, 2.0, 2.0, 2.0)
    assert result[2].all_councils is None
    assert (result[2].level, result[2].respondents) == (2.0, 1)
    assert (result[3].level, result[3].all_councils) == (None, None)
    assert result[1].tier is None  # no tier set


def test_a_tier_figure_is_withheld_when_the_rest_could_be_singled_out(engine: Engine) -> None:
    ours = council(engine, "district", [{1: (1, 2)}])
    for level in (2, 3, 4, 5):
        council(engine, "district", [{1: (level, 5)}])
    outsider = council(engine, "county", [{1: (5, 5)}])
    row = benchmark(engine, ours).areas[0]
    assert row.all_councils == Distribution(6, 2.25, 3.5, 4.75)
    # Five districts, but comparing them with all six would reveal the one county.
    assert row.tier is None
    # The county's own tier has one council: withheld as well.
    assert benchmark(engine, outsider).areas[0].tier is None
    for level in (1, 2, 3, 4):
        council(engine, "county", [{1: (level, 5)}])
    assert benchmark(engine, ours).areas[0].tier == Distribution(5, 2.0, 3.0, 4.0)


def test_the_platform_view_is_anonymous_and_k_anonymous(engine: Engine) -> None:
    for level in (1, 2, 3, 4):
        council(engine, "unitary", [{3: (level, 4)}])
    assert anonymous_distribution(engine)[3] is None
    council(engine, "unitary", [{3: (5, 5)}])
    everyone = anonymous_distribution(engine)
    assert everyone[3] == Distribution(5, 2.0, 3.0, 4.0)
    assert everyone[1] is None
    assert anonymous_distribution(engine, tier="unitary")[3] == Distribution(5, 2.0, 3.0, 4.0)
    assert anonymous_distribution(engine, tier="district")[3] is None


def test_only_the_latest_answer_of_people_still_in_the_council_counts(engine: Engine) -> None:
    ours = council(engine, None, [{1: (1, 2)}])
    with Session(engine) as session:
        learner = session.exec(select(Learner).where(Learner.council_id == ours)).one()
        session.add(
            Assessment(
                council_id=ours,
                learner_id=learner.id or 0,
                area=1,
                level=4,
                target=5,
                at=AT + dt.timedelta(days=1),
            )
        )
        session.commit()
    row = benchmark(engine, ours).areas[0]
    assert (row.level, row.target, row.respondents) == (4.0, 5.0, 1)


def test_an_unknown_council_is_an_error(engine: Engine) -> None:
    with pytest.raises(LookupError):
        benchmark(engine, 999)
