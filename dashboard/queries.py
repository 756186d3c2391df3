"""The dashboard's reads, each scoped by council and by role.

Every query starts from `people_in_scope`: the learners of the viewer's council that
`bot.access` lets them see (a council admin: everyone in the council; a manager: the
members of the teams they manage), as `storage.visibility.visible_to` selects them.
Nothing here reads another council's rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.access import Actor
from bot.people import Standing, standings
from lessons.model import Curriculum, Module
from scheduler import srs
from scheduler.calibration import DEFAULT_SCALE
from storage.council_tables import Team
from storage.tables import Council, Learner, ModuleProgressRow, ReviewLogRow, SrsCard
from storage.team_facts import council_today, load_team_facts
from storage.visibility import visible_to

STRONG = 80  # mastery at or above this is "strong"
FAIR = 50  # at or above this (and below STRONG) is "fair"; below it, "weak"


@dataclass(frozen=True)
class Person:
    """A learner as the dashboard shows them."""

    learner_id: int
    name: str
    team: str


@dataclass(frozen=True)
class Cell:
    """One learner's mastery of one module: quiz score and predicted recall, in percent."""

    status: str  # "done", "started" or "not_started"
    quiz: int | None = None
    recall: int | None = None

    @property
    def mastery(self) -> int | None:
        """The lower of quiz score and predicted recall (what is known for sure)."""
        known = [value for value in (self.quiz, self.recall) if value is not None]
        return min(known) if self.status == "done" and known else None

    @property
    def band(self) -> str:
        """strong, fair, weak, started or not_started: a CSS class and a text label."""
        if self.mastery is None:
            return "started" if self.status == "started" else "not_started"
        if self.mastery >= STRONG:
            return "strong"
        return "fair" if self.mastery >= FAIR else "weak"


@dataclass(frozen=True)
class HeatRow:
    """A learner and their cells, one per module, in curriculum order."""

    person: Person
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class HeatMap:
    """People × modules."""

    modules: tuple[Module, ...]
    rows: tuple[HeatRow, ...]


@dataclass(frozen=True)
class Week:
    """One week of the completion and retention charts."""

    start: dt.date
    completed: int  # modules completed that week
    total_completed: int  # modules completed up to the end of that week
    reviews: int  # refresher answers that week
    recalled: int | None  # percent of them answered correctly (None without any)


@dataclass(frozen=True)
class Overdue:
    """A learner who is behind or stuck, as `bot.people.standing_of` decides for /team."""

    person: Person
    stuck: bool  # True: stuck in a module; False: behind
    days: int  # working days without a finished module (behind) or a step (stuck)
    modules_done: int


def people_in_scope(session: Session, actor: Actor) -> list[Person]:
    """The learners the actor may see, by name."""
    query = select(Learner, Team.name).join(Team, isouter=True).where(visible_to(actor))
    rows = session.exec(query.order_by(col(Learner.display_name), col(Learner.id))).all()
    return [
        Person(learner.id or 0, learner.display_name or f"Learner {learner.id}", team or "")
        for learner, team in rows
    ]


def heat_map(engine: Engine, actor: Actor, curriculum: Curriculum, now: dt.datetime) -> HeatMap:
    """Each visible learner's mastery of each module of their council's curriculum."""
    with Session(engine) as session:
        people = people_in_scope(session, actor)
        ids = [person.learner_id for person in people]
        progress = session.exec(
            select(ModuleProgressRow).where(col(ModuleProgressRow.learner_id).in_(ids))
        ).all()
        recall = _recall_by_module(session, ids, curriculum, now, _recall_scale(session, actor))
    by_key = {(row.learner_id, row.module_id): row for row in progress}
    rows = tuple(
        HeatRow(
            person,
            tuple(
                _cell(by_key.get((person.learner_id, module.id)), recall, person, module)
                for module in curriculum.modules
            ),
        )
        for person in people
    )
    return HeatMap(curriculum.modules, rows)


