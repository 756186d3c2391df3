"""A person's role grants, read as the `bot.access.Actor` every permission check takes."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.access import Actor
from storage.council_tables import RoleGrant


def actor_of(session: Session, learner_id: int, council_id: int) -> Actor:
    """The actor for a learner in a council, from their grants as stored now."""
    rows = session.exec(
        select(RoleGrant).where(
            RoleGrant.learner_id == learner_id, RoleGrant.council_id == council_id
        )
    ).all()
    return Actor.from_roles(learner_id, council_id, [(row.role, row.team_id) for row in rows])
