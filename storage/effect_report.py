"""The learning-effect report for a council, read from the database (issue 13)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.effect import CouncilEffect, council_effect
from lessons.model import Curriculum
from storage.council_tables import Team
from storage.effect_probes import probes_of
from storage.tables import Council


class SqlEffect:
    """Reads probes and hands them to the pure measure."""

    def __init__(self, engine: Engine, curriculum: Curriculum) -> None:
        self._engine = engine
        self._curriculum = curriculum

    def council(self, code: str, team_ids: Collection[int] | None = None) -> CouncilEffect | None:
        """The measure for one council (None if there is no council with that code); with
        `team_ids`, only for the learners of those teams (what a manager may see, from
        `bot.access.visible_team_ids`)."""
        with Session(self._engine) as session:
            council = session.exec(select(Council).where(Council.code == code)).first()
            if council is None or council.id is None:
                return None
            teams = {
                team.id: team.name
                for team in session.exec(select(Team).where(Team.council_id == council.id)).all()
            }
            rows = probes_of(session, council.id)
        if team_ids is not None:
            rows = [(probe, team) for probe, team in rows if team in team_ids]
        titles = {m.id: m.title for m in self._curriculum.for_council(code).modules}
        named = [(probe, teams.get(team) if team else None) for probe, team in rows]
        return council_effect(council.name, named, titles)
