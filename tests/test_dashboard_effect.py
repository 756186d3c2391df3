"""The dashboard's Learning effect page (issue 13): exact figures on a small hand-made set
of probes, teams under five learners withheld, and who may see what."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from app.host import create_app
from bot.effect import CHECKUP, HOLDOUT, PRETEST, REFRESHED
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.council_tables import RoleGrant
from storage.tables import Council, EffectProbe, Learner
from tests.support.chat import make_services
from tests.test_dashboard import T1, T2, World, build_world, sign_in
from tests.test_effect_benchmark import council

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
# (kind, point, day, correct, guessed) for each of the six people of Contracts, by index.
CONTRACTS: list[list[tuple[str, str, int, bool, bool]]] = [
    [
        (PRETEST, REFRESHED, 0, n == 0, False),
        (CHECKUP, REFRESHED, 30, True, n == 1),  # a right guess is not remembered
        (CHECKUP, HOLDOUT, 30, n < 3, False),
        (CHECKUP, REFRESHED, 90, n != 5, False),
        (CHECKUP, HOLDOUT, 90, n < 2, False),
    ]
    for n in range(6)
]


def add_probes(
    session: Session, learner: int, module: str, rows: list[tuple[str, str, int, bool, bool]]
) -> None:
    """Answered probes of one learner and module."""
    for kind, point, day, correct, guessed in rows:
        session.add(
            EffectProbe(
                learner_id=learner,
                module_id=module,
                kind=kind,
                point=point,
                question_id=f"{module[:2]}-q1",
                variant_id=f"{module[:2]}-v1",
                day=day,
                answered_at=AT,
                correct=correct,
                guessed=guessed,
                created_at=AT,
            )
        )


def seed_probes(world: World) -> None:
    """Contracts: Max, Cat, Dan and three more (six people) on module T1; Eve alone in
    Procurement; Ada (no team) on T2 with an unanswered pre-test; Ned in the North council."""
    with Session(world.services.engine) as session, session.begin():
        demo = session.exec(select(Council).where(Council.code == "demo")).one()
        contracts = [world.ids["max"], world.ids["cat"], world.ids["dan"]]
        for name in ("Fay", "Gus", "Hal"):
            extra = Learner(
                council_id=demo.id,
                team_id=world.teams["Contracts"],
                display_name=f"{name} Example",
                stage="active",
                awaiting="nothing",
                working_days="mon tue wed thu fri",
                created_at=AT,
                updated_at=AT,
            )
            session.add(extra)
            session.flush()
            contracts.append(extra.id or 0)
        for learner, rows in zip(contracts, CONTRACTS, strict=True):
            add_probes(session, learner, T1, rows)
        add_probes(
            session,
            world.ids["eve"],
            T1,
            [(CHECKUP, REFRESHED, 90, True, False), (CHECKUP, HOLDOUT, 90, False, False)],
        )
        add_probes(
            session,
            world.ids["ada"],
            T2,
            [(CHECKUP, REFRESHED, 90, False, False), (CHECKUP, HOLDOUT, 90, True, False)],
        )
        session.add(
            EffectProbe(
                learner_id=world.ids["ada"],
                module_id=T2,
                kind=PRETEST,
                point=HOLDOUT,
                question_id="t2-q1",
                variant_id="t2-v1",
                day=0,
                created_at=AT,
            )
        )
        add_probes(
            session,
            world.ids["ned"],
            T1,
            [(CHECKUP, REFRESHED, 90, True, False), (CHECKUP, HOLDOUT, 90, True, False)],
        )


@pytest.fixture
def world(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum, tmp_path: Path
) -> World:
    services = make_services(sqlite_url, clock, demo_curriculum)
    settings = services.settings.model_copy(update={"dashboard_packs_dir": tmp_path / "packs"})
    built = build_world(dataclasses.replace(services, settings=settings), clock)
    seed_probes(built)
    return built


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(world.services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


WITHHELD = (
    "withheld: shown only when at least 5 councils have a difference, so that no council "
    "can be singled out"
)

NO_TIER = "your council has no tier set (the operator sets it with bites council tier)"


def across(page: str) -> list[tuple[str, str]]:
    """The Across councils section's terms and descriptions."""
    section = page.split('id="across-heading"', 1)[1]
    return re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", section)


