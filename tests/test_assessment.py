"""The capability self-assessment: the maturity model's content and loader, and /assess in
chat (exact replies, answers stored, resumable after a restart, stale and forged buttons)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from lessons.loader import builtin_pack_path, load_curriculum
from lessons.maturity import (
    LEVEL_NAMES,
    MAX_STATEMENT,
    check_against,
    load_maturity,
    maturity_file,
    parse_areas,
)
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.council_tables import Assessment
from storage.tables import Council
from tests.support.chat import ChatUser, make_services

MODEL_PATH = maturity_file(builtin_pack_path("core"))

INTRO = (
    "Capability self-assessment\nFor each of the 2 NAO areas your council uses, pick the "
    "statement that best fits how contracts are managed where you work today, then the level "
    "you aim for. You can stop at any time and send /assess to carry on. Your council sees its "
    "people's answers combined; other councils see only anonymous figures, and only where at "
    "least five councils took part."
)
LEVEL_BUTTONS = "[1] Minimum\n[2] Developing\n[3] Mature\n[4] Leader\n[5] Innovator"
AREA_1 = (
    "NAO area 1: Planning and governance (1 of 2)\nWhich statement fits best today?\n"
    "- Minimum: Each contract has a named manager and its key terms are known, but planning is "
    "ad hoc and governance differs from contract to contract.\n"
    "- Developing: The most important contracts have an owner and a contract management plan "
    "before go-live; they are reported to senior managers, others are not.\n"
    "- Mature: Contracts are tiered; each has an owner, a plan sized to its tier and a planned "
    "handover from award; issues go up a clear governance route.\n"
    "- Leader: A senior owner drives contract management across the council; plans are kept up "
    "to date through each contract's life and its cost is in the business case.\n"
    "- Innovator: Others borrow the council's approach: governance and reporting are joined up "
    "with partners and improved each year from evidence.\n" + LEVEL_BUTTONS
)
AREA_7 = (
    "NAO area 7: Risk (2 of 2)\nWhich statement fits best today?\n"
    "- Minimum: Contract risks are thought about at award, then rarely revisited; there is no "
    "plan for a supplier failing.\n"
    "- Developing: Key contracts keep a risk log with owners; some contingency plans exist; "
    "suppliers' finances are checked now and then.\n"
    "- Mature: Risks are reviewed regularly with the supplier; contingency and exit plans exist "
    "and are refreshed; suppliers' financial health is monitored.\n"
    "- Leader: Each risk sits with whoever can best manage it; escalation is routine; exit plans "
    "are tested; wider risks such as modern slavery are tracked.\n"
    "- Innovator: The council sees supplier and market risks coming, shares intelligence with "
    "other bodies, and its services recover quickly from failure.\n" + LEVEL_BUTTONS
)
SUMMARY = (
    "Your self-assessment\n"
    "- Planning and governance: Developing, aiming for Leader\n"
    "- Risk: Minimum, at your target\n\n"
    "Your path: these modules help close your gaps.\n"
    "- The NAO framework at a glance\n"
    "- Handover, ownership, the contract management plan and RAID-A\n"
    "- Tiering and proportionality\n"
    "[1] Continue\n[2] Take it again"
)


@pytest.fixture(scope="module")
def core() -> Curriculum:
    return load_curriculum()


@pytest.fixture
def user(sqlite_url: str, clock: ManualClock, core: Curriculum) -> ChatUser:
    services = make_services(sqlite_url, clock, core)
    set_areas(services.engine, "1,7")
    chat = ChatUser(services, clock)
    chat.say("/start")
    chat.press("Try the demo council")
    chat.press("12:30")
    return chat


def set_areas(engine: object, areas: str) -> None:
    with Session(engine) as session:  # type: ignore[call-overload]
        council = session.exec(select(Council).where(Council.code == "demo")).one()
        council.nao_areas = areas
        session.add(council)
        session.commit()


def stored(user: ChatUser) -> list[tuple[int, int, int]]:
    with Session(user.services.engine) as session:
        rows = session.exec(select(Assessment).order_by(Assessment.id)).all()  # type: ignore[arg-type]
        return [(row.area, row.level, row.target) for row in rows]


# The model ------------------------------------------------------------------------------


def test_the_model_covers_areas_1_to_11_with_five_short_statements_and_real_modules(
    core: Curriculum,
) -> None:
    model, problems = load_maturity(MODEL_PATH)
    assert problems == []
    assert model is not None
    assert [area.area for area in model.areas] == list(range(1, 12))
    assert [area.title for area in model.areas[:3]] == [
        "Planning and governance",
        "People",
        "Administration",
    ]
    for area in model.areas:
        assert len(area.statements) == len(LEVEL_NAMES) == 5
        assert all(0 < len(s) <= MAX_STATEMENT for s in area.statements)
        assert area.modules
    assert check_against(model, core) == []
    titles = " ".join(source.title for source in model.sources)
    assert "National Procurement Strategy" in titles and "NAO" in titles


def test_model_problems_are_reported_with_file_and_line(tmp_path: Path, core: Curriculum) -> None:
    bad = tmp_path / "maturity.yaml"
    good = MODEL_PATH.read_text("utf-8")
    # Break area 2: drop its Leader statement; name a module that does not exist in area 3.
    text = good.replace(
        '      leader: "Experienced, accredited staff run the key contracts in teams with a mix '
        'of skills; capability is measured and a development plan closes gaps."\n',
        "",
    ).replace("modules: [d1-records-trigger-dates-and-transparency,", "modules: [d9-nothing,")
    bad.write_text(text, "utf-8")
    model, problems = load_maturity(bad)
    lines = text.splitlines()
    area_2 = next(n for n, line in enumerate(lines, 1) if line == "  - area: 2")
    area_3 = next(n for n, line in enumerate(lines, 1) if line == "  - area: 3")
    assert [str(p) for p in problems] == [
        f"{bad}:{area_2}: area 2: no statement for 'leader'",
        f"{bad}:1: areas missing from the model: 2",
    ]
    assert model is not None
    assert [str(p) for p in check_against(model, core)] == [
        f"{bad}:{area_3}: area 3: no module 'd9-nothing' in the curriculum"
    ]


def test_a_broken_yaml_file_is_a_problem_at_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "maturity.yaml"
    bad.write_text("areas:\n  - area: 1\n    title: [unclosed\n", "utf-8")
    model, problems = load_maturity(bad)
    assert model is None
    assert len(problems) == 1 and problems[0].line == 4
    assert str(problems[0]).startswith(f"{bad}:4: not valid YAML")


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("1-8", (1, 2, 3, 4, 5, 6, 7, 8)),
        ("1-11", tuple(range(1, 12))),
        ("1-8,10", (1, 2, 3, 4, 5, 6, 7, 8, 10)),
        (" 7, 1 ", (1, 7)),
        ("0-8", None),
        ("1-12", None),
        ("8-1", None),
        ("all", None),
        ("", None),
    ],
)
def test_council_areas_are_read_from_text(text: str, areas: tuple[int, ...] | None) -> None:
    assert parse_areas(text) == areas


# In chat ----------------------------------------------------------------------------------


def test_a_full_assessment_stores_each_answer_and_recommends_modules(user: ChatUser) -> None:
    assert user.say("/assess") == [INTRO, AREA_1]
    assert user.press("Developing") == [
        "You chose Developing. Which level are you aiming for?\n"
        "[1] Stay at Developing\n[2] Mature\n[3] Leader\n[4] Innovator"
    ]
    assert stored(user) == []
    assert user.press("Leader") == [AREA_7]
    assert stored(user) == [(1, 2, 4)]
    assert user.press("Minimum") == [
        "You chose Minimum. Which level are you aiming for?\n"
        "[1] Stay at Minimum\n[2] Developing\n[3] Mature\n[4] Leader\n[5] Innovator"
    ]
    assert user.press("Stay at Minimum") == [SUMMARY]
    assert stored(user) == [(1, 2, 4), (7, 1, 1)]
    # Done: /assess shows the result again; Continue goes back to learning.
    assert user.say("assess") == [SUMMARY]


def test_it_carries_on_where_the_learner_stopped_after_a_restart(
    user: ChatUser, core: Curriculum
) -> None:
    user.say("/assess")
    user.press("Mature")
    target_payload = user.payload_of("Stay at Mature")
    restarted = ChatUser(
        make_services(user.services.settings.database_url, user.clock, core), user.clock
    )
    # The old button still works after the restart...
    assert restarted.press_payload(target_payload) == [AREA_7]
    assert stored(restarted) == [(1, 3, 3)]
    # ...and /assess later resumes at the first unanswered area.
    assert restarted.say("/assess") == [
        "Welcome back: you have answered 1 of 2 areas. Next:",
        AREA_7,
    ]


def test_taking_it_again_walks_every_area_and_the_latest_answer_counts(user: ChatUser) -> None:
    user.say("/assess")
    user.press("Minimum")
    user.press("Mature")
    user.press("Mature")
    user.press("Stay at Mature")
    assert user.press("Take it again") == [INTRO, AREA_1]
    user.press("Leader")
    assert user.press("Stay at Leader") == [AREA_7]
    user.press("Leader")
    assert user.press("Innovator") == [
        "Your self-assessment\n"
        "- Planning and governance: Leader, at your target\n"
        "- Risk: Leader, aiming for Innovator\n\n"
        "Your path: these modules help close your gaps.\n"
        "- Contract risk, contingency and business continuity\n"
        "- Supplier financial distress and resolution planning\n"
        "- Modern slavery and ethical supply chains in live contracts\n"
        "- Exit, transition and closure\n"
        "- Termination rights and contract termination notices\n"
        "- Exclusions, debarment and conflicts of interest across the contract life\n"
        "[1] Continue\n[2] Take it again"
    ]
    assert stored(user) == [(1, 1, 3), (7, 3, 3), (1, 4, 4), (7, 4, 5)]


def test_no_gaps_and_the_councils_default_areas(user: ChatUser) -> None:
    set_areas(user.services.engine, "1-8")
    replies = user.say("/assess")
    assert replies[0].startswith("Capability self-assessment\nFor each of the 8 NAO areas")
    for _area in range(8):
        user.press("Mature")
        last = user.press("Stay at Mature")
    assert last == [
        "Your self-assessment\n"
        "- Planning and governance: Mature, at your target\n"
        "- People: Mature, at your target\n"
        "- Administration: Mature, at your target\n"
        "- Managing relationships: Mature, at your target\n"
        "- Managing performance: Mature, at your target\n"
        "- Payment and incentives: Mature, at your target\n"
        "- Risk: Mature, at your target\n"
        "- Contract development: Mature, at your target\n\n"
        "You are at your target in every area.\n"
        "[1] Continue\n[2] Take it again"
    ]


def test_stale_and_forged_buttons_change_nothing(user: ChatUser) -> None:
    user.say("/assess")
    # Area 9 is not one the council uses; a target below the level is not a button we make.
    assert user.press_payload("sa:t:n:9:2:3") == [
        "That button is out of date. Send /next to carry on."
    ]
    assert user.press_payload("sa:t:n:1:4:2") == [
        "Sorry, I don't recognise that button. Send /next to carry on."
    ]
    assert user.press_payload("sa:l:n:1:6") == [
        "Sorry, I don't recognise that button. Send /next to carry on."
    ]
    assert stored(user) == []


def test_it_works_while_paused(user: ChatUser) -> None:
    user.say("/stop")
    assert user.say("/assess") == [INTRO, AREA_1]
    assert user.press("Innovator") == [
        "You chose Innovator. Which level are you aiming for?\n[1] Stay at Innovator"
    ]
