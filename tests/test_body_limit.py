"""Every route limits its request body while it streams in: 413 before the body is read
when its declared length is too large, and 413 at the limit when it streams past it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from app.body_limit import DEFAULT_MAX_BODY
from app.host import create_app
from app.settings import Settings
from app.wiring import build_services
from dashboard.content import MAX_ZIP_BYTES
from lessons.model import Curriculum
from runtime.clock import ManualClock

CHUNK = 64 * 1024
UPLOAD = "/dashboard/content/upload"
ROUTES = [
    "/chat/api/messages",
    "/dashboard/signin",
    UPLOAD,
    "/api/messages",
    "/slack/events",
    "/telegram/webhook",
    "/nowhere",
]


@pytest.fixture
def app(sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum) -> FastAPI:
    settings = Settings(
        database_url=sqlite_url,
        scheduler=False,
        teams_dev_bypass=True,
        slack_signing_secret="s" * 32,
        slack_bot_token="xoxb-1-test",
        slack_api_url="http://127.0.0.1:9/api/",
        telegram_token="123456:TEST-token_for-the-limit",
        telegram_secret_token="secret",
        telegram_api_url="http://127.0.0.1:9",
    )
    return create_app(build_services(settings, clock=clock, curriculum=demo_curriculum))


class Upload:
    """A client sending `total` bytes in 64 KB chunks; counts what the server pulled."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.pulled = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        size = min(CHUNK, self.left)
        self.left -= size
        self.pulled += size
        return {"type": "http.request", "body": b"x" * size, "more_body": self.left > 0}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])


def scope(path: str, length: int | None) -> dict[str, Any]:
    form = path.startswith("/dashboard")
    headers = [
        (b"content-type", b"application/x-www-form-urlencoded" if form else b"application/json"),
        (b"x-telegram-bot-api-secret-token", b"secret"),
        (b"host", b"127.0.0.1"),
        (b"cookie", b"cb_chat=" + b"a" * 32),
    ]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8080),
    }


def limit_of(path: str) -> int:
    return MAX_ZIP_BYTES + 2**16 if path == UPLOAD else DEFAULT_MAX_BODY


@pytest.mark.parametrize("path", ROUTES)
async def test_a_declared_length_over_the_limit_is_refused_unread(app: FastAPI, path: str) -> None:
    upload = Upload(200 * 2**20)
    await app(scope(path, 200 * 2**20), upload.receive, upload.send)
    assert (upload.status, upload.pulled) == (413, 0)
    assert upload.sent[1]["body"] == (
        b'{"error": "the request body is larger than %d bytes"}' % limit_of(path)
    )


@pytest.mark.parametrize("path", [p for p in ROUTES if p not in {"/nowhere", UPLOAD}])
async def test_a_streamed_body_is_cut_off_at_the_limit(app: FastAPI, path: str) -> None:
    upload = Upload(200 * 2**20)
    await app(scope(path, None), upload.receive, upload.send)
    assert upload.status == 413
    assert limit_of(path) < upload.pulled <= limit_of(path) + CHUNK


async def test_an_upload_without_a_session_is_not_read_at_all(app: FastAPI) -> None:
    upload = Upload(200 * 2**20)
    await app(scope(UPLOAD, None), upload.receive, upload.send)
    assert (upload.status, upload.pulled) == (303, 0)


async def test_teams_checks_the_token_before_reading_the_body(
    sqlite_url: str, clock: ManualClock, demo_curriculum: Curriculum
) -> None:
    settings = Settings(
        database_url=sqlite_url,
        scheduler=False,
        teams_app_id="00000000-0000-4000-8000-00000000b0b0",
        teams_app_password="not-a-real-secret",
    )
    app = create_app(build_services(settings, clock=clock, curriculum=demo_curriculum))
    for authorization in (None, b"Basic dXNlcjpwYXNz", b"Bearer not.a.jwt"):
        upload = Upload(900 * 1024)
        request = scope("/api/messages", 900 * 1024)
        if authorization is not None:
            request["headers"].append((b"authorization", authorization))
        await app(request, upload.receive, upload.send)
        assert (upload.status, upload.pulled) == (401, 0)


async def test_no_api_description_is_served(app: FastAPI) -> None:
    for path in ("/openapi.json", "/docs", "/redoc"):
        upload = Upload(0)
        request = scope(path, None) | {"method": "GET"}
        await app(request, upload.receive, upload.send)
        assert upload.status == 404
