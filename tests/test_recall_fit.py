"""Each council's forgetting curve is fitted once a day from its refresher answers, on
each database (storage/recall_fit.py), and the bot schedules with it."""

from __future__ import annotations

import datetime as dt
import random

from sqlmodel import Session, select

from app.cli_common import migrated_engine
from scheduler import srs
from scheduler.calibration import MIN_REVIEWS
from storage.recall_fit import fit_councils
from storage.store import SqlStore
from storage.tables import Council, Learner, ReviewLogRow, SrsCard

NOW = dt.datetime(2026, 6, 1, 6, 0, tzinfo=dt.UTC)


def _council_with_answers(url: str, recalled_share: float) -> None:
    """A council whose officers answered 2 * MIN_REVIEWS refreshers, each 10 days after a
    review that left a 10-day stability (FSRS predicts 90% recall)."""
    engine = migrated_engine(url)
    store = SqlStore(engine)
    store.ensure_council("east", "East Council", "EAST", NOW - dt.timedelta(days=100))
    rng = random.Random(3)  # noqa: S311 - simulated answers
    with Session(engine) as session, session.begin():
        council = session.exec(select(Council).where(Council.code == "east")).one()
        learner = Learner(
            council_id=council.id,
            stage="active",
            awaiting="none",
            working_days="mon",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(learner)
        session.flush()
        assert learner.id is not None
        for n in range(2 * MIN_REVIEWS):
            last = NOW - dt.timedelta(days=20, minutes=n)
            card = SrsCard(learner_id=learner.id, question_id=f"q{n}", state=2, due=NOW)
            session.add(card)
            session.flush()
            assert card.id is not None
            before = srs.Memory(card.id, 2, None, 10.0, 5.0, last, last)
            session.add(
                ReviewLogRow(
                    card_id=card.id,
                    learner_id=learner.id,
                    question_id=f"q{n}",
                    rating=3 if rng.random() < recalled_share else 1,
                    reviewed_at=last + dt.timedelta(days=10),
                    source="refresher",
                    card_before=srs.memory_to_json(before),
                )
            )
    engine.dispose()


def test_a_council_that_forgets_faster_is_fitted_a_smaller_scale(db_url: str) -> None:
    _council_with_answers(db_url, recalled_share=0.7)
    engine = migrated_engine(db_url)
    assert fit_councils(engine, NOW) >= 1
    assert fit_councils(engine, NOW) == 0  # once a day
    with SqlStore(engine).transaction() as tx:
        council = tx.council_by_join_code("EAST")
    assert council is not None
    assert council.recall_scale < 0.6  # 70% recalled where FSRS predicted 90%
    assert council.scheduling_retention > council.desired_retention
    engine.dispose()
