"""The FastAPI host: health, readiness and the web chat API, through httpx's ASGI transport."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from sqlmodel import Session, select

from app.host import create_app
from app.settings import Settings
from app.wiring import Services
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.db import make_engine
from storage.tables import AnswerRow, Learner
from tests.support.chat import make_services


@pytest.fixture
def services(sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> Services:
    return make_services(sqlite_url, clock, demo_curriculum)


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


async def open_chat(client: httpx.AsyncClient) -> None:
    page = await client.get("/chat")
    assert page.status_code == 200
    assert "cb_chat" in client.cookies


async def post(client: httpx.AsyncClient, **body: str) -> list[dict[str, object]]:
    response = await client.post("/chat/api/messages", json=body)
    assert response.status_code == 200, response.text
    replies = response.json()["replies"]
    assert isinstance(replies, list)
    return replies


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("sqlite:///{tmp}/empty.db", "migrations pending"),
        ("postgresql://nobody@127.0.0.1:1/none", "database unreachable"),
    ],
)
async def test_not_ready_without_a_current_database(
    services: Services, tmp_path: object, url: str, status: str
) -> None:
    broken = replace(services, engine=make_engine(url.format(tmp=tmp_path)))
    transport = httpx.ASGITransport(app=create_app(broken))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"status": status})


async def test_the_chat_page_is_served_with_a_cookie_and_strict_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/chat")
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="en-GB">' in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/chat" in cookie
    assert (await client.get("/chat/static/chat.js")).status_code == 200
    assert (await client.get("/")).headers["location"] == "/chat"


async def test_a_lesson_through_the_web_chat_api(
    client: httpx.AsyncClient, services: Services
) -> None:
    await open_chat(client)
    replies = await post(client, text="/start", id="1")
    assert replies[1]["choices"] == [
        {"id": "join:demo", "label": "Try the demo council"},
        {"id": "join:code", "label": "I have a join code"},
    ]
    await post(client, choice="join:demo", id="2")
    await post(client, choice="time:1230", id="3")
    replies = await post(client, choice="next", id="4")
    assert replies[0]["html"] == (
        "<p><strong>Module 1 of 3: What contract management is</strong><br>"
        "About 5 minutes. You will be able to:</p><ul><li>Say which part of a contract&#x27;s "
        "life contract management covers.</li><li>Name the four blocks of the NAO good "
        "practice framework.</li></ul>"
    )
    for n in range(3):
        await post(client, choice="next", id=f"c{n}")
    feedback = await post(client, choice="ans:t1-q1:c", id="a1")
    assert feedback[0]["text"].startswith("Correct.")
    assert feedback[0]["answers_question"] == "t1-q1"
    # The browser retrying the same message id changes nothing.
    assert await post(client, choice="ans:t1-q1:c", id="a1") == []
    with Session(services.engine) as session:
        assert len(session.exec(select(AnswerRow)).all()) == 1


async def test_the_lesson_of_the_day_waits_for_the_page_to_fetch_it(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    await open_chat(client)
    await post(client, text="/start", id="1")
    await post(client, choice="join:demo", id="2")
    await post(client, choice="time:1230", id="3")
    # The conversation so far is kept (for a reload), but nothing proactive waits yet.
    waiting = (await client.get("/chat/api/updates")).json()
    assert waiting["messages"] == []
    clock.advance(dt.timedelta(days=1, hours=4))  # Tuesday 13:00
    services.plan()
    await services.dispatch()
    first = (await client.get(f"/chat/api/updates?after={waiting['last']}")).json()
    assert first["messages"] == [
        {
            "id": first["last"],
            "html": "<p>Your daily bite is ready: <strong>What contract management is</strong>, "
            "module 1 of 3, about 5 minutes.</p>",
            "text": "Your daily bite is ready: What contract management is, module 1 of 3, "
            "about 5 minutes.",
            "choices": [{"id": "next", "label": "Start"}],
            "answers_question": None,
        }
    ]
    again = await client.get(f"/chat/api/updates?after={first['last']}")
    assert again.json() == {"messages": [], "last": first["last"]}
    # Another visitor sees nothing of it.
    client.cookies.clear()
    await open_chat(client)
    assert (await client.get("/chat/api/updates")).json()["messages"] == []


async def test_metrics_show_deliveries_queue_and_send_timings(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    await open_chat(client)
    await post(client, text="/start", id="1")
    await post(client, choice="join:demo", id="2")
    await post(client, choice="time:1230", id="3")
    clock.advance(dt.timedelta(days=1, hours=3, minutes=30))  # Tuesday 12:30
    services.plan()
    before = (await client.get("/metrics")).text
    assert "cb_delivery_queue_depth 1.0" in before
    await services.dispatch()
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert 'cb_deliveries{platform="web",status="sent"} 1.0' in lines
    assert "cb_delivery_queue_depth 0.0" in lines
    assert 'cb_delivery_lag_seconds_count{platform="web"} 1.0' in lines
    assert 'cb_send_latency_seconds_count{platform="web"} 1.0' in lines


@pytest.mark.parametrize(
    ("content", "status", "error"),
    [
        (b'{"text": 5}', 400, "'text' must be a string of at most 2000 characters"),
        (b'{"text": "hi", "admin": true}', 400, "unknown field(s): admin"),
        (b"not json", 400, "the body is not JSON"),
        (b"[1, 2]", 400, "send a JSON object with 'text' or 'choice'"),
        (b'{"choice": ""}', 400, "'choice' must be a string of 1 to 128 characters"),
    ],
)
async def test_bad_requests_are_refused_without_side_effects(
    client: httpx.AsyncClient, services: Services, content: bytes, status: int, error: str
) -> None:
    await open_chat(client)
    response = await client.post(
        "/chat/api/messages", content=content, headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()) == (status, {"error": error})
    with Session(services.engine) as session:
        assert session.exec(select(Learner)).all() == []


async def test_posts_need_json_and_the_chat_cookie(
    client: httpx.AsyncClient, services: Services
) -> None:
    no_cookie = await client.post("/chat/api/messages", json={"text": "/start"})
    assert no_cookie.status_code == 401
    await open_chat(client)
    form = await client.post("/chat/api/messages", data={"text": "/start"})
    assert form.status_code == 415
    with Session(services.engine) as session:
        assert session.exec(select(Learner)).all() == []


def test_settings_default_to_the_embedded_database() -> None:
    assert Settings().database_url == "sqlite:///var/contract-bites.db"


async def test_the_web_chat_history_is_kept_per_browser(client: httpx.AsyncClient) -> None:
    """A reloaded page gets the conversation back: what was typed or pressed (as text)
    and every reply, the last 50 messages, and never another browser's."""
    await open_chat(client)
    assert (await client.get("/chat/api/history")).json() == {
        "messages": [],
        "known": False,
        "last": 0,
    }
    await post(client, text="/start", id="1")
    await post(client, choice="join:demo", label="Try the demo council", id="2")
    history = (await client.get("/chat/api/history")).json()
    assert [(m["who"], m["text"].split("\n")[0][:30]) for m in history["messages"]] == [
        ("me", "/start"),
        ("bot", "Welcome to Contract Bites. I t"),
        ("bot", "Which council are you with? If"),
        ("me", "Try the demo council"),
        ("bot", "You have joined Demo Council."),
        ("bot", "When would you like your daily"),
    ]
    assert history["known"] is True
    assert history["last"] == history["messages"][-1]["id"]
    for number in range(30):
        await post(client, text=f"/define term {number}", id=f"d{number}")
    assert len((await client.get("/chat/api/history")).json()["messages"]) == 50
    client.cookies.clear()
    await open_chat(client)
    assert (await client.get("/chat/api/history")).json()["messages"] == []


async def test_the_kept_web_chat_is_in_the_learners_copy_of_their_data(
    client: httpx.AsyncClient,
) -> None:
    await open_chat(client)
    await post(client, text="/start demo", id="1")
    await post(client, choice="time:1230", label="12:30", id="2")
    replies = await post(client, text="/mydata", id="3")
    assert replies[0]["choices"][0]["label"] == "Download my data"
    parts = await post(client, choice="md:download", label="Download my data", id="4")
    copy = json.loads("".join(str(part["text"]) for part in parts[1:]))
    assert [(m["from"], m["text"].split("\n")[0][:28]) for m in copy["web_chat"][:4]] == [
        ("you", "/start demo"),
        ("bot", "Welcome to Contract Bites. I"),
        ("bot", "You have joined Demo Council"),
        ("bot", "When would you like your dai"),
    ]
