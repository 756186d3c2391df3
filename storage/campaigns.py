"""Refresher campaigns: create, list, preview (who would get what), cancel, and plan their
questions into `delivery` rows.

A campaign's questions go out as refresher deliveries (kind `refresher`, so answering one
updates the learner's FSRS card like any refresher) with the key
`campaign:<id>:<learner>:<round start>:<question>`, so planning again is harmless. They
fit inside the learner's daily refresher cap after the day's own plan (a campaign waits
for the planner's run of that day), so a campaign never adds to the daily load.

Managing campaigns is for council admins, in their own council only; every create and
cancel writes an audit row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.access import GRANTABLE, Actor, Role, can_manage_council, require
from bot.flows.campaigns import (
    LOW_SCORE,
    TARGET_KINDS,
    campaign_modules,
    campaign_questions,
    current_round,
    next_start,
    parse_rule,
)
from bot.ports import MAX_RECORD_ID
from lessons.model import Curriculum
from scheduler.pacing import LAST_SEND_BEFORE_END, is_working_day, refresher_times, window
from storage.people import pacing_of_row, record_audit
from storage.tables import (
    Campaign,
    Delivery,
    Learner,
    ModuleProgressRow,
    Organisation,
    PlanRun,
    RoleGrant,
    Team,
)


@dataclass(frozen=True)
class CampaignSpec:
    """What an admin asks for: modules and/or questions, a target and a schedule rule."""

    name: str
    modules: tuple[str, ...]
    questions: tuple[str, ...]
    target_kind: str  # council, team (value: its name), role (value: a role), low_scorers
    target_value: str | None
    rule: str


@dataclass(frozen=True)
class CampaignView:
    """A stored campaign."""

    id: int
    name: str
    modules: tuple[str, ...]
    questions: tuple[str, ...]
    target_kind: str
    target_value: str | None
    rule: str
    status: str


@dataclass(frozen=True)
class Recipient:
    """Who would receive a campaign round, and which questions."""

    learner_id: int
    name: str | None
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Preview:
    """A campaign's next (or current) round and its recipients."""

    campaign: CampaignView
    round_start: dt.date | None
    recipients: tuple[Recipient, ...]