def _cell(
    row: ModuleProgressRow | None,
    recall: dict[tuple[int, str], int],
    person: Person,
    module: Module,
) -> Cell:
    if row is None:
        return Cell("not_started")
    if row.status != "completed":
        return Cell("started")
    quiz = round(100 * row.score / row.total) if row.score is not None and row.total else None
    return Cell("done", quiz, recall.get((person.learner_id, module.id)))


def _recall_by_module(
    session: Session,
    ids: Sequence[int],
    curriculum: Curriculum,
    now: dt.datetime,
    scale: float,
) -> dict[tuple[int, str], int]:
    """Mean predicted recall (percent) of each learner's refresher cards, per module, with
    the council's fitted memory scale (`scheduler.calibration`)."""
    cards = session.exec(select(SrsCard).where(col(SrsCard.learner_id).in_(ids))).all()
    values: dict[tuple[int, str], list[float]] = defaultdict(list)
    for card in cards:
        found = curriculum.find_question(card.question_id)
        if found is None or card.last_review is None:
            continue
        memory = srs.Memory(
            card.id or 0,
            card.state,
            card.step,
            card.stability,
            card.difficulty,
            card.due,
            card.last_review,
        )
        values[(card.learner_id, found[0].id)].append(srs.recall(memory, now, scale))
    return {key: round(100 * sum(found) / len(found)) for key, found in values.items()}


def _recall_scale(session: Session, actor: Actor) -> float:
    council = session.get(Council, actor.council_id)
    return council.recall_scale if council else DEFAULT_SCALE


def weeks(engine: Engine, actor: Actor, today: dt.date, count: int = 8) -> list[Week]:
    """Modules completed and refreshers recalled per week, for the last `count` weeks."""
    first = today - dt.timedelta(days=today.weekday() + 7 * (count - 1))
    start = dt.datetime.combine(first, dt.time(), dt.UTC)
    with Session(engine) as session:
        ids = [person.learner_id for person in people_in_scope(session, actor)]
        done = session.exec(
            select(ModuleProgressRow.completed_at).where(
                col(ModuleProgressRow.learner_id).in_(ids),
                col(ModuleProgressRow.completed_at).is_not(None),
            )
        ).all()
        reviews = session.exec(
            select(ReviewLogRow.reviewed_at, ReviewLogRow.rating).where(
                col(ReviewLogRow.learner_id).in_(ids),
                ReviewLogRow.source == "refresher",
                col(ReviewLogRow.reviewed_at) >= start,
            )
        ).all()
    before = sum(1 for at in done if at is not None and at < start)
    result = []
    for index in range(count):
        week_start = first + dt.timedelta(weeks=index)
        in_week = [at for at in done if at is not None and _week_of(at) == week_start]
        answered = [rating for at, rating in reviews if _week_of(at) == week_start]
        before += len(in_week)
        recalled = (
            round(100 * sum(1 for r in answered if r > srs.Grade.AGAIN) / len(answered))
            if answered
            else None
        )
        result.append(Week(week_start, len(in_week), before, len(answered), recalled))
    return result


def _week_of(at: dt.datetime) -> dt.date:
    day = at.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def overdue(
    engine: Engine, actor: Actor, curriculum: Curriculum, now: dt.datetime
) -> list[Overdue]:
    """Visible learners who are behind or stuck, by the one rule `/team` uses
    (`bot.people.standing_of`: people who stopped, are on leave or have finished every
    module never are), most days first."""
    with Session(engine) as session:
        people = {p.learner_id: p for p in people_in_scope(session, actor)}
        facts = load_team_facts(session, actor, council_today(session, actor.council_id, now))
    result = [
        Overdue(
            people[ranked.member.learner_id],
            ranked.standing is Standing.STUCK,
            ranked.days,
            ranked.member.completed,
        )
        for ranked in standings(facts, now, len(curriculum.modules))
        if ranked.standing in (Standing.BEHIND, Standing.STUCK)
        and ranked.member.learner_id in people
    ]
    return sorted(result, key=lambda o: (-o.days, o.person.name))
