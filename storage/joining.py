"""Effect handlers for joining with a code (a council, a team, a roster invite) and for
leaving a council's team when moving council."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.access import Actor
from bot.flows.moving import LeaveCouncil
from bot.flows.team import JoinWithCode
from storage.audit import record_audit
from storage.council_tables import RoleGrant, Team
from storage.tables import Identity, Learner


def leave_council(session: Session, learner_id: int, effect: LeaveCouncil, at: dt.datetime) -> None:
    """Effect handler: a learner moving council leaves their old council's team."""
    learner = session.get(Learner, learner_id)
    assert learner is not None
    if learner.council_id == effect.council_id and learner.team_id is not None:
        learner.team_id = None
        session.add(learner)
        record_audit(
            session,
            Actor(learner_id, effect.council_id),
            "person.leave",
            f"learner:{learner_id}",
            at,
        )


def join_with_code(
    session: Session, learner_id: int, effect: JoinWithCode, at: dt.datetime
) -> None:
    """Effect handler: put the learner in the team a code named, or hand them the record
    a roster import pre-registered (its name, email, team and roles), which then goes."""
    learner = session.get(Learner, learner_id)
    assert learner is not None
    actor = Actor(learner_id, effect.council_id)
    if effect.invitee_id is not None:
        invitee = session.get(Learner, effect.invitee_id)
        if invitee is None or not _claimable(session, invitee, effect.council_id, learner_id):
            return
        learner.display_name, learner.email = invitee.display_name, invitee.email
        learner.team_id = invitee.team_id
        session.execute(
            update(RoleGrant)
            .where(col(RoleGrant.learner_id) == invitee.id)
            .values(learner_id=learner_id)
        )
        session.add(learner)
        session.flush()
        session.delete(invitee)
        record_audit(
            session, actor, "person.claim", f"learner:{learner_id}", at, invitee=invitee.id
        )
        return
    team = session.get(Team, effect.team_id) if effect.team_id is not None else None
    if team is None or team.council_id != effect.council_id:
        return
    learner.team_id = team.id
    session.add(learner)
    record_audit(session, actor, "team.join", f"team:{team.id}", at)


def _claimable(session: Session, invitee: Learner, council_id: int, learner_id: int) -> bool:
    """A pre-registered record: same council, still holding its invite, no chat account."""
    if invitee.council_id != council_id or invitee.invite_code is None or invitee.id == learner_id:
        return False
    return session.exec(select(Identity).where(Identity.learner_id == invitee.id)).first() is None
