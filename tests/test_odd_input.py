"""Odd input from chat and URLs gets an ordinary answer, never a 500: NUL characters
(PostgreSQL refuses them in text), ids too large for any record."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from app.host import create_app
from bot.payloads import read_payload
from bot.ports import MAX_RECORD_ID, record_id
from lessons.model import Curriculum
from runtime.clock import ManualClock
from tests.support.chat import ChatUser, make_services
from tests.test_dashboard import (  # noqa: F401  (client and world are fixtures)
    World,
    build_world,
    client,
    sign_in,
    world,
)

ASK_TIME = (
    "When would you like your daily bite? Choose a time or type one, like 09:15.\n"
    "[1] 08:30\n[2] 12:30\n[3] 16:00"
)


def test_nul_characters_in_chat_are_dropped(
    db_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    user = ChatUser(make_services(db_url, clock, demo_curriculum), clock, user_id="u\x00x")
    replies = user.say("/start demo\x00x")
    assert replies[-1] == (
        "I don't know the join code demox. Check it with your council's learning lead and type "
        "it again, or choose the demo council.\n[1] Try the demo council\n[2] I have a join code"
    )
    assert user.press_payload("join:demo\x00") == ["You have joined Demo Council.", ASK_TIME]


@pytest.mark.parametrize(
    "payload",
    [
        "rf:99999999999999999999:a",
        f"rf:{MAX_RECORD_ID + 1}:a",
        "nudge:99999999999999999999",
        f"nudge:{MAX_RECORD_ID + 1}",
    ],
)
def test_ids_no_record_can_have_are_forged_payloads(
    db_url: str, clock: ManualClock, demo_curriculum: Curriculum, payload: str
) -> None:
    user = ChatUser(make_services(db_url, clock, demo_curriculum), clock)
    user.say("/start")
    user.press("Try the demo council")
    user.press("12:30")
    forged = user.press_payload("zz:forged")
    assert user.press_payload(payload) == forged


def test_record_ids_from_outside() -> None:
    assert [record_id(d) for d in ("1", "2147483647", "2147483648", "0", "٣", "")] == [
        1,
        MAX_RECORD_ID,
        None,
        None,
        None,
        None,
    ]
    assert read_payload(f"rf:{MAX_RECORD_ID}:a") is not None
    assert read_payload(f"rf:{MAX_RECORD_ID + 1}:a") is None


async def test_a_campaign_id_too_large_for_any_record_is_not_found(
    client: httpx.AsyncClient,  # noqa: F811
    world: World,  # noqa: F811
) -> None:
    await sign_in(client, world, "ada")
    for campaign in ("99999999999999999999", str(MAX_RECORD_ID + 1), "0"):
        response = await client.get(f"/dashboard/campaigns/{campaign}")
        assert response.status_code == 404


@pytest.mark.postgres
async def test_nul_characters_in_dashboard_forms_are_dropped_on_postgresql(
    postgres_url: str, clock: ManualClock, demo_curriculum: Curriculum, tmp_path: Path
) -> None:
    services = make_services(postgres_url, clock, demo_curriculum)
    settings = services.settings.model_copy(update={"dashboard_packs_dir": tmp_path / "packs"})
    world = build_world(dataclasses.replace(services, settings=settings), clock)  # noqa: F811
    transport = httpx.ASGITransport(app=create_app(world.services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        csrf = await sign_in(http, world, "ada")
        form = {
            "csrf": csrf,
            "name": "Spring\x00 refresher",
            "modules": ["t1-what-contract-management-is"],
            "target_kind": "council",
            "schedule": "once",
            "date": "2026-03-09",
        }
        response = await http.post("/dashboard/campaigns", data=form)
        assert response.status_code == 303
        page = (await http.get(response.headers["location"])).text
    assert "<h1>Spring refresher</h1>" in page