def text_of(html: str) -> str:
    """Text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def table(page: str, caption: str) -> list[list[str]]:
    """The cells of a table's body rows, as text, found by its caption."""
    body = page.split(f">{caption}</caption>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("</thead>", 1)[1], re.S)
    return [
        [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]


async def test_the_council_admin_sees_exact_figures(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, world, "ada")
    response = await client.get("/dashboard/effect")
    assert response.status_code == 200
    page = response.text
    assert '<a href="/dashboard/effect" aria-current="page">Learning effect</a>' in page
    assert "These figures are for everyone in Demo Council." in page
    # Eight people: six in Contracts, Eve, Ada. 30 days: 5 of 6 remembered (one right
    # answer was a guess) against 3 of 6; 90 days: 6 of 8 against 3 of 8.
    assert table(page, "Refreshed against held-out points, Demo Council") == [
        [
            "Demo Council 8 learners",
            "30 days",
            "83% (44% to 97%)",
            "50% (19% to 81%)",
            "+33 (-17 to +67)",
            "6",
            "12",
            "17% of 6",
            "+58",
        ],
        ["90 days", "75% (41% to 93%)", "38% (14% to 69%)", "+38 (-9 to +67)", "8", "16"],
    ]
    assert table(page, "Teams with 5 or more learners") == [
        [
            "Contracts 6 learners",
            "30 days",
            "83% (44% to 97%)",
            "50% (19% to 81%)",
            "+33 (-17 to +67)",
            "6",
            "12",
            "17% of 6",
            "+67",
        ],
        ["90 days", "83% (44% to 97%)", "33% (10% to 70%)", "+50 (-4 to +77)", "6", "12"],
    ]
    assert "1 team is not shown because it has fewer than 5 learners." in page
    modules = table(page, "Modules")
    assert [row[0] for row in modules if len(row) == 9] == [
        "What contract management is 7 learners",
        "KPIs and contract performance notices 1 learner",
    ]
    assert modules[3] == [
        "90 days",
        "0% (0% to 79%)",
        "100% (21% to 100%)",
        "-100 (-100 to +12)",
        "1",
        "2",
    ]
    assert modules[2][2:] == [
        "no check-ups",
        "no check-ups",
        "not enough check-ups",
        "0",
        "0",
        "none yet",
        "not yet",
    ]
    assert (
        '<p class="effect-summary">Refreshed points: 75% remembered after 90 days; points not '
        "refreshed: 38%. Difference +38 points (95% CI -9 to +67), from 16 check-ups.</p>"
    ) in page
    assert page.count('role="img"') == 1
    assert "<script" not in page and "style=" not in page  # the strict CSP holds
    assert re.findall(r'<text class="value"[^>]*>([^<]*)</text>', page) == [
        "83%",
        "50%",
        "75%",
        "38%",
    ]
    assert page.count('class="whisker"') == 12
    assert "Ned" not in page and "North" not in page
    assert across(page) == [
        ("Your council, 90 days", "+38 points (95% CI -9 to +67), from 8 pairs"),
        ("All councils", WITHHELD),
        ("Councils of your tier", NO_TIER),
    ]


async def test_the_benchmark_shows_the_spread_once_five_councils_have_a_difference(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(3):
        council(world.services.engine, None, 3, 1)  # +50 each; Demo +37.5, North 0
    await sign_in(client, world, "ada")
    page = (await client.get("/dashboard/effect")).text
    spread = "median +50 points, half of councils between +38 and +50 (5 councils)"
    assert across(page)[1:] == [("All councils", spread), ("Councils of your tier", NO_TIER)]


async def test_a_manager_sees_only_the_teams_they_manage(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, world, "max")
    page = (await client.get("/dashboard/effect")).text
    assert "These figures are for the people in the teams you manage." in page
    top = table(page, "Refreshed against held-out points, Your teams")
    assert top[0][0] == "Your teams 6 learners"
    assert top[1] == [
        "90 days",
        "83% (44% to 97%)",
        "33% (10% to 70%)",
        "+50 (-4 to +77)",
        "6",
        "12",
    ]
    assert [row[0] for row in table(page, "Teams with 5 or more learners") if len(row) == 9] == [
        "Contracts 6 learners"
    ]
    assert "0 teams are not shown because they have fewer than 5 learners." in page
    assert "Across councils" not in page  # the benchmark is for council admins
    assert [row[0] for row in table(page, "Modules") if len(row) == 9] == [
        "What contract management is 6 learners"
    ]


async def test_another_councils_admin_sees_only_their_own(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, world, "nia")
    page = (await client.get("/dashboard/effect")).text
    top = table(page, "Refreshed against held-out points, North Council")
    assert top[0][0] == "North Council 1 learner"
    assert top[1] == [
        "90 days",
        "100% (21% to 100%)",
        "100% (21% to 100%)",
        "0 (-79 to +79)",
        "1",
        "2",
    ]
    assert "No team has 5 or more learners with check-ups or pre-tests yet." in page
    assert "Demo" not in page and "Contracts" not in page


async def test_learners_and_content_authors_cannot_see_it(
    client: httpx.AsyncClient, world: World
) -> None:
    signed_out = await client.get("/dashboard/effect")
    assert (signed_out.status_code, signed_out.headers["location"]) == (
        303,
        "/dashboard/signed-out",
    )
    with Session(world.services.engine) as session, session.begin():
        demo = session.exec(select(Council).where(Council.code == "demo")).one()
        session.add(
            RoleGrant(
                learner_id=world.ids["cat"],
                council_id=demo.id,
                role="content_author",
                created_at=AT,
            )
        )
    await sign_in(client, world, "cat")
    denied = await client.get("/dashboard/effect")
    assert denied.status_code == 403
    assert "This page is for other roles." in denied.text
    assert "/dashboard/effect" not in denied.text


async def test_an_admin_downloads_the_check_ups_and_a_manager_cannot(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    page = (await client.get("/dashboard/exports")).text
    assert "35 pre-tests and check-ups, answered or not" in page
    assert "Leave empty for all 39 statements." in page  # 5 of modules, 34 answered probes
    response = await client.post("/dashboard/exports/effect", data={"csrf": csrf})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="demo-effect-2026-03-02.csv"'
    )
    lines = response.text.splitlines()
    assert lines[0] == (
        "learner,name,team,module,kind,point,days,question,variant,due,answered,correct,guessed"
    )
    assert len(lines) == 36
    assert lines[1] == (
        f"{world.ids['ada']},Ada Example,,t2-kpis-and-performance-notices,checkup,refreshed,90,"
        "t2-q1,t2-v1,,2026-03-02T09:00:00Z,no,no"
    )
    assert "Ned" not in response.text
    xapi = await client.post("/dashboard/exports/xapi", data={"csrf": csrf, "since": ""})
    assert len(xapi.text.splitlines()) == 39
    await sign_in(client, world, "max")
    refused = await client.post("/dashboard/exports/effect", data={"csrf": csrf})
    assert refused.status_code == 403
