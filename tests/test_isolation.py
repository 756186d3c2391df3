"""Isolation: for each role, across two councils, nobody sees or changes the other
council's people, and a manager sees only their own team. Tested through the functions
the CLI and the dashboard call (storage/people.py, storage/roster.py,
storage/campaigns.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from bot.access import AccessDeniedError, Actor, Role
from lessons.loader import builtin_pack_path, load_curriculum
from storage.campaigns import CampaignSpec, SqlCampaigns
from storage.council_tables import RoleGrant, Team
from storage.db import make_engine
from storage.migrate import upgrade
from storage.people import SqlPeople
from storage.roster import SqlRoster
from storage.store import SqlStore
from storage.tables import Council, Learner

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TODAY = AT.date()
ROLES = ("learner", "manager", "council_admin", "content_author", "platform_admin")
# Who in each council's roster holds each role (by the local part of their email).
PERSON = {
    "learner": "learner",
    "manager": "manager",
    "council_admin": "admin",
    "content_author": "author",
    "platform_admin": "platform",
}


def roster(council: str) -> str:
    return (
        "name,email,team,manager\n"
        f"{council} Manager,manager@{council}.gov.uk,T1,\n"
        f"{council} One,one@{council}.gov.uk,T1,manager@{council}.gov.uk\n"
        f"{council} Two,two@{council}.gov.uk,T2,\n"
        f"{council} Admin,admin@{council}.gov.uk,,\n"
        f"{council} Author,author@{council}.gov.uk,,\n"
        f"{council} Platform,platform@{council}.gov.uk,,\n"
        f"{council} Learner,learner@{council}.gov.uk,T2,\n"
        "Shared Name,shared@example.org,T2,\n"  # the same email in both councils
    )


@dataclass
class CouncilWorld:
    council_id: int
    ids: dict[str, int]  # by the local part of the email
    teams: dict[str, int]

    def actor(self, people: SqlPeople, role: str) -> Actor:
        return people.actor(self.ids[PERSON[role]], self.council_id)


@dataclass
class World:
    people: SqlPeople
    roster: SqlRoster
    campaigns: SqlCampaigns
    store: SqlStore
    a: CouncilWorld
    b: CouncilWorld


def make_council(
    world_store: SqlStore, people: SqlPeople, rosters: SqlRoster, code: str
) -> CouncilWorld:
    council = world_store.ensure_council(code, f"CouncilWorld {code}", f"join-{code}", AT)
    cli = Actor.command_line(council.id)
    assert rosters.import_roster(cli, roster(code), f"{code}.csv", AT).imported
    ids = {p.email.split("@")[0]: p.learner_id for p in people.people(cli) if p.email}
    teams = {t.name: t.id for t in people.teams(cli)}
    people.grant(cli, ids["admin"], Role.COUNCIL_ADMIN, AT)
    people.grant(cli, ids["author"], Role.CONTENT_AUTHOR, AT)
    people.grant(cli, ids["platform"], Role.PLATFORM_ADMIN, AT)
    return CouncilWorld(council.id, ids, teams)


@pytest.fixture
def world(db_url: str) -> World:
    engine = make_engine(db_url)
    upgrade(engine)
    store = SqlStore(engine)
    people, rosters = SqlPeople(engine), SqlRoster(engine)
    curriculum = load_curriculum([builtin_pack_path("demo")])
    a = make_council(store, people, rosters, "a")
    b = make_council(store, people, rosters, "b")
    return World(people, rosters, SqlCampaigns(engine, curriculum), store, a, b)


def visible_ids(world: World, actor: Actor) -> set[int]:
    return {p.learner_id for p in world.people.people(actor)}


# What each role of council A may see of people (by email local part).
SEES = {
    "learner": set(),
    "manager": {"one"},  # the team they manage (T1), not themself through the team
    "council_admin": {
        "manager",
        "one",
        "two",
        "admin",
        "author",
        "platform",
        "learner",
        "shared",
    },
    "content_author": set(),
    "platform_admin": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_only_what_it_may(world: World, role: str) -> None:
    actor = world.a.actor(world.people, role)
    b_ids = set(world.b.ids.values())
    seen = visible_ids(world, actor)
    expected = {world.a.ids[name] for name in SEES[role]}
    if role == "manager":
        expected.add(world.a.ids["manager"])  # the manager is in T1 too
    assert seen == expected
    assert not seen & b_ids
    members = {m.learner_id for m in world.people.team_facts(actor, TODAY).members}
    assert not members & b_ids
    assert members <= expected
    assert world.people.person_by_email(actor, "one@b.gov.uk") is None
    shared = world.people.person_by_email(actor, "shared@example.org")
    # The email both councils have finds only council A's person, and only for its admin.
    assert (shared.learner_id if shared else None) == (
        world.a.ids["shared"] if role == "council_admin" else None
    )
    teams = {t.id for t in world.people.teams(actor)}
    assert not teams & set(world.b.teams.values())


@pytest.mark.parametrize("role", ROLES)
def test_no_role_changes_another_councils_people(world: World, role: str) -> None:
    actor = world.a.actor(world.people, role)
    b_person, b_team = world.b.ids["two"], world.b.teams["T2"]
    before = snapshot(world)
    with pytest.raises(AccessDeniedError):
        world.people.grant(actor, b_person, Role.MANAGER, AT, b_team)
    with pytest.raises(AccessDeniedError):
        world.people.grant(actor, b_person, Role.COUNCIL_ADMIN, AT)
    with pytest.raises(AccessDeniedError):
        world.people.revoke(actor, world.b.ids["admin"], Role.COUNCIL_ADMIN, AT)
    with pytest.raises(AccessDeniedError):
        # Managing a team of the other council, even for someone of one's own.
        world.people.grant(actor, world.a.ids["two"], Role.MANAGER, AT, b_team)
    if role != "platform_admin":
        with pytest.raises(AccessDeniedError):
            world.people.set_tier(actor, world.b.council_id, "district", AT)
    if role == "council_admin":
        # Their own import, with an email the other council also has, touches only theirs.
        text = "name,email,team\nShared Name,shared@example.org,T9\n"
        assert world.roster.import_roster(actor, text, "mine.csv", AT).imported
        world.people.add_team(actor, "T7", AT)
        spec = CampaignSpec(
            "Refresh",
            ("t1-what-contract-management-is",),
            (),
            "team",
            "T1",
            "first-monday-of-month",
        )
        world.campaigns.create(actor, spec, AT)
    else:
        with pytest.raises(AccessDeniedError):
            world.roster.import_roster(actor, "name,email\nX,x@a.gov.uk\n", "x.csv", AT)
        with pytest.raises(AccessDeniedError):
            world.people.add_team(actor, "T7", AT)
        spec = CampaignSpec(
            "Refresh",
            ("t1-what-contract-management-is",),
            (),
            "council",
            None,
            "first-monday-of-month",
        )
        with pytest.raises(AccessDeniedError):
            world.campaigns.create(actor, spec, AT)
    assert snapshot(world, world.b.council_id) == {world.b.council_id: before[world.b.council_id]}


def test_a_manager_sees_only_their_team_and_campaigns_stay_in_their_council(world: World) -> None:
    admin_a = world.a.actor(world.people, "council_admin")
    admin_b = world.b.actor(world.people, "council_admin")
    spec = CampaignSpec(
        "Everyone", ("t1-what-contract-management-is",), (), "council", None, "once:2026-03-02"
    )
    mine = world.campaigns.create(admin_a, spec, AT)
    assert [c.id for c in world.campaigns.list_campaigns(admin_b)] == []
    with pytest.raises(AccessDeniedError):
        world.campaigns.cancel(admin_b, mine.id, AT)
    with pytest.raises(AccessDeniedError):
        world.campaigns.preview(admin_b, mine.id, TODAY)
    preview = world.campaigns.preview(admin_a, mine.id, TODAY)
    assert {r.learner_id for r in preview.recipients} <= set(world.a.ids.values())
    manager = world.a.actor(world.people, "manager")
    with pytest.raises(AccessDeniedError):
        world.campaigns.list_campaigns(manager)


def snapshot(world: World, council_id: int | None = None) -> dict[int, object]:
    """Every row of each council's people, teams and grants, to prove nothing changed."""
    with Session(world.store.engine) as session:
        councils = session.exec(select(Council)).all()
        return {
            council.id or 0: (
                council.tier,
                sorted(
                    (r.id, r.display_name, r.email, r.team_id)
                    for r in session.exec(
                        select(Learner).where(Learner.council_id == council.id)
                    ).all()
                ),
                sorted(
                    (r.id, r.name, r.join_code)
                    for r in session.exec(select(Team).where(Team.council_id == council.id)).all()
                ),
                sorted(
                    (r.learner_id, r.role, r.team_id)
                    for r in session.exec(
                        select(RoleGrant).where(RoleGrant.council_id == council.id)
                    ).all()
                ),
            )
            for council in councils
            if council_id is None or council.id == council_id
        }
