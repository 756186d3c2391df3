"""Per-address limits for what needs no sign-in (new web chats, sign-in attempts), the
client address and scheme as trusted proxies report them, and per-visitor message ids."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app.host import create_app
from app.settings import SettingsError, load_settings
from app.wiring import Services
from lessons.model import Curriculum
from runtime.clock import ManualClock
from storage.tables import Learner
from tests.support.chat import make_services

WAIT = "too many new chats from your address: try again later"


@pytest.fixture
def services(sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> Services:
    return make_services(sqlite_url, clock, demo_curriculum)


def client_for(
    services: Services, address: str = "127.0.0.1", **settings: object
) -> httpx.AsyncClient:
    changed = dataclasses.replace(services, settings=services.settings.model_copy(update=settings))
    transport = httpx.ASGITransport(app=create_app(changed), client=(address, 5000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(services) as http:
        yield http


async def say(client: httpx.AsyncClient, chat: str, text: str = "/start", **more: str) -> int:
    client.cookies.set("cb_chat", chat, path="/chat")
    response = await client.post("/chat/api/messages", json={"text": text, **more})
    return response.status_code


def learners(services: Services) -> int:
    with Session(services.engine) as session:
        return int(session.exec(select(func.count()).select_from(Learner)).one())


async def test_an_address_starts_twenty_new_chats_an_hour(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    chats = [f"made-up-chat-id-{n:08d}" for n in range(22)]
    assert [await say(client, chat) for chat in chats[:20]] == [200] * 20
    client.cookies.set("cb_chat", chats[20], path="/chat")
    refused = await client.post("/chat/api/messages", json={"text": "/start"})
    assert (refused.status_code, refused.json()) == (429, {"error": WAIT})
    assert refused.headers["retry-after"] == "3601"
    assert learners(services) == 20  # the refused chat made no learner
    assert await say(client, chats[3], "/help") == 200  # chats already started carry on
    clock.advance(dt.timedelta(hours=1))
    assert await say(client, chats[20]) == 200


async def test_sign_in_attempts_are_limited_per_address(
    client: httpx.AsyncClient, services: Services, clock: ManualClock
) -> None:
    tries = [
        await client.post("/dashboard/signin", data={"token": f"guess-{n}"}) for n in range(10)
    ]
    assert [t.status_code for t in tries] == [400] * 10
    refused = await client.get("/dashboard/signin", params={"token": "guess-10"})
    assert (refused.status_code, refused.json()) == (
        429,
        {"error": "too many sign-in attempts from your address: try again later"},
    )
    async with client_for(services, "192.0.2.7") as elsewhere:
        other = await elsewhere.post("/dashboard/signin", data={"token": "guess"})
        assert other.status_code == 400  # another address has its own count
    clock.advance(dt.timedelta(minutes=10))
    again = await client.post("/dashboard/signin", data={"token": "guess-11"})
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("proxies", "address", "secure"),
    [
        ("127.0.0.1", "127.0.0.1", True),
        ("127.0.0.1", "10.1.2.3", False),  # not a trusted proxy: its header is not believed
        ("10.0.0.0/8, 127.0.0.1", "10.1.2.3", True),
    ],
)
async def test_the_secure_cookie_flag_follows_trusted_proxies_only(
    services: Services, proxies: str, address: str, secure: bool
) -> None:
    async with client_for(services, address, trusted_proxies=proxies) as http:
        page = await http.get("/chat", headers={"X-Forwarded-Proto": "https"})
    assert ("; secure" in page.headers["set-cookie"].lower()) is secure


async def test_a_trusted_proxy_reports_each_clients_address(services: Services) -> None:
    async with client_for(services, "10.1.2.3", trusted_proxies="10.0.0.0/8") as http:
        for n in range(20):
            http.cookies.set("cb_chat", f"made-up-chat-id-{n:08d}", path="/chat")
            forwarded = {"X-Forwarded-For": "198.51.100.1"}
            response = await http.post("/chat/api/messages", json={"text": "x"}, headers=forwarded)
            assert response.status_code == 200
        http.cookies.set("cb_chat", "made-up-chat-id-99999999", path="/chat")
        other = {"X-Forwarded-For": "198.51.100.2"}
        assert (
            await http.post("/chat/api/messages", json={"text": "x"}, headers=other)
        ).status_code == 200
        same = {"X-Forwarded-For": "198.51.100.1"}
        assert (
            await http.post("/chat/api/messages", json={"text": "x"}, headers=same)
        ).status_code == 429


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(trusted_proxies="127.0.0.1, proxy.internal")
    assert str(raised.value) == (
        "bad setting(s):\nCB_TRUSTED_PROXIES: Value error, 'proxy.internal' is not an IP "
        "address or network (got '127.0.0.1, proxy.internal')"
    )


async def test_two_visitors_may_use_the_same_message_ids(
    client: httpx.AsyncClient, services: Services
) -> None:
    assert await say(client, "visitor-a-chat-id-000001", "/start", id="m1") == 200
    client.cookies.set("cb_chat", "visitor-b-chat-id-000001", path="/chat")
    response = await client.post("/chat/api/messages", json={"text": "/start", "id": "m1"})
    assert response.json()["replies"][0]["text"].startswith("Welcome to Contract Bites.")
    # The same visitor's retry of m1 is still a duplicate.
    again = await client.post("/chat/api/messages", json={"text": "/start", "id": "m1"})
    assert again.json()["replies"] == []


@pytest.mark.postgres
async def test_on_postgresql_the_limits_hold_across_processes(
    postgres_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    """Two services on one PostgreSQL database (as two processes behind a load balancer)
    share the counts: ten sign-in attempts in all, however they are spread."""
    first = make_services(postgres_url, clock, demo_curriculum)
    second = make_services(postgres_url, clock, demo_curriculum)
    async with client_for(first) as one, client_for(second) as two:
        codes = []
        for n in range(10):
            client = one if n % 2 == 0 else two
            tried = await client.post("/dashboard/signin", data={"token": f"guess-{n}"})
            codes.append(tried.status_code)
        assert codes == [400] * 10
        assert (await one.post("/dashboard/signin", data={"token": "x"})).status_code == 429
        refused = await two.post("/dashboard/signin", data={"token": "y"})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 601
        clock.advance(dt.timedelta(minutes=10))
        assert (await two.post("/dashboard/signin", data={"token": "z"})).status_code == 400
    first.engine.dispose()
    second.engine.dispose()
