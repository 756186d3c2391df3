"""A learner's pacing from their stored row and their council's (the defaults and the
rules are `scheduler.pacing`'s; this only reads the columns)."""

from __future__ import annotations

from sqlmodel import Session

from scheduler.pacing import Pacing, learner_pacing
from storage.tables import Learner, Organisation


def pacing_of(row: Learner, org: Organisation | None) -> Pacing:
    """A learner's pacing: their own settings, else their council's."""
    return learner_pacing(
        working_days=row.working_days,
        timezone=row.timezone or (org.timezone if org else None),
        nation=row.nation or (org.nation if org else None),
        learning_time=row.learning_time,
        work_start=org.work_start if org else None,
        work_end=org.work_end if org else None,
        away_from=row.away_from,
        away_until=row.away_until,
    )


def pacing_of_row(session: Session, row: Learner) -> Pacing:
    """A learner's pacing, reading their council from the session."""
    org = session.get(Organisation, row.org_id) if row.org_id is not None else None
    return pacing_of(row, org)
