"""Refresher campaigns: schedule rules, targets (team, role, low scorers), an exact preview,
questions joining the daily refresher round (only about modules completed, within the
round's size, once a campaign round), delivery and answering through the bot, cancelling,
and audit rows."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlmodel import Session, col, select

from bot.access import Actor, Role
from bot.flows.campaigns import current_round, latest_start, next_start, parse_rule
from lessons.model import Curriculum
from runtime.clock import ManualClock
from scheduler.planner import RoundPlan
from storage.campaigns import CampaignSpec, SqlCampaigns
from storage.council_tables import AuditLog
from storage.people import SqlPeople
from storage.roster import SqlRoster
from storage.tables import Council, Delivery
from tests.support.chat import ChatUser, make_services, proactive

MODULE_1 = "t1-what-contract-management-is"
ROSTER = (
    "name,email,team\n"
    "Ann Able,ann@tc.gov.uk,Highways\n"
    "Bob Brown,bob@tc.gov.uk,Highways\n"
    "Cat Clay,cat@tc.gov.uk,Waste\n"
)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)  # type: ignore[misc, arg-type]


@pytest.mark.parametrize(
    ("rule", "day", "latest", "upcoming"),
    [
        ("first-monday-of-month", "2026-03-02", "2026-03-02", "2026-03-02"),
        ("first-monday-of-month", "2026-03-03", "2026-03-02", "2026-04-06"),
        ("first-monday-of-quarter", "2026-03-02", "2026-01-05", "2026-04-06"),
        ("first-monday-of-quarter", "2026-12-31", "2026-10-05", "2027-01-04"),
        ("once:2026-03-10", "2026-03-02", None, "2026-03-10"),
        ("ONCE:2026-03-10", "2026-03-11", "2026-03-10", None),
    ],
)
def test_schedule_rules(rule: str, day: str, latest: str | None, upcoming: str | None) -> None:
    parsed, on = parse_rule(rule), dt.date.fromisoformat(day)
    assert latest_start(parsed, on) == (dt.date.fromisoformat(latest) if latest else None)
    assert next_start(parsed, on) == (dt.date.fromisoformat(upcoming) if upcoming else None)


def test_a_round_lasts_two_weeks() -> None:
    rule = parse_rule("once:2026-03-02")
    assert current_round(rule, dt.date(2026, 3, 15)) == dt.date(2026, 3, 2)
    assert current_round(rule, dt.date(2026, 3, 16)) is None


@pytest.mark.parametrize("rule", ["every-monday", "once:2026-02-30", "once:tomorrow"])
def test_bad_rules_name_the_accepted_forms(rule: str) -> None:
    with pytest.raises(ValueError, match="use once:YYYY-MM-DD, first-monday-of-month or first"):
        parse_rule(rule)


class CouncilWorld:
    def __init__(self, url: str, clock: ManualClock, curriculum: Curriculum) -> None:
        self.clock = clock
        self.services = make_services(url, clock, curriculum)
        council = self.services.store.ensure_council(
            "tc", "Test CouncilWorld", "tcjoin", clock.now()
        )
        self.admin = Actor.command_line(council.id)
        report = SqlRoster(self.services.engine).import_roster(
            self.admin, ROSTER, "roster.csv", clock.now()
        )
        self.codes = {i.email.split("@")[0]: i.code for i in report.invites}
        self.campaigns = SqlCampaigns(self.services.engine, curriculum)
        self.people = SqlPeople(self.services.engine)
        self.users = {name: self.join(name) for name in self.codes}

    def join(self, name: str) -> ChatUser:
        user = ChatUser(self.services, self.clock, user_id=name)
        user.say(f"/start {self.codes[name]}")
        user.press("08:30")
        return user

    def ids(self) -> dict[str, int]:
        return {(p.email or "").split("@")[0]: p.learner_id for p in self.people.people(self.admin)}


@pytest.fixture
def council(sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> CouncilWorld:
    return CouncilWorld(sqlite_url, clock, demo_curriculum)


def complete_module_one(user: ChatUser, curriculum: Curriculum, right: bool = True) -> None:
    """Take the demo's first module, answering every question right (or all wrong)."""
    module = curriculum.modules[0]
    for _ in range(len(module.cards) + 1):
        user.say("/next")
    for question in module.questions:
        wrong = next(o for o in question.options if not o.correct)
        user.press(question.correct_option.text if right else wrong.text)
        if question is not module.questions[-1]:
            user.press("Next question")


