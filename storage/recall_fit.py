"""Fitting each council's forgetting curve from its refresher answers, once a day.

The rule (what is fitted, how, and what it changes) is `scheduler.calibration`; this
module only reads the council's recent refresher answers from the review log and writes
the fitted scale on the council: through the ORM when the scale changes, so every
process's council cache is cleared (storage/council_cache.py), and with a plain UPDATE of the
day and the count when it does not, so the caches stay warm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import Engine, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from scheduler import calibration, srs
from storage.tables import Council, Learner, ReviewLogRow

WINDOW = dt.timedelta(days=180)  # answers older than this say little about today
MAX_ANSWERS = 20_000  # the most recent answers a fit reads, per council
_DAY_SECONDS = 86_400.0


def fit_councils(engine: Engine, now: dt.datetime) -> int:
    """Fit the stability scale of every council not yet fitted today; return how many."""
    today = now.date()
    fitted = 0
    with Session(engine) as session, session.begin():
        councils = session.exec(
            select(Council).where(
                (col(Council.recall_fitted_on).is_(None)) | (col(Council.recall_fitted_on) < today)
            )
        ).all()
        for council in councils:
            assert council.id is not None
            fit = calibration.fit_scale(_outcomes(session, council.id, now))
            if fit.scale != council.recall_scale:
                # Through the ORM: the flush clears every process's council cache.
                council.recall_scale = fit.scale
                council.recall_reviews = fit.reviews
                council.recall_fitted_on = today
                session.add(council)
            else:  # the bot's view of the council is unchanged: keep the caches warm
                session.execute(
                    update(Council)
                    .where(col(Council.id) == council.id)
                    .values(recall_reviews=fit.reviews, recall_fitted_on=today)
                )
            fitted += 1
    return fitted


def _outcomes(session: Session, council_id: int, now: dt.datetime) -> Iterator[calibration.Outcome]:
    rows = session.execute(
        sql_select(
            col(ReviewLogRow.card_before),
            col(ReviewLogRow.reviewed_at),
            col(ReviewLogRow.rating),
            col(ReviewLogRow.guessed),
        )
        .join(Learner, col(Learner.id) == col(ReviewLogRow.learner_id))
        .where(
            col(Learner.council_id) == council_id,
            col(ReviewLogRow.source) == "refresher",
            col(ReviewLogRow.card_before).is_not(None),
            col(ReviewLogRow.reviewed_at) >= now - WINDOW,
        )
        .order_by(col(ReviewLogRow.id).desc())
        .limit(MAX_ANSWERS)
    )
    for card_before, reviewed_at, rating, guessed in rows:
        before = srs.memory_from_json(card_before)
        if before.stability is None or before.last_review is None:
            continue
        elapsed = (reviewed_at - before.last_review).total_seconds() / _DAY_SECONDS
        recalled = rating != int(srs.Grade.AGAIN) and not guessed
        yield calibration.Outcome(elapsed, before.stability, recalled)
