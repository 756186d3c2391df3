"""The people an export covers: a council's learners, optionally only some teams' (a
manager's), with the name, email and team each export may show."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel import Session, select

from storage.council_tables import Team
from storage.tables import Learner
from storage.visibility import in_council


@dataclass(frozen=True)
class Person:
    """A learner as exports name them."""

    id: int
    name: str | None
    email: str | None
    team: str | None


def people_of(
    session: Session, council_id: int, team_ids: Collection[int] | None
) -> dict[int, Person]:
    """The council's learners by id, only those of `team_ids` when given."""
    query = select(Learner).where(in_council(council_id, team_ids))
    teams = {
        team.id: team.name
        for team in session.exec(select(Team).where(Team.council_id == council_id))
    }
    return {
        row.id: Person(row.id, row.display_name, row.email, teams.get(row.team_id or -1))
        for row in session.exec(query).all()
        if row.id is not None
    }
