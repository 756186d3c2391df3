"""The end state of a simulation run, read from its database."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from app.sim.metrics import CardFact
from scheduler import srs
from storage.tables import Council, Delivery, Identity, Learner, ModuleProgressRow, SrsCard

ACTIVE_TODAY = "already active today"  # the dispatcher's reason for a withheld lesson nudge


@dataclass(frozen=True)
class EndState:
    """What the database holds at the end of a run, by simulated user id."""

    cards: list[CardFact]
    memories: list[srs.Memory]
    modules_done: Counter[str]
    # (user id, when the dispatcher withheld it) for lesson nudges withheld as "already
    # active today"
    withheld_lessons: list[tuple[str, dt.datetime]]


def learner_ids(engine: Engine, platform: str) -> dict[str, int]:
    """Database learner id by user id on the simulated platform."""
    with Session(engine) as session:
        rows = session.exec(select(Identity).where(Identity.platform == platform)).all()
        return {row.user_id: row.learner_id for row in rows}


def stored_card(
    engine: Engine, learner_id: int, question_id: str
) -> tuple[srs.Memory, float] | None:
    """A learner's FSRS card for a question, as stored now, with their council's fitted
    stability scale (`scheduler.calibration`)."""
    with Session(engine) as session:
        found = session.exec(
            select(SrsCard, Council.recall_scale)
            .join(Learner, col(Learner.id) == col(SrsCard.learner_id))
            .join(Council, col(Council.id) == col(Learner.council_id))
            .where(SrsCard.learner_id == learner_id, SrsCard.question_id == question_id)
        ).first()
    return None if found is None else (_memory(found[0]), found[1])


def end_state(engine: Engine, users: dict[int, str]) -> EndState:
    """Read the end state; `users` maps learner ids to simulated user ids."""
    with Session(engine) as session:
        rows = session.exec(select(SrsCard)).all()
        done = session.execute(
            sql_select(col(ModuleProgressRow.learner_id), func.count())
            .where(col(ModuleProgressRow.status) == "completed")
            .group_by(col(ModuleProgressRow.learner_id))
        ).all()
        withheld = session.exec(
            select(Delivery).where(
                Delivery.kind == "lesson",
                Delivery.status == "skipped",
                Delivery.last_error == ACTIVE_TODAY,
            )
        ).all()
        return EndState(
            cards=[CardFact(users[r.learner_id], r.question_id, r.due, r.held_out) for r in rows],
            memories=[_memory(r) for r in rows],
            modules_done=Counter({users[learner]: int(n) for learner, n in done}),
            withheld_lessons=[(users[d.learner_id], d.next_attempt_at) for d in withheld],
        )


def _memory(row: SrsCard) -> srs.Memory:
    return srs.Memory(
        row.id or 0, row.state, row.step, row.stability, row.difficulty, row.due, row.last_review
    )