class SqlCampaigns:
    """Campaigns in the database, and the planner step that delivers them."""

    def __init__(self, engine: Engine, curriculum: Curriculum) -> None:
        self._engine = engine
        self._curriculum = curriculum

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    def create(self, actor: Actor, spec: CampaignSpec, at: dt.datetime) -> CampaignView:
        """Check and store a campaign of the actor's council; ValueError says what is wrong."""
        require(can_manage_council(actor, actor.org_id), "create a campaign")
        with self._session() as session:
            self._check(session, actor.org_id, spec)
            row = Campaign(
                org_id=actor.org_id,
                name=spec.name.strip(),
                modules=json.dumps(list(spec.modules)),
                questions=json.dumps(list(spec.questions)),
                target_kind=spec.target_kind,
                target_value=spec.target_value,
                rule=spec.rule.strip().lower(),
                created_by=actor.label,
                created_at=at,
            )
            session.add(row)
            session.flush()
            record_audit(session, actor, "campaign.create", f"campaign:{row.id}", at)
            return _view(row)

    def list_campaigns(self, actor: Actor) -> list[CampaignView]:
        """The council's campaigns, newest first."""
        require(can_manage_council(actor, actor.org_id), "list campaigns")
        with self._session() as session:
            rows = session.exec(
                select(Campaign)
                .where(Campaign.org_id == actor.org_id)
                .order_by(col(Campaign.id).desc())
            ).all()
            return [_view(row) for row in rows]

    def cancel(self, actor: Actor, campaign_id: int, at: dt.datetime) -> int:
        """Cancel a campaign and its deliveries not yet sent; how many were withdrawn."""
        with self._session() as session:
            row = self._own(session, actor, campaign_id, "cancel a campaign")
            row.status = "cancelled"
            session.add(row)
            queued = session.exec(
                select(Delivery).where(
                    col(Delivery.key).startswith(f"campaign:{campaign_id}:"),
                    Delivery.status == "queued",
                )
            ).all()
            for delivery in queued:
                delivery.status, delivery.last_error = "skipped", "campaign cancelled"
                session.add(delivery)
            record_audit(
                session,
                actor,
                "campaign.cancel",
                f"campaign:{campaign_id}",
                at,
                withdrawn=len(queued),
            )
            return len(queued)

    def preview(self, actor: Actor, campaign_id: int, today: dt.date) -> Preview:
        """Who would receive the current or next round, and which questions."""
        with self._session() as session:
            row = self._own(session, actor, campaign_id, "preview a campaign")
            rule = parse_rule(row.rule)
            start = current_round(rule, today) or next_start(rule, today)
            curriculum = self._for(session, row.org_id)
            questions = _questions(row, curriculum)
            recipients = tuple(
                Recipient(learner.id or 0, learner.display_name, questions)
                for learner in self._targets(session, row, curriculum)
            )
            return Preview(_view(row), start, recipients if start else ())

    def plan(self, now: dt.datetime) -> int:
        """Plan the running rounds of every active campaign into deliveries, for learners
        whose day has been planned; return how many deliveries were added."""
        added = 0
        with self._session() as session:
            for row in session.exec(select(Campaign).where(Campaign.status == "active")).all():
                curriculum = self._for(session, row.org_id)
                questions = _questions(row, curriculum)
                for learner in self._targets(session, row, curriculum):
                    added += self._plan_learner(session, row, learner, questions, now)
        return added

    def _plan_learner(
        self,
        session: Session,
        campaign: Campaign,
        learner: Learner,
        questions: tuple[str, ...],
        now: dt.datetime,
    ) -> int:
        pacing = pacing_of_row(session, learner)
        today = now.astimezone(pacing.zone).date()
        start = current_round(parse_rule(campaign.rule), today)
        if start is None or not is_working_day(pacing, today):
            return 0
        if session.get(PlanRun, (pacing.timezone, today)) is None:
            return 0  # the day's own plan first, so the cap counts it
        prefix = f"campaign:{campaign.id}:{learner.id}:{start.isoformat()}:"
        sent = set(
            session.exec(select(Delivery.ref).where(col(Delivery.key).startswith(prefix))).all()
        )
        day_start, day_end = window(pacing, today)
        used = _refreshers_between(session, learner.id or 0, day_start, day_end)
        org = session.get(Organisation, learner.org_id)
        room = max(0, (org.refresher_cap if org else 3) - used)
        wanted = [q for q in questions if q not in sent][:room]
        times = refresher_times(pacing, today, used + len(wanted))[used:]
        latest = day_end - LAST_SEND_BEFORE_END
        added = 0
        for question, at in zip(wanted, times, strict=True):
            due = max(at, now)
            if due > latest:
                break
            added += _insert(session, prefix + question, learner.id or 0, question, due, now)
        return added

    def _targets(
        self, session: Session, campaign: Campaign, curriculum: Curriculum
    ) -> list[Learner]:
        """Onboarded, unpaused learners of the campaign's council that its target names."""
        query = select(Learner).where(
            Learner.org_id == campaign.org_id,
            Learner.stage == "active",
            col(Learner.paused).is_(False),
        )
        kind, value = campaign.target_kind, campaign.target_value
        if kind == "team":
            team = session.exec(
                select(Team).where(Team.org_id == campaign.org_id, Team.name == value)
            ).first()
            query = query.where(Learner.team_id == (team.id if team else -1))
        elif kind == "role" and value != Role.LEARNER.value:
            holders = select(RoleGrant.learner_id).where(
                RoleGrant.org_id == campaign.org_id, RoleGrant.role == value
            )
            query = query.where(col(Learner.id).in_(holders))
        learners = list(session.exec(query.order_by(col(Learner.id))).all())
        if kind == "low_scorers":
            modules = campaign_modules(
                curriculum,
                tuple(json.loads(campaign.modules)),
                tuple(json.loads(campaign.questions)),
            )
            low = _low_scorers(session, [p.id or 0 for p in learners], modules)
            learners = [p for p in learners if p.id in low]
        return learners

    def _check(self, session: Session, org_id: int, spec: CampaignSpec) -> None:
        if not spec.name.strip() or len(spec.name) > 120:
            raise ValueError("a campaign name is 1 to 120 characters")
        parse_rule(spec.rule)
        curriculum = self._for(session, org_id)
        unknown = [m for m in spec.modules if curriculum.module(m) is None]
        unknown += [q for q in spec.questions if curriculum.find_question(q) is None]
        if unknown:
            raise ValueError(f"not in this council's curriculum: {', '.join(unknown)}")
        if not campaign_questions(curriculum, spec.modules, spec.questions):
            raise ValueError("choose at least one module with refresher questions, or a question")
        if spec.target_kind not in TARGET_KINDS:
            raise ValueError(f"the target is one of: {', '.join(TARGET_KINDS)}")
        if spec.target_kind == "team":
            team = session.exec(
                select(Team).where(Team.org_id == org_id, Team.name == spec.target_value)
            ).first()
            if team is None:
                raise ValueError(f"no team named {spec.target_value!r} in this council")
        if spec.target_kind == "role" and spec.target_value not in {
            role.value for role in (*GRANTABLE, Role.LEARNER)
        }:
            raise ValueError("a role target names a role, e.g. manager")

    def _own(self, session: Session, actor: Actor, campaign_id: int, action: str) -> Campaign:
        # An id no record can have (from a URL) is answered like one of another council's.
        row = session.get(Campaign, campaign_id) if 0 < campaign_id <= MAX_RECORD_ID else None
        require(row is not None and can_manage_council(actor, row.org_id), action)
        assert row is not None
        return row

    def _for(self, session: Session, org_id: int) -> Curriculum:
        org = session.get(Organisation, org_id)
        return self._curriculum.for_council(org.code if org else None)


