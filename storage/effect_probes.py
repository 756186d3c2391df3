"""The learning-effect probes in the database: the effects that write them (pre-test,
module completion, check-up answers) and the reads the planner and the report need.

The rules (what is measured, when a check-up is due, what counts as remembered) live in
`bot.effect`; this module stores and reads rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.effect import (
    CHECKUP,
    CHECKUP_DAYS,
    HOLDOUT,
    PRETEST,
    REFRESHED,
    AnswerCheckup,
    AnswerPretest,
    CompleteMeasure,
    GuessCheckup,
    Probe,
    StartMeasure,
)
from scheduler.planner import CheckupItem
from storage.tables import EffectProbe, Learner, SrsCard

CHECKUP_WINDOW = dt.timedelta(days=14)  # a check-up not answered within this is dropped


def start_measure(session: Session, learner_id: int, effect: StartMeasure, at: dt.datetime) -> None:
    """Effect handler: the pre-test's two probes (once per learner and module)."""
    points = effect.points
    for point, question, variant in (
        (REFRESHED, points.refreshed, points.refreshed_pretest),
        (HOLDOUT, points.holdout, points.holdout_pretest),
    ):
        _add(session, learner_id, effect.module_id, PRETEST, point, question, variant, 0, None, at)


def answer_pretest(
    session: Session, learner_id: int, effect: AnswerPretest, at: dt.datetime
) -> None:
    """Effect handler: record a pre-test answer (the first one counts)."""
    session.execute(
        update(EffectProbe)
        .where(
            col(EffectProbe.learner_id) == learner_id,
            col(EffectProbe.module_id) == effect.module_id,
            col(EffectProbe.kind) == PRETEST,
            col(EffectProbe.point) == effect.point,
            col(EffectProbe.answered_at).is_(None),
        )
        .values(correct=effect.correct, answered_at=at)
    )


def complete_measure(
    session: Session, learner_id: int, effect: CompleteMeasure, at: dt.datetime
) -> None:
    """Effect handler: hold the held-out point back from refreshers, plan the check-ups."""
    points = effect.points
    session.execute(
        update(SrsCard)
        .where(col(SrsCard.learner_id) == learner_id, col(SrsCard.question_id) == points.holdout)
        .values(held_out=True)
    )
    for day in CHECKUP_DAYS:
        due = effect.completed_on + dt.timedelta(days=day)
        for point, question, variant in (
            (REFRESHED, points.refreshed, points.refreshed_checkup),
            (HOLDOUT, points.holdout, points.holdout_checkup),
        ):
            _add(
                session,
                learner_id,
                effect.module_id,
                CHECKUP,
                point,
                question,
                variant,
                day,
                due,
                at,
            )


def answer_checkup(
    session: Session, learner_id: int, effect: AnswerCheckup, at: dt.datetime
) -> None:
    """Effect handler: a check-up answered in a round (the first answer counts)."""
    session.execute(
        update(EffectProbe)
        .where(
            col(EffectProbe.id) == effect.probe_id,
            col(EffectProbe.learner_id) == learner_id,
            col(EffectProbe.answered_at).is_(None),
        )
        .values(
            correct=effect.correct,
            answered_at=at,
            round_id=effect.round_id,
            round_item=effect.round_item,
        )
    )


def guess_checkup(session: Session, learner_id: int, effect: GuessCheckup, at: dt.datetime) -> None:
    """Effect handler: "I guessed" on a check-up's feedback."""
    session.execute(
        update(EffectProbe)
        .where(col(EffectProbe.id) == effect.probe_id, col(EffectProbe.learner_id) == learner_id)
        .values(guessed=True)
    )


def _add(
    session: Session,
    learner_id: int,
    module_id: str,
    kind: str,
    point: str,
    question_id: str,
    variant_id: str,
    day: int,
    due_on: dt.date | None,
    at: dt.datetime,
) -> None:
    exists = session.exec(
        select(EffectProbe.id).where(
            EffectProbe.learner_id == learner_id,
            EffectProbe.module_id == module_id,
            EffectProbe.kind == kind,
            EffectProbe.point == point,
            EffectProbe.day == day,
        )
    ).first()
    if exists is None:
        session.add(
            EffectProbe(
                learner_id=learner_id,
                module_id=module_id,
                kind=kind,
                point=point,
                question_id=question_id,
                variant_id=variant_id,
                day=day,
                due_on=due_on,
                created_at=at,
            )
        )


def due_checkups(
    session: Session, day: dt.date, learner_ids: Sequence[int]
) -> dict[int, list[CheckupItem]]:
    """The check-ups due for these learners on a local date, unanswered, not older than
    `CHECKUP_WINDOW`: the planner puts them in the day's round."""
    if not learner_ids:
        return {}
    wanted = set(learner_ids)
    # A range, not IN (…): planning pages hold thousands of learners, and binding each id
    # costs more than the query.
    rows = session.exec(
        select(EffectProbe.learner_id, EffectProbe.id, EffectProbe.variant_id)
        .where(
            col(EffectProbe.learner_id).between(min(wanted), max(wanted)),
            EffectProbe.kind == CHECKUP,
            col(EffectProbe.answered_at).is_(None),
            col(EffectProbe.due_on) <= day,
            col(EffectProbe.due_on) > day - CHECKUP_WINDOW,
        )
        .order_by(col(EffectProbe.id))
    ).all()
    due: dict[int, list[CheckupItem]] = {}
    for learner_id, probe_id, variant_id in rows:
        if learner_id in wanted:
            due.setdefault(learner_id, []).append(CheckupItem(probe_id or 0, variant_id))
    return due


def probes_of(session: Session, council_id: int) -> list[tuple[Probe, int | None]]:
    """Every probe of a council's learners, with the learner's team."""
    rows = session.exec(
        select(EffectProbe, Learner.team_id)
        .join(Learner, col(Learner.id) == col(EffectProbe.learner_id))
        .where(Learner.council_id == council_id)
    ).all()
    return [
        (
            Probe(p.learner_id, p.module_id, p.kind, p.point, p.day, p.correct, p.guessed),
            team_id,
        )
        for p, team_id in rows
    ]


def checkups_by_council(session: Session, day: int) -> dict[int, list[Probe]]:
    """Every council's check-ups at one delay, answered or not, by council id (for the
    anonymous benchmark; the measure decides which count)."""
    rows = session.exec(
        select(EffectProbe, Learner.council_id)
        .join(Learner, col(Learner.id) == col(EffectProbe.learner_id))
        .where(EffectProbe.kind == CHECKUP, EffectProbe.day == day)
    ).all()
    found: dict[int, list[Probe]] = {}
    for p, council_id in rows:
        probe = Probe(p.learner_id, p.module_id, p.kind, p.point, p.day, p.correct, p.guessed)
        if council_id is not None:  # a learner not yet in a council belongs to no figure
            found.setdefault(council_id, []).append(probe)
    return found
