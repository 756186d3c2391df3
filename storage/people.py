"""People in a council: teams, role grants, join codes, invites, team reports, nudges.

Every public method takes the acting `Actor` (see bot/access.py) and scopes its queries by
the actor's council; a manager's reads are further limited to the teams they manage. The
permission checks of bot/access.py guard every write, and every admin action writes an
`audit_log` row (who, what, when, target id; never names or message text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.access import (
    GRANTABLE,
    Actor,
    Role,
    as_manager,
    can_manage_council,
    can_manage_platform,
    can_see_learner,
    require,
    visible_team_ids,
)
from bot.people import (
    JoinTarget,
    TeamFacts,
)
from storage.audit import record_audit
from storage.codes import code_target, new_code
from storage.council_tables import RoleGrant, Team
from storage.grants import actor_of
from storage.tables import Council, Learner
from storage.team_facts import load_team_facts
from storage.visibility import visible_to

TIERS = ("county", "unitary", "london_borough", "metropolitan", "district")


@dataclass(frozen=True)
class TeamView:
    """A team as admins and managers see it."""

    id: int
    name: str
    join_code: str | None
    members: int


@dataclass(frozen=True)
class PersonView:
    """A person of the council as an admin or their manager sees them."""

    learner_id: int
    name: str | None
    email: str | None
    team_id: int | None
    team_name: str | None
    joined: bool  # False while pre-registered by a roster import
    invite_code: str | None


@dataclass(frozen=True)
class GrantView:
    """A role grant of the council."""

    learner_id: int
    name: str | None
    role: Role
    team_name: str | None


class PeopleReads:
    """The bot's `Transaction` reads for teams (mixed into storage.store.SqlTransaction)."""

    session: Session

    def actor(self, learner_id: int, council_id: int) -> Actor:
        """The learner as an actor in one council, with their stored role grants."""
        return actor_of(self.session, learner_id, council_id)

    def join_target(self, code: str) -> JoinTarget | None:
        """What a join code names (see `storage.codes.code_target`)."""
        return code_target(self.session, code)

    def team_facts(
        self, learner_id: int, council_id: int, now: dt.datetime, today: dt.date
    ) -> TeamFacts:
        """The team facts of the teams this learner manages (empty for anyone else).

        Only the manager grants count here, so a council admin who also manages a team
        sees (and can nudge) that team in chat, not the whole council."""
        held = actor_of(self.session, learner_id, council_id)
        return load_team_facts(self.session, as_manager(held), today)


