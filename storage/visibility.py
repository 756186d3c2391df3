"""Which learners' rows a query may read: the SQL form of `bot.access.visible_team_ids`.

Every read of "the people an actor may see" (the dashboard, the team report, the people
commands, exports) filters with `visible_to` or `in_council`, so the rule of who may see
whom is written once, in `bot.access`, and turned into SQL once, here.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_
from sqlmodel import col

from bot.access import Actor, visible_team_ids
from storage.tables import Learner


def in_council(council_id: int, team_ids: Collection[int] | None) -> ColumnElement[bool]:
    """Learners of a council, only those in `team_ids` when given (an empty collection
    matches nobody)."""
    condition = col(Learner.council_id) == council_id
    if team_ids is None:
        return condition
    return and_(condition, col(Learner.team_id).in_(list(team_ids)))


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """Learners the actor may see: a council admin, everyone in their council; a manager,
    the members of the teams they manage (themself too when in one); anyone else, nobody."""
    return in_council(actor.council_id, visible_team_ids(actor))
