"""Teams in chat: joining with a roster invite or a team's code, a manager's /team report
(on track, behind, stuck, weakest topics) and nudges queued as deliveries, exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, col, select

from bot.access import Actor, Role
from dashboard.queries import overdue
from lessons.model import Curriculum, Module
from runtime.clock import ManualClock
from storage.council_tables import AuditLog
from storage.exports import standing_csv
from storage.grants import actor_of
from storage.people import SqlPeople
from storage.roster import SqlRoster
from storage.tables import Delivery, Identity, Learner
from tests.support.chat import ChatUser, make_services, proactive

ASK_TIME = (
    "When would you like your daily bite? Choose a time or type one, like 09:15.\n"
    "[1] 08:30\n[2] 12:30\n[3] 16:00"
)
WELCOME = (
    "Welcome to Contract Bites. I teach contract and relationship management in short bites: "
    "a few cards to read, then a quick quiz, never more than 20 minutes. Later I bring back "
    "questions just before you would forget them."
)
ROSTER = (
    "name,email,team,manager,channel\n"
    "Mary Manager,mary@tc.gov.uk,,,teams\n"
    "Ann Able,ann@tc.gov.uk,Highways,mary@tc.gov.uk,teams\n"
    "Bob Brown,bob@tc.gov.uk,Highways,mary@tc.gov.uk,teams\n"
    "Cat Clay,cat@tc.gov.uk,Highways,mary@tc.gov.uk,telegram\n"
)


class Council:
    """A council with a roster imported, and its people chatting."""

    def __init__(self, url: str, clock: ManualClock, curriculum: Curriculum) -> None:
        self.clock = clock
        self.curriculum = curriculum
        self.services = make_services(url, clock, curriculum)
        council = self.services.store.ensure_council("tc", "Test Council", "tcjoin", clock.now())
        self.admin = Actor.command_line(council.id)
        report = SqlRoster(self.services.engine).import_roster(
            self.admin, ROSTER, "roster.csv", clock.now()
        )
        assert report.imported
        self.codes = {invite.email.split("@")[0]: invite.code for invite in report.invites}
        team = SqlPeople(self.services.engine).team_named(self.admin, "Highways")
        assert team is not None and team.join_code is not None
        self.team_code = team.join_code

    def person(self, user_id: str) -> ChatUser:
        return ChatUser(self.services, self.clock, user_id=user_id)

    def learner_id(self, user: ChatUser) -> int:
        with Session(self.services.engine) as session:
            row = session.exec(select(Identity).where(Identity.user_id == user.user_id)).one()
            return row.learner_id


@pytest.fixture
def council(sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> Council:
    return Council(sqlite_url, clock, demo_curriculum)


def join(council: Council, user_id: str, code: str) -> ChatUser:
    user = council.person(user_id)
    user.say(f"/start {code}")
    user.press("08:30")
    return user


def take_module(user: ChatUser, module: Module) -> None:
    """Read every card and answer every question, right then wrong alternately."""
    user.say("/next")
    for _ in module.cards[1:]:
        user.say("/next")
    for index, question in enumerate(module.questions):
        user.say("/next")
        option = (
            question.correct_option
            if index % 2 == 0
            else next(o for o in question.options if not o.correct)
        )
        user.press(option.text)


def test_an_invite_claims_the_pre_registered_record_and_a_team_code_joins_the_team(
    council: Council,
) -> None:
    ann = council.person("ann")
    assert ann.say(f"/start {council.codes['ann'].lower()}") == [
        WELCOME,
        "You have joined Test Council, in the team Highways.",
        ASK_TIME,
    ]
    dan = council.person("dan")
    assert dan.say(f"/start {council.team_code}") == [
        WELCOME,
        "You have joined Test Council, in the team Highways.",
        ASK_TIME,
    ]
    with Session(council.services.engine) as session:
        rows = session.exec(select(Learner).order_by(col(Learner.id))).all()
        people = [(r.display_name, r.email, r.team_id is not None, r.invite_code) for r in rows]
        audit = [(a.actor, a.action) for a in session.exec(select(AuditLog)).all()]
    # Ann's chat account took over her pre-registered record (which is gone), with its name,
    # email and team; Dan is in the team with no name; the invite cannot be used again.
    assert people == [
        ("Mary Manager", "mary@tc.gov.uk", False, council.codes["mary"]),
        ("Bob Brown", "bob@tc.gov.uk", True, council.codes["bob"]),
        ("Cat Clay", "cat@tc.gov.uk", True, council.codes["cat"]),
        ("Ann Able", "ann@tc.gov.uk", True, None),
        (None, None, True, None),
    ]
    assert audit == [
        ("cli", "roster.import"),
        (f"learner:{council.learner_id(ann)}", "person.claim"),
        (f"learner:{council.learner_id(dan)}", "team.join"),
    ]
    again = council.person("eve")
    assert again.say(f"/start {council.codes['ann']}")[1].startswith("I don't know the join code")


def test_an_onboarded_learner_moves_team_with_start_and_a_team_code(council: Council) -> None:
    eve = join(council, "eve", "tcjoin")
    assert eve.say(f"/start {council.team_code}") == ["You are now in the team Highways."]
    # Another council's code moves nobody without their say-so (see test_journeys).
    assert eve.say("/start demo") == [
        "You are with Test Council. Move to Demo Council? Your progress comes with you, and "
        "Test Council will no longer see how you are doing.\n[1] Yes, move to Demo Council\n"
        "[2] No, stay with Test Council"
    ]


def test_team_is_for_managers_only(council: Council) -> None:
    ann = join(council, "ann", council.codes["ann"])
    assert ann.say("/team") == [
        "The /team command is for managers. If you manage a team, ask your council's Contract "
        "Bites admin to set you up as its manager."
    ]
    # A forged nudge button from a non-manager queues nothing.
    assert ann.press_payload("nudge:behind") == [
        "The /team command is for managers. If you manage a team, ask your council's Contract "
        "Bites admin to set you up as its manager."
    ]


def test_team_report_and_nudges(council: Council, demo_curriculum: Curriculum) -> None:
    mary = join(council, "mary", council.codes["mary"])
    ann = join(council, "ann", council.codes["ann"])
    bob = join(council, "bob", council.codes["bob"])
    join(council, "cat", council.codes["cat"])
    dan = join(council, "dan", council.team_code)
    take_module(ann, demo_curriculum.modules[0])
    bob.press("Start my first bite")  # and no further
    dan.say("/stop")
    # Two weeks on (ten working days), Ann finishes module 2 today.
    council.clock.advance(dt.timedelta(days=14))
    take_module(ann, demo_curriculum.modules[1])
    # The terminal rendering shows bold as plain text. Recall after 14 days: 74% for each
    # of the two right answers, 52% for the wrong one (FSRS), so 67% on average.
    assert mary.say("/team") == [
        "Highways: 4 people\n"
        "On track (1): Ann Able.\n"
        "Behind (1):\n"
        "- Cat Clay: no module finished for 10 working days\n"
        "Stuck (1):\n"
        "- Bob Brown: no step forward in What contract management is for 10 working days\n"
        f"On leave or paused (1): Officer {council.learner_id(dan)}.\n"
        "Weakest topics (lowest predicted recall):\n"
        "- What contract management is: 67% likely to be recalled today, over 3 refresher cards\n"
        # KPIs and contract performance notices, recalled at 100%, is no weak topic.
        # Ann's wrong answers, given without "I guessed", are worth a word in the team.
        "Possible misconceptions (answered wrong, not marked as a guess, in the last 30 days):\n"
        "- The NAO good practice framework has eight areas. (What contract management is): "
        "1 person\n"
        "- How often, at least, must performance against the KPIs be assessed and published? "
        "(KPIs and contract performance notices): 1 person\n"
        "- A £700,000 cleaning contract: the supplier keeps missing standards, was given a "
        "fair ch... (KPIs and contract performance notices): 1 person\n"
        "[1] Nudge everyone behind or stuck\n[2] Nudge Bob Brown\n[3] Nudge Cat Clay"
    ]
    # The dashboard's Learners behind and the standing export say the same of the team.
    now, engine = council.clock.now(), council.services.engine
    with Session(engine) as session:
        manager = actor_of(session, council.learner_id(mary), council.admin.council_id)
    assert [
        (o.person.name, o.stuck, o.days) for o in overdue(engine, manager, demo_curriculum, now)
    ] == [("Bob Brown", True, 10), ("Cat Clay", False, 10)]
    rows = list(standing_csv(engine, council.admin.council_id, demo_curriculum, now))
    assert [row for row in rows if ",Highways," in row] == [
        f"{council.learner_id(ann)},Ann Able,Highways,on_track,0,2\n",
        f"{council.learner_id(bob)},Bob Brown,Highways,stuck,10,0\n",
        f"{council.learner_id(council.person('cat'))},Cat Clay,Highways,behind,10,0\n",
        f"{council.learner_id(dan)},,Highways,away,0,0\n",
    ]
    assert mary.press("Nudge Bob Brown") == ["Nudge queued for 1 person."]
    mary.say("/team")
    assert mary.press("Nudge everyone behind or stuck") == [
        "Nudge queued for 1 person. Already nudged today (one a day at most): Bob Brown."
    ]
    mary.say("/team")
    assert mary.press("Nudge everyone behind or stuck") == [
        "Nudge queued for 0 people. Already nudged today (one a day at most): Bob Brown and "
        "Cat Clay."
    ]
    with Session(council.services.engine) as session:
        rows = session.exec(select(Delivery).where(Delivery.kind == "nudge")).all()
        nudges = [(r.key, r.due_at) for r in rows]
    bob_id, cat_id = council.learner_id(bob), council.learner_id(council.person("cat"))
    now = council.clock.now()
    assert nudges == [(f"nudge:{bob_id}:2026-03-16", now), (f"nudge:{cat_id}:2026-03-16", now)]


async def test_a_nudge_is_sent_in_working_hours_without_scores(
    council: Council, demo_curriculum: Curriculum
) -> None:
    mary = join(council, "mary", council.codes["mary"])
    bob = join(council, "bob", council.codes["bob"])
    bob.press("Start my first bite")
    council.clock.advance(dt.timedelta(days=3, hours=10))  # Thursday 19:00, after hours
    mary.say("/team")
    assert mary.press("Nudge Bob Brown") == ["Nudge queued for 1 person."]
    await council.services.dispatcher.drain()
    assert proactive(council.services, "bob") == []
    council.clock.advance(dt.timedelta(hours=13))  # Friday 08:00: working hours begin
    await council.services.dispatcher.drain()
    assert proactive(council.services, "bob") == [
        "A friendly nudge from your manager: you are part way through What contract "
        "management is. Carry on whenever you have a few minutes.\n[1] Continue"
    ]


def test_a_council_admin_grants_a_manager_who_then_sees_the_team(council: Council) -> None:
    eve = join(council, "eve", "tcjoin")
    join(council, "ann", council.codes["ann"])
    people = SqlPeople(council.services.engine)
    team = people.team_named(council.admin, "Highways")
    assert team is not None
    eve_id = council.learner_id(eve)
    assert eve.say("/team")[0].startswith("The /team command is for managers.")
    assert people.grant(council.admin, eve_id, Role.MANAGER, council.clock.now(), team.id)
    assert eve.say("/team") == [
        "Highways: 3 people\nOn track (1): Ann Able.\n"
        "Not joined yet (2): Bob Brown and Cat Clay.\n"
        "No refresher questions reviewed yet, so no weakest topics to show."
    ]
    assert people.revoke(council.admin, eve_id, Role.MANAGER, council.clock.now(), team.id)
    assert eve.say("/team")[0].startswith("The /team command is for managers.")


def test_an_admin_who_manages_a_team_sees_only_that_team_in_chat(council: Council) -> None:
    people = SqlPeople(council.services.engine)
    waste = people.add_team(council.admin, "Waste", council.clock.now())
    join(council, "fay", waste.join_code or "")
    join(council, "ann", council.codes["ann"])
    eve = join(council, "eve", "tcjoin")
    highways = people.team_named(council.admin, "Highways")
    assert highways is not None
    eve_id, now = council.learner_id(eve), council.clock.now()
    people.grant(council.admin, eve_id, Role.COUNCIL_ADMIN, now)
    people.grant(council.admin, eve_id, Role.MANAGER, now, highways.id)
    assert eve.say("/team")[0].startswith("Highways: 3 people\n")
    assert "Waste" not in eve.say("/team")[0]