def rounds(council: CouncilWorld, name: str) -> list[tuple[str, RoundPlan]]:
    learner = council.ids()[name]
    with Session(council.services.engine) as session:
        rows = session.exec(
            select(Delivery)
            .where(Delivery.learner_id == learner, Delivery.kind == "round")
            .order_by(col(Delivery.id))
        ).all()
        return [(r.status, RoundPlan.from_json(r.payload)) for r in rows]


def test_a_campaign_joins_the_round_of_those_who_completed_its_module(
    council: CouncilWorld, demo_curriculum: Curriculum
) -> None:
    complete_module_one(council.users["ann"], demo_curriculum)
    spec = CampaignSpec("Spring refresh", (MODULE_1,), (), "team", "Highways", "once:2026-03-03")
    campaign = council.campaigns.create(council.admin, spec, council.clock.now())
    preview = council.campaigns.preview(council.admin, campaign.id, council.clock.now().date())
    ids = council.ids()
    assert preview.round_start == dt.date(2026, 3, 3)
    # Bob has not taken the module yet: left out, and the preview says so.
    assert [(r.learner_id, r.name, r.questions) for r in preview.recipients] == [
        (ids["ann"], "Ann Able", ("t1-q1", "t1-q2", "t1-q3")),
    ]
    assert preview.left_out == 1
    council.clock.advance(dt.timedelta(hours=15, minutes=5))  # Tuesday 00:05: plan the day
    council.services.plan()
    ((status, plan),) = rounds(council, "ann")
    assert status == "queued"
    assert plan.questions == ("t1-q1", "t1-q2", "t1-q3")  # nothing of her own due yet
    pairs = ((campaign.id, "t1-q1"), (campaign.id, "t1-q2"), (campaign.id, "t1-q3"))
    assert plan.campaign == pairs
    assert rounds(council, "bob") == [] and rounds(council, "cat") == []
    council.clock.advance(dt.timedelta(hours=9, minutes=30))  # 09:35: the round has gone
    asyncio.run(council.services.dispatch())
    user = council.users["ann"]
    arrived = user.arrived()
    assert arrived[-1].startswith("Refresher round: 3 quick questions")
    assert "\n\nRefresher 1 of 3 from What contract management is\n" in arrived[-1]
    assert not any("Refresher" in text for text in proactive(council.services, "cat"))
    replies = user.press(user.last[-1].choices[0].label)
    assert replies[0].startswith(("Correct.", "Not quite."))
    # Wednesday: the campaign's questions were asked in this campaign round already.
    council.clock.advance(dt.timedelta(days=1))
    council.services.plan()
    assert all(not plan.campaign for _status, plan in rounds(council, "ann")[1:])


def test_campaign_questions_take_places_inside_the_rounds_size(
    council: CouncilWorld, demo_curriculum: Curriculum
) -> None:
    with Session(council.services.engine) as session:
        row = session.exec(select(Council).where(Council.code == "tc")).one()
        row.round_size_lesson_day = 2
        session.add(row)
        session.commit()
    complete_module_one(council.users["ann"], demo_curriculum)
    spec = CampaignSpec("All", (MODULE_1,), ("t2-q1",), "council", None, "first-monday-of-month")
    council.campaigns.create(council.admin, spec, council.clock.now())
    council.clock.advance(dt.timedelta(hours=15, minutes=5))  # Tuesday
    council.services.plan()
    council.clock.advance(dt.timedelta(days=1))  # Wednesday: the rest of the round
    council.services.plan()
    # Module 2 (t2-q1) is not done, so it is never asked; two a day of the other three.
    asked = [plan.campaign for _status, plan in rounds(council, "ann")]
    assert [[q for _c, q in pairs] for pairs in asked] == [["t1-q1", "t1-q2"], ["t1-q3"]]


