"""No log line, at any level, holds a sign-in token: the access log of a real server
(uvicorn on 127.0.0.1) shows sign-in paths without their query string."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from app.host import create_app
from app.logs import redact
from tests.test_dashboard import World, link_for, world  # noqa: F401  (the fixture)


@pytest.fixture
def base_url(world: World, debug_logs: io.StringIO) -> Iterator[str]:  # noqa: F811
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(world.services), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_sign_in_tokens_never_reach_the_log(
    world: World,  # noqa: F811
    base_url: str,
    debug_logs: io.StringIO,
) -> None:
    token = link_for(world, "ada")
    with httpx.Client(base_url=base_url) as http:
        assert http.get("/dashboard/signin", params={"token": token}).status_code == 200
        signed_in = http.post("/dashboard/signin", data={"token": token})
        assert signed_in.status_code == 303
        assert http.get("/dashboard/signin", params={"token": token}).status_code == 400
    events = [json.loads(line)["event"] for line in debug_logs.getvalue().splitlines()]
    access = [event for event in events if "/dashboard/signin" in event]
    assert [event.split(" - ", 1)[1] for event in access] == [
        '"GET /dashboard/signin?[redacted] HTTP/1.1" 200',
        '"POST /dashboard/signin HTTP/1.1" 303',
        '"GET /dashboard/signin?[redacted] HTTP/1.1" 400',
    ]
    assert token not in debug_logs.getvalue()


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (
            "POST https://api.telegram.org/bot123456789:AAHd1k2j3h4k5j6h7k8j9h0k1j2h3k4j5h6/getMe",
            "POST https://api.telegram.org/bot[redacted]/getMe",
        ),
        ("token xoxb-1-2-abcDEF and xapp-1-A1-2-ff", "token [redacted] and [redacted]"),
        ("Authorization: Bearer eyJ0eXAi.eyJzdWIi.sig", "Authorization: Bearer [redacted]"),
        (
            "/slack/oauth_redirect?code=abc&state=def",
            "/slack/oauth_redirect?code=[redacted]&state=[redacted]",
        ),
        ("signin?token=abc-DEF_1 from 1.2.3.4", "signin?token=[redacted] from 1.2.3.4"),
        (
            'Invalid request signature (timestamp: 1, body: {"text": "hi"})',
            "Invalid request signature (timestamp: 1, body: [redacted]",
        ),
    ],
)
def test_lines_are_scrubbed_of_secret_shapes(line: str, shown: str) -> None:
    assert redact(line) == shown
