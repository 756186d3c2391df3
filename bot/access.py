"""Who may see and change what: the one permission model (pure, no I/O).

Every surface (chat flows, the CLI, the dashboard) builds an `Actor` from the role grants
stored for a person and asks these functions before it reads or writes anyone's data.
Storage functions take the `Actor` too and scope every query by `Actor.council_id`; these
checks are the second lock on the same door.

The rules (the security model of issue 8):
- Everyone is a learner and sees only themself.
- A manager sees and nudges only learners in a team they hold a manager grant for, in
  their own council.
- A council admin sees and changes the people, teams, roles and campaigns of their own
  council only.
- A content author manages content only (no people).
- A platform admin manages councils (tenancy settings) and sees only anonymous
  cross-council benchmarks, never the people of any council through that role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The roles a person can hold; every person is a learner."""

    LEARNER = "learner"
    MANAGER = "manager"
    COUNCIL_ADMIN = "council_admin"
    CONTENT_AUTHOR = "content_author"
    PLATFORM_ADMIN = "platform_admin"


# Roles stored as grants (learner is implicit, never stored).
GRANTABLE: frozenset[Role] = frozenset(Role) - {Role.LEARNER}


class AccessDeniedError(PermissionError):
    """The actor may not do this; the message names the action, never a person."""


@dataclass(frozen=True)
class Grant:
    """One role held in the actor's council; `team_id` is set for a manager only."""

    role: Role
    team_id: int | None = None


@dataclass(frozen=True)
class Actor:
    """Someone acting in one council: a signed-in person, or the command line.

    `learner_id` is None for the server operator's command line, which acts as the
    council admin of the council it names (it already holds the database credentials).
    """

    learner_id: int | None
    council_id: int
    grants: frozenset[Grant] = frozenset()

    @classmethod
    def from_roles(
        cls, learner_id: int, council_id: int, roles: Iterable[tuple[str, int | None]]
    ) -> Actor:
        """An actor from stored (role, team id) pairs, as `Transaction.roles` returns them;
        unknown role names are ignored (least privilege)."""
        known = {role.value for role in GRANTABLE}
        grants = frozenset(
            Grant(Role(name), team_id if name == Role.MANAGER else None)
            for name, team_id in roles
            if name in known
        )
        return cls(learner_id, council_id, grants)

    @classmethod
    def command_line(cls, council_id: int) -> Actor:
        """The operator at the `bites` command line, acting as admin of one council."""
        return cls(None, council_id, frozenset({Grant(Role.COUNCIL_ADMIN)}))

    @property
    def label(self) -> str:
        """Who this is, for the audit log: `learner:<id>` or `cli` (never a name)."""
        return "cli" if self.learner_id is None else f"learner:{self.learner_id}"

    @property
    def roles(self) -> frozenset[Role]:
        """The roles held, learner included."""
        return frozenset({Role.LEARNER} | {grant.role for grant in self.grants})


def has_role(actor: Actor, role: Role) -> bool:
    """Whether the actor holds a role (everyone holds learner)."""
    return role in actor.roles


def team_ids_managed(actor: Actor) -> frozenset[int]:
    """The teams the actor manages in their council (empty for non-managers)."""
    return frozenset(
        grant.team_id
        for grant in actor.grants
        if grant.role is Role.MANAGER and grant.team_id is not None
    )


def is_manager(actor: Actor) -> bool:
    """Whether the actor manages at least one team."""
    return bool(team_ids_managed(actor))


def can_see_team_report(actor: Actor | None) -> bool:
    """Whether the actor gets the chat team report (/team) and its nudge buttons: a
    manager of at least one team (a council admin uses the dashboard instead)."""
    return actor is not None and is_manager(actor)


def as_manager(actor: Actor) -> Actor:
    """The actor with only their manager grants: what a manager sees of their own teams
    in chat, even when they are also a council admin."""
    managing = frozenset(grant for grant in actor.grants if grant.role is Role.MANAGER)
    return Actor(actor.learner_id, actor.council_id, managing)


def can_open_dashboard(actor: Actor | None) -> bool:
    """Whether the actor may sign in to the web dashboard: anyone holding a role beyond
    learner (what each then sees is decided page by page)."""
    return actor is not None and bool(actor.grants)


def can_see_people(actor: Actor) -> bool:
    """Whether the actor sees learners other than themself (on the dashboard): a council
    admin, their council; a manager, their teams."""
    return visible_team_ids(actor) != frozenset()


def can_manage_council(actor: Actor, council_id: int) -> bool:
    """Whether the actor may change a council's people, teams, roles and campaigns."""
    return council_id == actor.council_id and has_role(actor, Role.COUNCIL_ADMIN)


def can_manage_content(actor: Actor, council_id: int) -> bool:
    """Whether the actor may upload, validate and enable a council's local content."""
    return council_id == actor.council_id and bool(
        actor.roles & {Role.CONTENT_AUTHOR, Role.COUNCIL_ADMIN}
    )


def can_manage_platform(actor: Actor) -> bool:
    """Whether the actor may create councils and set their tenancy settings."""
    return has_role(actor, Role.PLATFORM_ADMIN)


def can_see_benchmarks(actor: Actor) -> bool:
    """Whether the actor may see anonymous cross-council benchmarks (their own council's
    profile against the distribution)."""
    return bool(actor.roles & {Role.COUNCIL_ADMIN, Role.PLATFORM_ADMIN})


def can_see_learner(
    actor: Actor, council_id: int | None, team_id: int | None, learner_id: int | None = None
) -> bool:
    """Whether the actor may see a learner of council `council_id` in team `team_id`.

    Themself always; a council admin, anyone in their council; a manager, the members
    of the teams they manage. Never anyone in another council.
    """
    if learner_id is not None and learner_id == actor.learner_id:
        return True
    if council_id != actor.council_id:
        return False
    if has_role(actor, Role.COUNCIL_ADMIN):
        return True
    return team_id is not None and team_id in team_ids_managed(actor)


def can_nudge_learner(actor: Actor, council_id: int | None, team_id: int | None) -> bool:
    """Whether the actor may send a learner a manager nudge: only their manager (a
    council admin runs campaigns instead)."""
    return (
        council_id == actor.council_id
        and team_id is not None
        and team_id in team_ids_managed(actor)
    )


def visible_team_ids(actor: Actor) -> frozenset[int] | None:
    """The teams whose members the actor may see: None means every team of the actor's
    council (a council admin); an empty set means none."""
    if has_role(actor, Role.COUNCIL_ADMIN):
        return None
    return team_ids_managed(actor)


def require(allowed: bool, action: str) -> None:
    """Raise `AccessDeniedError` naming the action unless it is allowed."""
    if not allowed:
        raise AccessDeniedError(f"not allowed: {action}")
