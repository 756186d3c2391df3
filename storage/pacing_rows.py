"""A learner's pacing from their stored row and their council's (the defaults and the
rules are `scheduler.pacing`'s; this only reads the columns)."""

from __future__ import annotations

from sqlmodel import Session

from scheduler.pacing import Pacing, learner_pacing
from storage.tables import Council, Learner


def pacing_of(row: Learner, council: Council | None) -> Pacing:
    """A learner's pacing: their own settings, else their council's."""
    return learner_pacing(
        working_days=row.working_days,
        timezone=row.timezone or (council.timezone if council else None),
        nation=row.nation or (council.nation if council else None),
        learning_time=row.learning_time,
        work_start=council.work_start if council else None,
        work_end=council.work_end if council else None,
        away_from=row.away_from,
        away_until=row.away_until,
    )


def pacing_of_row(session: Session, row: Learner) -> Pacing:
    """A learner's pacing, reading their council from the session."""
    council = session.get(Council, row.council_id) if row.council_id is not None else None
    return pacing_of(row, council)