class SqlPeople:
    """Admin and manager operations on a council's people, scoped by the acting `Actor`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            yield session

    def council_id(self, code: str) -> int | None:
        """A council's id by its code (for the command line)."""
        with self._session() as session:
            row = session.exec(select(Council).where(Council.code == code)).first()
            return row.id if row else None

    def actor(self, learner_id: int, council_id: int) -> Actor:
        """The actor for a signed-in person (e.g. a dashboard session)."""
        with self._session() as session:
            return actor_of(session, learner_id, council_id)

    def set_tier(self, actor: Actor, council_id: int, tier: str | None, at: dt.datetime) -> None:
        """Set a council's tier (county, unitary, london_borough, metropolitan, district)."""
        require(can_manage_council(actor, council_id) or can_manage_platform(actor), "set the tier")
        if tier is not None and tier not in TIERS:
            raise ValueError(f"tier must be one of: {', '.join(TIERS)}")
        with self._session() as session:
            council = session.get(Council, council_id)
            if council is None:
                raise LookupError("no such council")
            council.tier = tier
            session.add(council)
            record_audit(session, actor, "council.tier", f"council:{council_id}", at, tier=tier)

    def add_team(
        self, actor: Actor, name: str, at: dt.datetime, join_code: str | None = None
    ) -> TeamView:
        """Create a team in the actor's council with a join code (a fresh one unless
        given); a team of that name already there is returned unchanged."""
        require(can_manage_council(actor, actor.council_id), "add a team")
        name = name.strip()
        if not name or len(name) > 80:
            raise ValueError("a team name is 1 to 80 characters")
        with self._session() as session:
            team = _team_named(session, actor.council_id, name)
            if team is None:
                code = join_code.strip().upper() if join_code else new_code(session)
                if code_target(session, code) is not None:
                    raise ValueError(f"the code {code} is already in use")
                team = Team(council_id=actor.council_id, name=name, join_code=code, created_at=at)
                session.add(team)
                session.flush()
                record_audit(session, actor, "team.add", f"team:{team.id}", at)
            return _team_view(session, team)

    def teams(self, actor: Actor) -> list[TeamView]:
        """The teams the actor may see: all of their council's (admin) or their own."""
        visible = visible_team_ids(actor)
        with self._session() as session:
            query = select(Team).where(Team.council_id == actor.council_id).order_by(col(Team.name))
            if visible is not None:
                query = query.where(col(Team.id).in_(visible))
            return [_team_view(session, team) for team in session.exec(query).all()]

    def team_named(self, actor: Actor, name: str) -> TeamView | None:
        """One visible team by name."""
        return next((team for team in self.teams(actor) if team.name == name.strip()), None)

    def people(self, actor: Actor) -> list[PersonView]:
        """The people the actor may see: the council (admin) or their teams (manager)."""
        with self._session() as session:
            query = (
                select(Learner, Team)
                .join(Team, col(Learner.team_id) == col(Team.id), isouter=True)
                .where(visible_to(actor))
                .order_by(col(Learner.display_name), col(Learner.id))
            )
            rows = session.exec(query).all()
            return [
                _person_view(session, learner, team)
                for learner, team in rows
                if can_see_learner(actor, learner.council_id, learner.team_id, learner.id)
            ]

    def person_by_email(self, actor: Actor, email: str) -> PersonView | None:
        """A visible person by email (any case)."""
        wanted = email.strip().lower()
        return next((p for p in self.people(actor) if (p.email or "").lower() == wanted), None)

    def grant(
        self, actor: Actor, learner_id: int, role: Role, at: dt.datetime, team_id: int | None = None
    ) -> bool:
        """Grant a role in the actor's council (a manager grant names a team of it);
        False if it was held already."""
        require(can_manage_council(actor, actor.council_id), "grant roles")
        _check_grant(role, team_id)
        with self._session() as session:
            self._check_target(session, actor, learner_id, team_id)
            if role is Role.PLATFORM_ADMIN and not (
                actor.learner_id is None or can_manage_platform(actor)
            ):
                # Only the operator or a platform admin makes platform admins.
                require(False, "grant platform admin")
            if _grant_row(session, actor.council_id, learner_id, role, team_id) is not None:
                return False
            session.add(
                RoleGrant(
                    learner_id=learner_id,
                    council_id=actor.council_id,
                    role=role.value,
                    team_id=team_id,
                    created_at=at,
                )
            )
            detail = {"role": role.value, "team": team_id}
            record_audit(session, actor, "role.grant", f"learner:{learner_id}", at, **detail)
            return True

    def revoke(
        self, actor: Actor, learner_id: int, role: Role, at: dt.datetime, team_id: int | None = None
    ) -> bool:
        """Take a role away; False if it was not held."""
        require(can_manage_council(actor, actor.council_id), "revoke roles")
        _check_grant(role, team_id)
        with self._session() as session:
            self._check_target(session, actor, learner_id, team_id)
            row = _grant_row(session, actor.council_id, learner_id, role, team_id)
            if row is None:
                return False
            session.delete(row)
            detail = {"role": role.value, "team": team_id}
            record_audit(session, actor, "role.revoke", f"learner:{learner_id}", at, **detail)
            return True

    def grants(self, actor: Actor) -> list[GrantView]:
        """The council's role grants (council admins only)."""
        require(can_manage_council(actor, actor.council_id), "list roles")
        with self._session() as session:
            rows = session.exec(
                select(RoleGrant, Learner)
                .join(Learner, col(RoleGrant.learner_id) == col(Learner.id))
                .where(
                    RoleGrant.council_id == actor.council_id, Learner.council_id == actor.council_id
                )
                .order_by(col(RoleGrant.role), col(Learner.display_name), col(Learner.id))
            ).all()
            return [
                GrantView(
                    learner.id or 0,
                    learner.display_name,
                    Role(grant.role),
                    _team_name(session, grant.team_id),
                )
                for grant, learner in rows
            ]

    def team_facts(self, actor: Actor, today: dt.date) -> TeamFacts:
        """The team report's facts for a manager (their teams) or a council admin (every
        team of the council); see bot.people for the rules that read them."""
        with self._session() as session:
            return load_team_facts(session, actor, today)

    def _check_target(
        self, session: Session, actor: Actor, learner_id: int, team_id: int | None
    ) -> None:
        learner = session.get(Learner, learner_id)
        require(
            learner is not None and can_see_learner(actor, learner.council_id, learner.team_id),
            "change this person",
        )
        if team_id is not None:
            team = session.get(Team, team_id)
            require(team is not None and team.council_id == actor.council_id, "use this team")


def _check_grant(role: Role, team_id: int | None) -> None:
    if role not in GRANTABLE:
        raise ValueError("everyone is a learner; grant manager, council_admin, … instead")
    if (role is Role.MANAGER) != (team_id is not None):
        raise ValueError("a manager grant names a team, and only a manager grant does")


def _grant_row(
    session: Session, council_id: int, learner_id: int, role: Role, team_id: int | None
) -> RoleGrant | None:
    return session.exec(
        select(RoleGrant).where(
            RoleGrant.council_id == council_id,
            RoleGrant.learner_id == learner_id,
            RoleGrant.role == role.value,
            col(RoleGrant.team_id).is_(None) if team_id is None else RoleGrant.team_id == team_id,
        )
    ).first()


def _team_named(session: Session, council_id: int, name: str) -> Team | None:
    return session.exec(
        select(Team).where(Team.council_id == council_id, Team.name == name)
    ).first()


def _team_name(session: Session, team_id: int | None) -> str | None:
    team = session.get(Team, team_id) if team_id is not None else None
    return team.name if team else None


def _team_view(session: Session, team: Team) -> TeamView:
    assert team.id is not None
    members = session.exec(
        select(func.count()).select_from(Learner).where(Learner.team_id == team.id)
    ).one()
    return TeamView(team.id, team.name, team.join_code, int(members))


def _person_view(session: Session, learner: Learner, team: Team | None) -> PersonView:
    assert learner.id is not None
    return PersonView(
        learner.id,
        learner.display_name,
        learner.email,
        learner.team_id,
        team.name if team else None,
        learner.invite_code is None,
        learner.invite_code,
    )