def test_targets_by_role_and_low_scorers(
    council: CouncilWorld, demo_curriculum: Curriculum
) -> None:
    ids = council.ids()
    team = council.people.team_named(council.admin, "Waste")
    assert team is not None
    council.people.grant(council.admin, ids["cat"], Role.MANAGER, council.clock.now(), team.id)
    complete_module_one(council.users["cat"], demo_curriculum)
    by_role = CampaignSpec("Managers", (MODULE_1,), (), "role", "manager", "once:2026-03-02")
    made = council.campaigns.create(council.admin, by_role, council.clock.now())
    preview = council.campaigns.preview(council.admin, made.id, council.clock.now().date())
    assert [r.name for r in preview.recipients] == ["Cat Clay"]
    ann = council.users["ann"]
    module = demo_curriculum.modules[0]
    ann.say("/next")
    for _ in module.cards[1:]:
        ann.say("/next")
    for index, question in enumerate(module.questions):  # 2 of 4: under 60%
        ann.say("/next")
        wrong = next(o for o in question.options if not o.correct)
        ann.press(question.correct_option.text if index % 2 == 0 else wrong.text)
    low = CampaignSpec("Catch up", (), ("t1-q2",), "low_scorers", None, "once:2026-03-09")
    made = council.campaigns.create(council.admin, low, council.clock.now())
    preview = council.campaigns.preview(council.admin, made.id, council.clock.now().date())
    assert (preview.round_start, [(r.name, r.questions) for r in preview.recipients]) == (
        dt.date(2026, 3, 9),
        [("Ann Able", ("t1-q2",))],
    )


def test_cancel_takes_the_campaign_out_of_rounds_not_sent_and_is_audited(
    council: CouncilWorld, demo_curriculum: Curriculum
) -> None:
    complete_module_one(council.users["cat"], demo_curriculum)
    spec = CampaignSpec("Spring", (MODULE_1,), (), "team", "Waste", "once:2026-03-03")
    campaign = council.campaigns.create(council.admin, spec, council.clock.now())
    council.clock.advance(dt.timedelta(hours=15, minutes=5))  # Tuesday 00:05
    council.services.plan()
    assert council.campaigns.cancel(council.admin, campaign.id, council.clock.now()) == 3
    ((status, plan),) = rounds(council, "cat")
    assert (status, plan.questions, plan.campaign) == ("skipped", (), ())
    assert [c.status for c in council.campaigns.list_campaigns(council.admin)] == ["cancelled"]
    with Session(council.services.engine) as session:
        audit = session.exec(
            select(AuditLog).where(col(AuditLog.action).startswith("campaign."))
        ).all()
    assert [(a.actor, a.action, a.target, a.detail) for a in audit] == [
        ("cli", "campaign.create", f"campaign:{campaign.id}", "{}"),
        ("cli", "campaign.cancel", f"campaign:{campaign.id}", '{"withdrawn": 3}'),
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CampaignSpec("", (MODULE_1,), (), "council", None, "once:2026-03-02"), "name is 1 to"),
        (CampaignSpec("X", ("nope",), (), "council", None, "once:2026-03-02"), "curriculum: nope"),
        (CampaignSpec("X", (), (), "council", None, "once:2026-03-02"), "at least one module"),
        (CampaignSpec("X", (MODULE_1,), (), "team", "Parks", "once:2026-03-02"), "no team named"),
        (CampaignSpec("X", (MODULE_1,), (), "role", "boss", "once:2026-03-02"), "names a role"),
        (CampaignSpec("X", (MODULE_1,), (), "everyone", None, "once:2026-03-02"), "target is one"),
        (CampaignSpec("X", (MODULE_1,), (), "council", None, "weekly"), "is not a schedule"),
    ],
)
def test_bad_campaigns_are_refused_clearly(
    council: CouncilWorld, spec: CampaignSpec, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        council.campaigns.create(council.admin, spec, council.clock.now())
    assert council.campaigns.list_campaigns(council.admin) == []