def _questions(campaign: Campaign, curriculum: Curriculum) -> tuple[str, ...]:
    modules, questions = json.loads(campaign.modules), json.loads(campaign.questions)
    return campaign_questions(curriculum, tuple(modules), tuple(questions))


def _low_scorers(session: Session, ids: list[int], modules: tuple[str, ...]) -> set[int]:
    """Learners whose last quiz score on any of these modules was under LOW_SCORE."""
    if not ids or not modules:
        return set()
    rows = session.exec(
        select(ModuleProgressRow).where(
            col(ModuleProgressRow.learner_id).in_(ids),
            col(ModuleProgressRow.module_id).in_(modules),
            col(ModuleProgressRow.total).is_not(None),
        )
    ).all()
    return {
        row.learner_id
        for row in rows
        if row.total and row.score is not None and row.score / row.total < LOW_SCORE
    }


def _refreshers_between(
    session: Session, learner_id: int, start: dt.datetime, end: dt.datetime
) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(
                Delivery.learner_id == learner_id,
                Delivery.kind == "refresher",
                col(Delivery.due_at) >= start,
                col(Delivery.due_at) < end,
            )
        ).one()
    )


def _insert(
    session: Session, key: str, learner_id: int, question: str, due: dt.datetime, now: dt.datetime
) -> int:
    try:
        with session.begin_nested():
            session.add(
                Delivery(
                    key=key,
                    learner_id=learner_id,
                    kind="refresher",
                    ref=question,
                    due_at=due,
                    next_attempt_at=due,
                    created_at=now,
                )
            )
    except IntegrityError:
        return 0  # planned already (another process, or an earlier tick)
    return 1


def _view(row: Campaign) -> CampaignView:
    assert row.id is not None
    return CampaignView(
        row.id,
        row.name,
        tuple(json.loads(row.modules)),
        tuple(json.loads(row.questions)),
        row.target_kind,
        row.target_value,
        row.rule,
        row.status,
    )
