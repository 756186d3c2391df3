"""The web dashboard: sign-in by one-time link from chat, sessions, CSRF, scoped pages,
settings, local content packs and the audit log (FastAPI app driven by httpx)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from app.host import create_app
from app.wiring import Services
from bot.flows.dashboard import hash_token
from dashboard.queries import heat_map
from lessons.loader import builtin_pack_path
from lessons.model import Curriculum
from runtime.clock import ManualClock
from scheduler import srs
from storage.council_tables import AuditLog, DashboardSession, DashboardToken, RoleGrant, Team
from storage.tables import Council, Learner, ModuleProgressRow, SrsCard
from tests.support.chat import ChatUser, make_services

LINK = re.compile(r"(http://127\.0\.0\.1:8080/dashboard/signin\?token=)([A-Za-z0-9_-]+)$")
T1 = "t1-what-contract-management-is"
T2 = "t2-kpis-and-performance-notices"


@dataclasses.dataclass
class World:
    """Two councils with teams, a manager, admins and learners."""

    services: Services
    clock: ManualClock
    users: dict[str, ChatUser]
    ids: dict[str, int]
    teams: dict[str, int]


def join(services: Services, clock: ManualClock, user_id: str, code: str) -> ChatUser:
    """A person who has joined a council by its join code and chosen a time."""
    user = ChatUser(services, clock, user_id=user_id)
    user.say(f"/start {code}")
    user.press("12:30")
    return user


def learner_id(services: Services, user_id: str) -> int:
    """The learner id behind a test platform user."""
    with services.store.transaction() as tx:
        from bot.messages import ConversationRef

        return tx.learner_for(
            ConversationRef("test", f"conv-{user_id}", user_id), _now()
        ).learner_id


def _now() -> dt.datetime:
    return dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def build_world(services: Services, clock: ManualClock) -> World:
    """Demo council: teams Contracts and Procurement; Ada (council admin), Max (manager of
    Contracts), Cat and Dan (Contracts), Eve (Procurement). North council: Nia (admin), Ned."""
    services.store.ensure_council("north", "North Council", "NORTH-1", clock.now())
    people = {
        "ada": "demo",
        "max": "demo",
        "cat": "demo",
        "dan": "demo",
        "eve": "demo",
        "nia": "NORTH-1",
        "ned": "NORTH-1",
    }
    users = {name: join(services, clock, name, code) for name, code in people.items()}
    ids = {name: learner_id(services, name) for name in people}
    with Session(services.engine) as session, session.begin():
        councils = {o.code: o.id or 0 for o in session.exec(select(Council)).all()}
        teams = {}
        for name, council in (("Contracts", "demo"), ("Procurement", "demo"), ("North", "north")):
            team = Team(council_id=councils[council], name=name, created_at=clock.now())
            session.add(team)
            session.flush()
            teams[name] = team.id
        placement = {
            "ada": None,
            "max": "Contracts",
            "cat": "Contracts",
            "dan": "Contracts",
            "eve": "Procurement",
            "nia": None,
            "ned": "North",
        }
        for name, team_name in placement.items():
            row = session.get(Learner, ids[name])
            assert row is not None
            row.display_name = name.capitalize() + " Example"
            row.team_id = teams[team_name] if team_name else None
            session.add(row)
        grants = [
            ("ada", "demo", "council_admin", None),
            ("max", "demo", "manager", "Contracts"),
            ("nia", "north", "council_admin", None),
        ]
        for name, council, role, team_name in grants:
            session.add(
                RoleGrant(
                    learner_id=ids[name],
                    council_id=councils[council],
                    role=role,
                    team_id=teams[team_name] if team_name else None,
                    created_at=clock.now(),
                )
            )
        _completed(session, ids["cat"], T1, 3, 4, clock.now())
        _completed(session, ids["eve"], T1, 1, 4, clock.now())
        _completed(session, ids["ned"], T1, 4, 4, clock.now())
        session.add(
            ModuleProgressRow(
                learner_id=ids["dan"],
                module_id=T2,
                status="in_progress",
                attempt=1,
                started_at=clock.now(),
            )
        )
    return World(services, clock, users, ids, {k: v or 0 for k, v in teams.items()})


def _completed(
    session: Session, learner: int, module: str, score: int, total: int, at: dt.datetime
) -> None:
    session.add(
        ModuleProgressRow(
            learner_id=learner,
            module_id=module,
            status="completed",
            attempt=1,
            started_at=at,
            completed_at=at,
            score=score,
            total=total,
        )
    )


@pytest.fixture
def world(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum, tmp_path: Path
) -> World:
    services = make_services(sqlite_url, clock, demo_curriculum)
    settings = services.settings.model_copy(update={"dashboard_packs_dir": tmp_path / "packs"})
    return build_world(dataclasses.replace(services, settings=settings), clock)


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(world.services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def link_for(world: World, name: str) -> str:
    """Ask for a sign-in link in chat, as the person would; return its token."""
    replies = world.users[name].say("/dashboard")
    assert len(replies) == 1
    found = LINK.search(replies[0])
    assert found is not None, replies
    return found.group(2)


async def sign_in(client: httpx.AsyncClient, world: World, name: str) -> str:
    """Sign in by link; return the session's CSRF token (read from the page)."""
    token = link_for(world, name)
    response = await client.post("/dashboard/signin", data={"token": token})
    assert response.status_code == 303
    home = await client.get("/dashboard")
    assert home.status_code == 200
    return csrf_of(home.text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def audit_rows(world: World) -> list[tuple[str, str, str | None, dict[str, object]]]:
    with Session(world.services.engine) as session:
        rows = session.exec(select(AuditLog).order_by(col(AuditLog.id))).all()
        return [(r.actor, r.action, r.target, json.loads(r.detail)) for r in rows]


# --- /dashboard in chat -----------------------------------------------------------------


def test_a_manager_gets_a_one_time_link_stored_only_as_a_hash(world: World) -> None:
    replies = world.users["max"].say("/dashboard")
    found = LINK.search(replies[0])
    assert found is not None
    token = found.group(2)
    assert replies == [
        "Here is your sign-in link to the Contract Bites dashboard. It works once, for 10 "
        f"minutes; do not share it.\nhttp://127.0.0.1:8080/dashboard/signin?token={token}"
    ]
    with Session(world.services.engine) as session:
        rows = session.exec(select(DashboardToken)).all()
    assert [(r.token_hash, r.learner_id, r.expires_at, r.used_at) for r in rows] == [
        (hash_token(token), world.ids["max"], world.clock.now() + dt.timedelta(minutes=10), None)
    ]
    assert token not in {r.token_hash for r in rows}


def test_a_bare_word_works_and_learners_are_told_who_the_dashboard_is_for(world: World) -> None:
    assert LINK.search(world.users["ada"].say("dashboard")[0])
    assert world.users["cat"].say("/dashboard") == [
        "The dashboard is for managers and council admins. Ask your council's Contract Bites "
        "admin if you need access."
    ]
    with Session(world.services.engine) as session:
        assert len(session.exec(select(DashboardToken)).all()) == 1


def test_the_link_uses_the_public_url(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    from app.wiring import bot_texts

    services = make_services(sqlite_url, clock, demo_curriculum)
    settings = services.settings.model_copy(update={"public_url": "https://bites.example.gov.uk/"})
    assert bot_texts(settings).dashboard_base_url == "https://bites.example.gov.uk"
    assert bot_texts(services.settings).dashboard_base_url == "http://127.0.0.1:8080"


# --- sign-in, sessions, CSRF --------------------------------------------------------------


async def test_signing_in_by_link_once(client: httpx.AsyncClient, world: World) -> None:
    token = link_for(world, "max")
    page = await client.get(f"/dashboard/signin?token={token}")
    # Opening the link (as a chat app's link preview does) does not use it up.
    assert page.status_code == 200
    assert '<button type="submit">Sign in</button>' in page.text
    assert (await client.get(f"/dashboard/signin?token={token}")).status_code == 200
    response = await client.post("/dashboard/signin", data={"token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    cookie = response.headers["set-cookie"]
    session_id = re.match(r"cb_dashboard=([^;]+);", cookie)
    assert session_id is not None
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    with Session(world.services.engine) as session:
        stored = session.exec(select(DashboardSession)).all()
    assert [s.id_hash for s in stored] == [hash_token(session_id.group(1))]
    home = await client.get("/dashboard")
    assert "Signed in as Max Example, Demo Council" in home.text
    # The second use of the same link: a clear page, and no second session.
    again = await client.post("/dashboard/signin", data={"token": token})
    assert again.status_code == 400
    assert "This sign-in link has already been used" in again.text
    assert "send <strong>/dashboard</strong> to Contract Bites in chat" in again.text
    opened = await client.get(f"/dashboard/signin?token={token}")
    assert "This sign-in link has already been used" in opened.text
    assert audit_rows(world) == [(f"learner:{world.ids['max']}", "dashboard.sign_in", None, {})]


async def test_an_expired_or_unknown_link_does_not_sign_in(
    client: httpx.AsyncClient, world: World
) -> None:
    token = link_for(world, "ada")
    world.clock.advance(dt.timedelta(minutes=10))
    expired = await client.post("/dashboard/signin", data={"token": token})
    assert expired.status_code == 400
    assert "This sign-in link has expired" in expired.text
    assert "set-cookie" not in expired.headers
    unknown = await client.post("/dashboard/signin", data={"token": "forged-token-value"})
    assert "This sign-in link is not valid" in unknown.text
    assert (await client.get("/dashboard")).headers["location"] == "/dashboard/signed-out"


async def test_a_withdrawn_role_ends_the_session(client: httpx.AsyncClient, world: World) -> None:
    await sign_in(client, world, "max")
    with Session(world.services.engine) as session, session.begin():
        grant = session.exec(select(RoleGrant).where(RoleGrant.learner_id == world.ids["max"]))
        session.delete(grant.one())
    response = await client.get("/dashboard/heatmap")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/signed-out"


async def test_sessions_expire_and_sign_out_ends_them(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    refused = await client.post("/dashboard/signout", data={"csrf": "wrong"})
    assert refused.status_code == 403
    out = await client.post("/dashboard/signout", data={"csrf": csrf})
    assert out.headers["location"] == "/dashboard/signed-out"
    assert (await client.get("/dashboard")).status_code == 303
    await sign_in(client, world, "ada")
    world.clock.advance(dt.timedelta(hours=8))
    assert (await client.get("/dashboard")).status_code == 303


async def test_https_sessions_have_secure_cookies(world: World) -> None:
    transport = httpx.ASGITransport(app=create_app(world.services))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        response = await http.post("/dashboard/signin", data={"token": link_for(world, "ada")})
    assert "Secure" in response.headers["set-cookie"]


async def test_every_page_has_a_strict_content_security_policy(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, world, "ada")
    for path in ["/dashboard", "/dashboard/heatmap", "/dashboard/settings", "/dashboard/content"]:
        response = await client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["cache-control"] == "no-store"
        assert "<script" not in response.text
        assert "style=" not in response.text


# --- scope: who sees what -----------------------------------------------------------------


async def test_a_manager_sees_only_their_team(client: httpx.AsyncClient, world: World) -> None:
    await sign_in(client, world, "max")
    page = (await client.get("/dashboard/heatmap")).text
    names = re.findall(r'<th scope="row">([A-Za-z ]+?)<span class="team">', page)
    assert names == ["Cat Example", "Dan Example", "Max Example"]
    for hidden in ("Eve Example", "Ada Example", "Ned Example", "Nia Example"):
        assert hidden not in page
    home = (await client.get("/dashboard")).text
    assert re.findall(r'<li><a href="(/dashboard[^"]*)"', home) == [
        "/dashboard",
        "/dashboard/heatmap",
        "/dashboard/progress",
        "/dashboard/overdue",
        "/dashboard/effect",
        "/dashboard/heatmap",
        "/dashboard/progress",
        "/dashboard/overdue",
        "/dashboard/effect",
    ]
    for admin_only in ("/dashboard/settings", "/dashboard/content", "/dashboard/campaigns"):
        denied = await client.get(admin_only)
        assert denied.status_code == 403, admin_only
        assert "This page is for other roles." in denied.text


async def test_a_council_admin_sees_their_whole_council_and_no_other(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, world, "ada")
    page = (await client.get("/dashboard/heatmap")).text
    names = re.findall(r'<th scope="row">([A-Za-z ]+?)(?:<span|</th>)', page)
    assert names == [
        "Ada Example",
        "Cat Example",
        "Dan Example",
        "Eve Example",
        "Max Example",
    ]
    assert "Ned Example" not in page and "Nia Example" not in page
    overdue = (await client.get("/dashboard/overdue")).text
    assert "Ned Example" not in overdue


async def test_the_other_councils_admin_sees_only_their_council(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, world, "nia")
    page = (await client.get("/dashboard/heatmap")).text
    assert re.findall(r'<th scope="row">([A-Za-z ]+?)(?:<span|</th>)', page) == [
        "Ned Example",
        "Nia Example",
    ]


# --- pages --------------------------------------------------------------------------------


async def test_the_heat_map_shows_numbers_and_bands_as_text(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, world, "max")
    page = (await client.get("/dashboard/heatmap")).text
    assert (
        '<caption id="heatmap-caption">Mastery by person and module (3 people, 3 modules)' in page
    )
    assert '<th scope="col">What contract management is</th>' in page
    cat = page.split("Cat Example", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="band band-(\w+)">(.*?)</td>', cat, re.S)
    assert [(band, re.sub(r"<[^>]+>|\s+", " ", body).split()) for band, body in cells] == [
        ("fair", ["Fair", "Quiz", "75%"]),
        ("not_started", ["Not", "started"]),
        ("not_started", ["Not", "started"]),
    ]
    dan = page.split("Dan Example", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'band band-(\w+)"', dan) == ["not_started", "started", "not_started"]


def test_the_heat_maps_recall_uses_the_councils_fitted_scale(
    world: World, demo_curriculum: Curriculum
) -> None:
    """Cat's predicted recall of module 1 as Max sees it, before and after the council's
    officers were fitted to remember twice as long as FSRS predicts."""
    now = world.clock.now() + dt.timedelta(days=20)
    reviewed = world.clock.now()
    with Session(world.services.engine, expire_on_commit=False) as session, session.begin():
        council = session.exec(select(Council).where(Council.code == "demo")).one()
        cards = [
            SrsCard(
                learner_id=world.ids["cat"],
                question_id=question,
                state=2,
                stability=stability,
                difficulty=5.0,
                due=reviewed + dt.timedelta(days=3),
                last_review=reviewed,
            )
            for question, stability in (("t1-q2", 3.0), ("t1-q3", 9.0))
        ]
        session.add_all(cards)
    assert council.id is not None
    with world.services.store.transaction() as tx:
        actor = tx.actor(world.ids["max"], council.id)

    def cat_recall() -> int | None:
        rows = heat_map(world.services.engine, actor, demo_curriculum, now).rows
        return next(row for row in rows if row.person.name == "Cat Example").cells[0].recall

    def expected(scale: float) -> int:
        recalls = [
            srs.recall(
                srs.Memory(0, c.state, c.step, c.stability, c.difficulty, c.due, c.last_review),
                now,
                scale,
            )
            for c in cards
        ]
        return round(100 * sum(recalls) / len(recalls))

    assert cat_recall() == expected(1.0)
    with Session(world.services.engine) as session, session.begin():
        row = session.get(Council, council.id)
        assert row is not None
        row.recall_scale = 2.0
    assert cat_recall() == expected(2.0) > expected(1.0)


async def test_completion_and_retention_over_time(client: httpx.AsyncClient, world: World) -> None:
    await sign_in(client, world, "ada")
    page = (await client.get("/dashboard/progress")).text
    assert page.count('role="img"') == 2
    assert (
        '<desc id="chart-1-desc">2 modules completed in the last 8 weeks; the most in one '
        "week was 2.</desc>" in page
    )
    assert "No refresher answers in the last 8 weeks." in page
    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>', page, re.S)
    assert len(rows) == 8
    last_week, cells = rows[-1]
    assert last_week == "02 March 2026"
    assert re.findall(r"<td>(.*?)</td>", cells) == ["2", "2", "0", "no answers"]


async def test_the_overdue_list(client: httpx.AsyncClient, world: World) -> None:
    """The rule /team uses: behind after 10 working days without a finished module, stuck
    after 3 without a step in a module; working days skip leave (and bank holidays)."""
    await sign_in(client, world, "ada")
    assert "Nobody is behind or stuck." in (await client.get("/dashboard/overdue")).text
    with Session(world.services.engine) as session, session.begin():
        dan = session.get(Learner, world.ids["dan"])
        eve = session.get(Learner, world.ids["eve"])
        assert dan is not None and eve is not None
        dan.module_id = T2  # part way through module 2 since 2 March
        eve.away_from, eve.away_until = dt.date(2026, 3, 9), dt.date(2026, 3, 13)
    world.clock.advance(dt.timedelta(days=14))  # Monday 16 March: 10 working days on
    await sign_in(client, world, "ada")  # the first session has expired
    page = (await client.get("/dashboard/overdue")).text
    rows = re.findall(
        r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>'
        r"\s*<td>(.*?)</td>",
        page,
    )
    # Eve was on leave for 5 of the 10 working days, so she is not behind.
    assert rows == [
        ("Ada Example", "none", "Behind", "10", "0"),
        ("Cat Example", "Contracts", "Behind", "10", "1"),
        ("Dan Example", "Contracts", "Stuck", "10", "0"),
        ("Max Example", "Contracts", "Behind", "10", "0"),
    ]


async def test_the_standing_export_uses_the_same_rule(
    client: httpx.AsyncClient, world: World
) -> None:
    with Session(world.services.engine) as session, session.begin():
        dan = session.get(Learner, world.ids["dan"])
        eve = session.get(Learner, world.ids["eve"])
        assert dan is not None and eve is not None
        dan.module_id = T2
        eve.away_from, eve.away_until = dt.date(2026, 3, 9), dt.date(2026, 3, 13)
    world.clock.advance(dt.timedelta(days=14))
    csrf = await sign_in(client, world, "ada")
    response = await client.post("/dashboard/exports/standing", data={"csrf": csrf})
    assert response.status_code == 200
    ids = world.ids
    assert response.text.splitlines() == [
        "learner,name,team,standing,working_days,modules_done",
        f"{ids['ada']},Ada Example,,behind,10,0",
        f"{ids['cat']},Cat Example,Contracts,behind,10,1",
        f"{ids['dan']},Dan Example,Contracts,stuck,10,0",
        f"{ids['max']},Max Example,Contracts,behind,10,0",
        f"{ids['eve']},Eve Example,Procurement,on_track,0,1",
    ]
    # The same people and standings as the Learners behind page.
    page = (await client.get("/dashboard/overdue")).text
    assert re.findall(r'<th scope="row">(.*?)</th>', page) == [
        "Ada Example",
        "Cat Example",
        "Dan Example",
        "Max Example",
    ]


async def test_team_size_is_the_same_in_chat_and_on_the_dashboard(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, world, "max")
    page = (await client.get("/dashboard/heatmap")).text
    assert "(3 people, 3 modules)" in page
    assert world.users["max"].say("/team")[0].startswith("Contracts: 3 people\n")


# --- settings -----------------------------------------------------------------------------


async def test_an_admin_changes_the_councils_pacing(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    form = {
        "csrf": csrf,
        "timezone": "Europe/London",
        "nation": "wales",
        "work_start": "08:30",
        "work_end": "17:30",
        "desired_retention": "0.85",
        "lesson_cap": "1",
        "round_size": "10",
        "round_size_lesson_day": "6",
        "backlog_limit": "30",
    }
    response = await client.post("/dashboard/settings", data=form)
    assert response.headers["location"] == "/dashboard/settings?saved=1"
    assert "Saved." in (await client.get("/dashboard/settings?saved=1")).text
    with world.services.store.transaction() as tx:
        council = tx.council(
            world.services.store.ensure_council("demo", "", "", world.clock.now()).id
        )
    assert council is not None
    assert (council.nation, council.work_start, council.work_end, council.desired_retention) == (
        "wales",
        "08:30",
        "17:30",
        0.85,
    )
    assert (council.round_size, council.round_size_lesson_day, council.backlog_limit) == (10, 6, 30)
    assert audit_rows(world)[-1] == (
        f"learner:{world.ids['ada']}",
        "council.settings",
        f"council:{council.id}",
        {
            "backlog_limit": 30,
            "desired_retention": 0.85,
            "lesson_cap": 1,
            "nation": "wales",
            "round_size": 10,
            "round_size_lesson_day": 6,
            "timezone": "Europe/London",
            "work_end": "17:30",
            "work_start": "08:30",
        },
    )


async def test_bad_settings_are_explained_per_field_and_nothing_changes(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    form = {
        "csrf": csrf,
        "timezone": "Mars/Olympus",
        "nation": "atlantis",
        "work_start": "18:00",
        "work_end": "08:00",
        "desired_retention": "2",
        "lesson_cap": "x",
        "round_size": "31",
        "round_size_lesson_day": "8",
        "backlog_limit": "-1",
    }
    response = await client.post("/dashboard/settings", data=form)
    assert response.status_code == 400
    assert re.findall(r'<li><a href="#(\w+)">(.*?)</a></li>', response.text) == [
        ("timezone", "Enter a time zone such as Europe/London"),
        ("nation", "Choose a nation"),
        ("work_end", "The working day must end after it starts"),
        ("desired_retention", "Enter a desired retention from 0.70 to 0.97"),
        ("lesson_cap", "Enter a whole number from 0 to 3"),
        ("round_size", "Enter a whole number from 0 to 30"),
        ("backlog_limit", "Enter a whole number from 0 to 500"),
    ]
    assert 'id="timezone" name="timezone" type="text" value="Mars/Olympus"' in response.text
    assert [row[1] for row in audit_rows(world)] == ["dashboard.sign_in"]


async def test_a_form_without_the_csrf_token_changes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    await sign_in(client, world, "ada")
    for data in ({"nation": "wales"}, {"nation": "wales", "csrf": "guessed"}):
        response = await client.post("/dashboard/settings", data=data)
        assert response.status_code == 403
        assert "This form has expired" in response.text
    with world.services.store.transaction() as tx:
        council = tx.council_by_join_code("demo")
    assert council is not None and council.nation == "england"


async def test_a_manager_cannot_post_admin_forms(client: httpx.AsyncClient, world: World) -> None:
    csrf = await sign_in(client, world, "max")
    response = await client.post("/dashboard/settings", data={"csrf": csrf, "nation": "wales"})
    assert response.status_code == 403
    upload = await client.post("/dashboard/content/folder", data={"csrf": csrf, "folder": "x"})
    assert upload.status_code == 403


# --- content ------------------------------------------------------------------------------


def pack_zip(council: str, break_it: bool = False, wrap: str = "") -> bytes:
    """A local pack with one module, zipped (optionally inside a folder)."""
    module = (
        (builtin_pack_path("demo") / "modules" / f"{T1}.md")
        .read_text("utf-8")
        .replace(f"id: {T1}", "id: local-1")
        .replace("t1-q", "local-1-q")
    )
    if break_it:
        module = module.replace("minutes: 5", "minutes: lots")
    manifest = (
        f'id: {council}-local\ntitle: Our rules\nversion: "1"\nextends: core\n'
        f"council: {council}\ntracks:\n  - id: T\n    title: Taster\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{wrap}pack.yaml", manifest)
        archive.writestr(f"{wrap}modules/local-1.md", module)
    return buffer.getvalue()


async def test_uploading_a_broken_pack_shows_file_and_line(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    response = await client.post(
        "/dashboard/content/upload",
        data={"csrf": csrf},
        files={"pack": ("pack.zip", pack_zip("demo", break_it=True), "application/zip")},
    )
    assert response.status_code == 400
    problems = re.findall(r"<li><code>(.*?)</code></li>", response.text)
    assert problems == ["modules/local-1.md:5: minutes must be a whole number from 1 to 20"]
    assert "Enable this pack" not in response.text
    assert audit_rows(world)[-1][1:] == (
        "content.validate",
        "pack:demo-local",
        {"problems": 1, "source": "upload"},
    )


async def test_a_valid_pack_is_enabled_for_this_council_only(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    response = await client.post(
        "/dashboard/content/upload",
        data={"csrf": csrf},
        files={"pack": ("pack.zip", pack_zip("demo", wrap="ours/"), "application/zip")},
    )
    assert response.status_code == 200
    assert "The pack is valid" in response.text
    staged = re.search(r'name="staged" value="([^"]+)"', response.text)
    assert staged is not None
    enabled = await client.post(
        "/dashboard/content/enable", data={"csrf": csrf, "staged": staged.group(1)}
    )
    assert enabled.headers["location"] == "/dashboard/content?enabled=1"
    page = (await client.get("/dashboard/content?enabled=1")).text
    assert "Our rules (<code>demo-local</code>, version 1)." in page
    packs = world.services.settings.dashboard_packs_dir
    assert (packs / "enabled" / "demo" / "modules" / "local-1.md").is_file()
    assert audit_rows(world)[-1][1:] == ("content.enable", "pack:demo-local", {"version": "1"})
    # The next start loads it for this council's learners only.
    from app.wiring import build_services

    restarted = build_services(world.services.settings, clock=world.clock, fuzz=False)
    assert restarted.curriculum.for_council("demo").module("local-1") is not None
    assert restarted.curriculum.for_council("north").module("local-1") is None


async def test_a_pack_naming_another_council_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    response = await client.post(
        "/dashboard/content/upload",
        data={"csrf": csrf},
        files={"pack": ("pack.zip", pack_zip("north"), "application/zip")},
    )
    assert re.findall(r"<li><code>(.*?)</code></li>", response.text) == [
        "pack.yaml:1: council: must be demo (this council)"
    ]


async def test_unsafe_zips_and_folders_outside_incoming_are_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escape.txt", "x")
    response = await client.post(
        "/dashboard/content/upload",
        data={"csrf": csrf},
        files={"pack": ("pack.zip", buffer.getvalue(), "application/zip")},
    )
    assert re.findall(r"<li><code>(.*?)</code></li>", response.text) == [
        "upload: unsafe file name in the zip: ../escape.txt"
    ]
    folder = await client.post("/dashboard/content/folder", data={"csrf": csrf, "folder": "../.."})
    assert "folder: no pack folder &#39;../..&#39; in" in folder.text


async def test_a_pack_folder_from_incoming_can_be_checked(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    incoming = world.services.settings.dashboard_packs_dir / "incoming" / "ours"
    with zipfile.ZipFile(io.BytesIO(pack_zip("demo"))) as archive:
        archive.extractall(incoming)
    response = await client.post("/dashboard/content/folder", data={"csrf": csrf, "folder": "ours"})
    assert "The pack is valid" in response.text


# --- exports ------------------------------------------------------------------------------


async def test_an_admin_downloads_the_councils_progress_as_csv(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    page = (await client.get("/dashboard/exports")).text
    assert "3 module records" in page
    assert "Leave empty for all 5 statements." in page
    response = await client.post("/dashboard/exports/progress", data={"csrf": csrf})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="demo-progress-2026-03-02.csv"'
    )
    lines = response.text.splitlines()
    assert lines[0] == (
        "learner,name,team,module,title,status,attempt,started,completed,score,out_of"
    )
    assert sorted(line.split(",")[1] for line in lines[1:]) == [
        "Cat Example",
        "Dan Example",
        "Eve Example",
    ]
    assert "Ned" not in response.text  # the other council's learner
    assert audit_rows(world)[-1][1:] == (
        "export.progress_csv",
        f"council:{world.services.store.ensure_council('demo', '', '', _now()).id}",
        {"since": None},
    )


async def test_xapi_statements_stream_as_json_lines(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    response = await client.post("/dashboard/exports/xapi", data={"csrf": csrf, "since": ""})
    statements = [json.loads(line) for line in response.text.splitlines()]
    assert [s["verb"]["id"].rsplit("/", 1)[1] for s in statements] == [
        "experienced",
        "experienced",
        "experienced",
        "completed",
        "completed",
    ]
    bad = await client.post("/dashboard/exports/xapi", data={"csrf": csrf, "since": "soon"})
    assert bad.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in bad.text
    later = await client.post("/dashboard/exports/xapi", data={"csrf": csrf, "since": "2026-03-03"})
    assert later.text == ""


async def test_managers_cannot_export_and_forms_need_the_csrf_token(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "max")
    assert (await client.post("/dashboard/exports/answers", data={"csrf": csrf})).status_code == 403
    await sign_in(client, world, "ada")
    refused = await client.post("/dashboard/exports/answers", data={})
    assert refused.status_code == 403
    assert [row[1] for row in audit_rows(world)] == ["dashboard.sign_in", "dashboard.sign_in"]


def test_exports_are_chunked() -> None:
    from dashboard.exports import chunked

    assert list(chunked(["ab\n", "cd\n", "e\n"], size=5)) == [b"ab\ncd\n", b"e\n"]


# --- campaigns ----------------------------------------------------------------------------


async def test_an_admin_creates_previews_and_cancels_a_campaign(
    client: httpx.AsyncClient, world: World
) -> None:
    csrf = await sign_in(client, world, "ada")
    form = {
        "csrf": csrf,
        "name": "Spring refresher",
        "modules": [T1],
        "target_kind": "team",
        "team": "Contracts",
        "role": "learner",
        "schedule": "once",
        "date": "2026-03-09",
    }
    response = await client.post("/dashboard/campaigns", data=form)
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/dashboard/campaigns/\d+\?created=1", location)
    page = (await client.get(location)).text
    assert "<h1>Spring refresher</h1>" in page
    assert "<dt>Next round</dt><dd>09 March 2026</dd>" in page
    # In words, not codes (issue 14): the schedule, the audience and the questions.
    assert "<dt>When</dt><dd>Once, on Monday 9 March 2026</dd>" in page
    assert "<dt>Who</dt><dd>The team Contracts</dd>" in page
    assert "<dt>Modules</dt><dd>What contract management is</dd>" in page
    assert "once:2026-03-09" not in page and "t1-q1" not in page
    recipients = re.findall(
        r'<tr><th scope="row">(.*?)</th><td>(\d+) questions:<ul class="questions">(.*?)</ul>',
        page,
    )
    # Only Cat has completed the module: a campaign refreshes what was learnt.
    assert [name for name, _count, _list in recipients] == ["Cat Example"]
    assert (
        "<p>2 people in the target left out: a campaign asks only about modules a person has "
        "completed, and they have completed none of its modules yet.</p>"
    ) in page
    assert {count for _name, count, _list in recipients} == {"3"}
    assert re.findall(r"<li>(.*?)</li>", recipients[0][2]) == [
        "Which stage of a contract does the NAO framework cover?",
        "The NAO good practice framework has eight areas.",
        "Which of these is one of the framework&#39;s four blocks?",
    ]
    listing = (await client.get("/dashboard/campaigns")).text
    assert (
        "<td>What contract management is</td>\n      <td>The team Contracts</td>\n"
        "      <td>Once, on Monday 9 March 2026</td>"
    ) in listing
    campaign_id = location.split("/")[-1].split("?")[0]
    cancelled = await client.post(f"/dashboard/campaigns/{campaign_id}/cancel", data={"csrf": csrf})
    assert cancelled.headers["location"] == f"/dashboard/campaigns/{campaign_id}"
    after = (await client.get(cancelled.headers["location"])).text
    assert "<dt>Status</dt><dd>cancelled</dd>" in after
    assert "Cancel this campaign" not in after
    assert [row[1:3] for row in audit_rows(world)[-2:]] == [
        ("campaign.create", f"campaign:{campaign_id}"),
        ("campaign.cancel", f"campaign:{campaign_id}"),
    ]


async def test_a_bad_campaign_is_explained_and_not_stored(
    client: httpx.AsyncClient, world: World
) -> None:
    """Every problem at once, in plain words, each next to its field and linked from the
    GOV.UK error summary; what was typed is kept."""
    csrf = await sign_in(client, world, "ada")
    form = {
        "csrf": csrf,
        "name": "",
        "target_kind": "team",
        "team": "Nobody's team",
        "schedule": "once",
        "date": "2026-02-30",
    }
    response = await client.post("/dashboard/campaigns", data=form)
    assert response.status_code == 400
    summary = response.text.split('id="error-summary-title"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'<li><a href="#([\w-]+)">(.*?)</a></li>', summary) == [
        ("name", "Enter a name for the campaign"),
        ("module-1", "Choose at least one module"),
        ("team", "Choose a team"),
        ("date", "Enter a real date as YYYY-MM-DD, for example 2026-04-06"),
    ]
    for field in ("name", "module-1", "team", "date"):
        assert f'<p class="error" id="{field}-error">' in response.text
    assert 'value="2026-02-30"' in response.text
    assert "No campaigns yet." in response.text
    past = {**form, "name": "Late", "modules": [T1], "team": "Contracts", "date": "2026-03-01"}
    late = await client.post("/dashboard/campaigns", data=past)
    assert re.findall(r'<li><a href="#([\w-]+)">(.*?)</a></li>', late.text) == [
        ("date", "The date must be today or later")
    ]


async def test_campaigns_stay_within_their_council(client: httpx.AsyncClient, world: World) -> None:
    csrf = await sign_in(client, world, "ada")
    form = {
        "csrf": csrf,
        "name": "Ours",
        "modules": [T1],
        "target_kind": "council",
        "schedule": "first-monday-of-quarter",
    }
    location = (await client.post("/dashboard/campaigns", data=form)).headers["location"]
    campaign_id = location.split("/")[-1].split("?")[0]
    csrf = await sign_in(client, world, "nia")
    assert (await client.get(f"/dashboard/campaigns/{campaign_id}")).status_code == 404
    refused = await client.post(f"/dashboard/campaigns/{campaign_id}/cancel", data={"csrf": csrf})
    assert refused.status_code == 404
    assert "No campaigns yet." in (await client.get("/dashboard/campaigns")).text
    await sign_in(client, world, "max")
    assert (await client.get("/dashboard/campaigns")).status_code == 403
