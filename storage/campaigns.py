"""Refresher campaigns: create, list, preview (who would get what), cancel, and plan their
questions into `delivery` rows.

A campaign's questions join the learners' daily refresher rounds (answering one updates
the learner's FSRS card like any refresher): `waiting` tells the planner which questions
of a running campaign round each learner has not been asked yet, about modules they have
completed; the round's payload records them, so a question is asked once a round. They
take places inside the round's size, so a campaign never adds to the daily load.

Managing campaigns is for council admins, in their own council only; every create and
cancel writes an audit row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import Engine
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
from bot.state import ModuleStatus
from lessons.model import Curriculum
from scheduler.planner import CampaignItem, RoundPlan
from scheduler.plans import DeliveryKind
from storage.audit import record_audit
from storage.council_tables import Campaign, RoleGrant, Team
from storage.tables import Council, Delivery, Learner, ModuleProgressRow


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
    """A campaign's next (or current) round and its recipients; `left_out` counts the
    people the target names who have completed none of the campaign's modules yet."""

    campaign: CampaignView
    round_start: dt.date | None
    recipients: tuple[Recipient, ...]
    left_out: int = 0


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
        require(can_manage_council(actor, actor.council_id), "create a campaign")
        with self._session() as session:
            self._check(session, actor.council_id, spec)
            row = Campaign(
                council_id=actor.council_id,
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
        require(can_manage_council(actor, actor.council_id), "list campaigns")
        with self._session() as session:
            rows = session.exec(
                select(Campaign)
                .where(Campaign.council_id == actor.council_id)
                .order_by(col(Campaign.id).desc())
            ).all()
            return [_view(row) for row in rows]

    def cancel(self, actor: Actor, campaign_id: int, at: dt.datetime) -> int:
        """Cancel a campaign and take its questions out of rounds not yet sent; how many
        questions were withdrawn."""
        with self._session() as session:
            row = self._own(session, actor, campaign_id, "cancel a campaign")
            row.status = "cancelled"
            session.add(row)
            withdrawn = 0
            queued = session.exec(
                select(Delivery).where(
                    Delivery.kind == DeliveryKind.ROUND.value,
                    Delivery.status == "queued",
                    col(Delivery.learner_id).in_(
                        select(Learner.id).where(Learner.council_id == row.council_id)
                    ),
                )
            ).all()
            for delivery in queued:
                withdrawn += _withdraw(delivery, campaign_id)
                session.add(delivery)
            record_audit(
                session,
                actor,
                "campaign.cancel",
                f"campaign:{campaign_id}",
                at,
                withdrawn=withdrawn,
            )
            return withdrawn

    def preview(self, actor: Actor, campaign_id: int, today: dt.date) -> Preview:
        """Who would receive the current or next round, and which questions."""
        with self._session() as session:
            row = self._own(session, actor, campaign_id, "preview a campaign")
            rule = parse_rule(row.rule)
            start = current_round(rule, today) or next_start(rule, today)
            curriculum = self._for(session, row.council_id)
            questions = _questions(row, curriculum)
            targets = self._targets(session, row, curriculum)
            done = _completed(session, [t.id for t in targets if t.id is not None])
            recipients = []
            for learner in targets:
                mine = _of_completed(curriculum, questions, done.get(learner.id or 0, set()))
                if mine:
                    recipients.append(Recipient(learner.id or 0, learner.display_name, mine))
            left_out = len(targets) - len(recipients)
            if not start:
                return Preview(_view(row), None, ())
            return Preview(_view(row), start, tuple(recipients), left_out)

    def waiting(
        self, session: Session, day: dt.date, learner_ids: list[int]
    ) -> dict[int, list[CampaignItem]]:
        """The campaign questions waiting for these learners on a local date: those of
        every running round that targets them, about modules they have completed, not
        yet put in one of their refresher rounds. The planner adds them to the round."""
        ids = set(learner_ids)
        waiting: dict[int, list[CampaignItem]] = {}
        for row in session.exec(select(Campaign).where(Campaign.status == "active")).all():
            start = current_round(parse_rule(row.rule), day)
            if start is None or row.id is None:
                continue
            curriculum = self._for(session, row.council_id)
            questions = _questions(row, curriculum)
            targets = [p.id for p in self._targets(session, row, curriculum) if p.id in ids]
            asked = _asked(session, [t for t in targets if t is not None], row.id, start)
            done = _completed(session, [t for t in targets if t is not None])
            for learner_id in targets:
                assert learner_id is not None
                mine = _of_completed(curriculum, questions, done.get(learner_id, set()))
                left = [q for q in mine if q not in asked.get(learner_id, set())]
                if left:
                    items = [CampaignItem(row.id, start, q) for q in left]
                    waiting.setdefault(learner_id, []).extend(items)
        return waiting

    def _targets(
        self, session: Session, campaign: Campaign, curriculum: Curriculum
    ) -> list[Learner]:
        """Onboarded, unpaused learners of the campaign's council that its target names."""
        query = select(Learner).where(
            Learner.council_id == campaign.council_id,
            Learner.stage == "active",
            col(Learner.paused).is_(False),
        )
        kind, value = campaign.target_kind, campaign.target_value
        if kind == "team":
            team = session.exec(
                select(Team).where(Team.council_id == campaign.council_id, Team.name == value)
            ).first()
            query = query.where(Learner.team_id == (team.id if team else -1))
        elif kind == "role" and value != Role.LEARNER.value:
            holders = select(RoleGrant.learner_id).where(
                RoleGrant.council_id == campaign.council_id, RoleGrant.role == value
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

    def _check(self, session: Session, council_id: int, spec: CampaignSpec) -> None:
        if not spec.name.strip() or len(spec.name) > 120:
            raise ValueError("a campaign name is 1 to 120 characters")
        parse_rule(spec.rule)
        curriculum = self._for(session, council_id)
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
                select(Team).where(Team.council_id == council_id, Team.name == spec.target_value)
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
        require(row is not None and can_manage_council(actor, row.council_id), action)
        assert row is not None
        return row

    def _for(self, session: Session, council_id: int) -> Curriculum:
        council = session.get(Council, council_id)
        return self._curriculum.for_council(council.code if council else None)


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


def _asked(
    session: Session, learner_ids: list[int], campaign_id: int, start: dt.date
) -> dict[int, set[str]]:
    """The campaign's questions already put in each learner's rounds since its round
    began (a day early, so no time zone can miss one)."""
    if not learner_ids:
        return {}
    since = dt.datetime.combine(start - dt.timedelta(days=1), dt.time(0), dt.UTC)
    rows = session.exec(
        select(Delivery.learner_id, Delivery.payload).where(
            col(Delivery.learner_id).in_(learner_ids),
            Delivery.kind == DeliveryKind.ROUND.value,
            col(Delivery.due_at) >= since,
        )
    ).all()
    asked: dict[int, set[str]] = {}
    for learner_id, payload in rows:
        plan = RoundPlan.from_json(payload)
        mine = {question for campaign, question in plan.campaign if campaign == campaign_id}
        asked.setdefault(learner_id, set()).update(mine)
    return asked


def _of_completed(
    curriculum: Curriculum, questions: tuple[str, ...], completed: set[str]
) -> tuple[str, ...]:
    """The questions about modules the learner has completed: a campaign refreshes what
    was learnt, it never asks about a module not yet taken."""
    return tuple(
        q for q in questions if (found := curriculum.find_question(q)) and found[0].id in completed
    )


def _completed(session: Session, learner_ids: list[int]) -> dict[int, set[str]]:
    """The modules each learner has completed."""
    if not learner_ids:
        return {}
    rows = session.exec(
        select(ModuleProgressRow.learner_id, ModuleProgressRow.module_id).where(
            col(ModuleProgressRow.learner_id).in_(learner_ids),
            ModuleProgressRow.status == ModuleStatus.COMPLETED.value,
        )
    ).all()
    done: dict[int, set[str]] = {}
    for learner_id, module_id in rows:
        done.setdefault(learner_id, set()).add(module_id)
    return done


def _withdraw(delivery: Delivery, campaign_id: int) -> int:
    """Take a campaign's questions out of a queued round; how many were taken out."""
    plan = RoundPlan.from_json(delivery.payload)
    ours = {question for campaign, question in plan.campaign if campaign == campaign_id}
    if not ours:
        return 0
    keep = tuple(q for q in plan.questions if q not in ours)
    others = tuple(pair for pair in plan.campaign if pair[0] != campaign_id)
    delivery.payload = replace(plan, questions=keep, campaign=others).to_json()
    if not keep:
        delivery.status, delivery.last_error = "skipped", "campaign cancelled"
    return len(plan.questions) - len(keep)


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
