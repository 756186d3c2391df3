"""Join and invite codes: what a code names, and a fresh one."""

from __future__ import annotations

import secrets

from sqlalchemy import func
from sqlmodel import Session, select

from bot.people import JoinTarget
from storage.council_tables import Team
from storage.tables import Council, Learner

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_LENGTH = 8


def new_code(session: Session) -> str:
    """A fresh join or invite code, unused by any council, team or invite."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code_target(session, code) is None:
            return code


def code_target(session: Session, code: str) -> JoinTarget | None:
    """What a code names: a council's join code (any case), a team's, or a roster invite
    not yet claimed."""
    wanted = code.strip()
    council = session.exec(
        select(Council).where(func.lower(Council.join_code) == wanted.lower())
    ).first()
    if council is not None and council.id is not None:
        return JoinTarget(council.id)
    team = session.exec(select(Team).where(Team.join_code == wanted.upper())).first()
    if team is not None and team.id is not None:
        return JoinTarget(team.council_id, team.id, team.name)
    invitee = session.exec(select(Learner).where(Learner.invite_code == wanted.upper())).first()
    if invitee is None or invitee.id is None or invitee.council_id is None:
        return None
    team = session.get(Team, invitee.team_id) if invitee.team_id is not None else None
    return JoinTarget(
        invitee.council_id,
        invitee.team_id,
        team.name if team else None,
        invitee_id=invitee.id,
    )
