"""What a manager's team report is computed from: the members of the teams an actor may
see, their progress, FSRS cards and possible misconceptions, and the council's median
(the rules that judge them are in `bot.people`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.access import Actor
from bot.people import (
    MAX_MISCONCEPTIONS,
    MISCONCEPTION_DAYS,
    CardFacts,
    MemberFacts,
    TeamFacts,
    median,
)
from scheduler.calibration import DEFAULT_SCALE
from scheduler.pacing import zone
from scheduler.srs import Memory
from storage.council_tables import Team
from storage.pacing_rows import pacing_of
from storage.reviews import every_review
from storage.tables import Council, Delivery, Learner, ModuleProgressRow, SrsCard
from storage.visibility import visible_to


def load_team_facts(session: Session, actor: Actor, today: dt.date) -> TeamFacts:
    """Members of the teams the actor manages (the whole council, people in no team too,
    for a council admin), in the actor's council only, with their FSRS cards and the
    council's median of modules done. The same people the dashboard shows
    (`storage.visibility.visible_to`): a manager in their own team counts in it. `today`
    is the viewer's local date (the day a manager's nudge counts for)."""
    council = session.get(Council, actor.council_id)
    scale = council.recall_scale if council else DEFAULT_SCALE
    query = (
        select(Learner, Team)
        .join(Team, col(Learner.team_id) == col(Team.id), isouter=True)
        .where(visible_to(actor))
    )
    rows = session.exec(query).all()
    ids = [learner.id for learner, _team in rows if learner.id is not None]
    done = _completions(session, ids)
    nudged = _nudged(session, ids, today)
    members = sorted(
        (_member(learner, team, done, nudged, council) for learner, team in rows),
        key=lambda m: (m.team_name, m.name is None, m.name or "", m.learner_id),
    )
    return TeamFacts(
        tuple(members),
        tuple(_cards(session, ids)),
        _council_median(session, actor.council_id),
        scale,
        _misconceptions(session, ids, today),
    )


def council_today(session: Session, council_id: int, now: dt.datetime) -> dt.date:
    """The council's local date at `now`: the day of a report read outside chat."""
    council = session.get(Council, council_id)
    return now.astimezone(zone(council.timezone if council else None)).date()


def _misconceptions(
    session: Session, ids: Sequence[int], today: dt.date
) -> tuple[tuple[str, int], ...]:
    """Questions the team's people answered wrong without "I guessed", lately."""
    if not ids:
        return ()
    since = dt.datetime.combine(today - dt.timedelta(days=MISCONCEPTION_DAYS), dt.time(0), dt.UTC)
    review = every_review().c  # a quiz answer's review and a refresher's
    people = func.count(func.distinct(review.learner_id))
    rows = session.execute(
        sa_select(review.question_id, people)
        .where(
            review.learner_id.in_(list(ids)),
            review.rating == 1,  # Again: a wrong answer
            review.guessed.is_(False),
            review.reviewed_at >= since,
        )
        .group_by(review.question_id)
        .order_by(people.desc(), review.question_id)
        .limit(MAX_MISCONCEPTIONS)
    ).all()
    return tuple((question, int(count)) for question, count in rows)


def _member(
    learner: Learner,
    team: Team | None,
    done: dict[int, tuple[int, dt.datetime | None]],
    nudged: set[int],
    council: Council | None,
) -> MemberFacts:
    assert learner.id is not None
    count, last = done.get(learner.id, (0, None))
    return MemberFacts(
        learner_id=learner.id,
        name=learner.display_name,
        team_id=team.id if team else None,
        team_name=team.name if team else "",
        joined_at=learner.created_at,
        onboarded=learner.stage == "active",
        paused=learner.paused,
        calendar=pacing_of(learner, council),
        completed=count,
        last_completed_at=last,
        module_id=learner.module_id,
        last_step_at=learner.updated_at,
        nudged_today=learner.id in nudged,
    )


def _completions(session: Session, ids: Sequence[int]) -> dict[int, tuple[int, dt.datetime | None]]:
    if not ids:
        return {}
    rows = session.exec(
        select(
            ModuleProgressRow.learner_id,
            func.count(),
            func.max(ModuleProgressRow.completed_at),
        )
        .where(col(ModuleProgressRow.learner_id).in_(ids), ModuleProgressRow.status == "completed")
        .group_by(col(ModuleProgressRow.learner_id))
    ).all()
    return {learner_id: (int(count), last) for learner_id, count, last in rows}


def _nudged(session: Session, ids: Sequence[int], today: dt.date) -> set[int]:
    keys = [nudge_key(learner_id, today) for learner_id in ids]
    if not keys:
        return set()
    rows = session.exec(select(Delivery.learner_id).where(col(Delivery.key).in_(keys))).all()
    return set(rows)


def _cards(session: Session, ids: Sequence[int]) -> Iterator[CardFacts]:
    if not ids:
        return
    for row in session.exec(select(SrsCard).where(col(SrsCard.learner_id).in_(ids))).all():
        assert row.id is not None
        memory = Memory(
            row.id, row.state, row.step, row.stability, row.difficulty, row.due, row.last_review
        )
        yield CardFacts(row.learner_id, row.question_id, memory)


def _council_median(session: Session, council_id: int) -> float:
    """The median number of modules completed by the council's onboarded learners."""
    completed = func.count(col(ModuleProgressRow.id))
    rows = session.exec(
        select(Learner.id, completed)
        .join(
            ModuleProgressRow,
            (col(ModuleProgressRow.learner_id) == col(Learner.id))
            & (col(ModuleProgressRow.status) == "completed"),
            isouter=True,
        )
        .where(Learner.council_id == council_id, Learner.stage == "active")
        .group_by(col(Learner.id))
    ).all()
    return median([int(count) for _id, count in rows])


def nudge_key(learner_id: int, day: dt.date) -> str:
    """The idempotency key that allows one manager nudge a learner a day."""
    return f"nudge:{learner_id}:{day.isoformat()}"
