"""The aiohttp transport under python-telegram-bot: like PTB's own, it keeps working from a
new event loop and sends through the proxy the environment names (a council's outbound
proxy). Each case talks HTTP to a small raw server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json

import pytest
from telegram.request import RequestData

from adapters.telegram.transport import AiohttpRequest

OK = json.dumps({"ok": True, "result": True}).encode()


class OneAnswerServer:
    """Answers every request with 200 and `OK`; keeps each request's first line."""

    def __init__(self) -> None:
        self.request_lines: list[str] = []
        self.heads: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        self.request_lines.append(head.split(b"\r\n")[0].decode())
        self.heads.append(head.decode("latin-1"))
        reply = f"HTTP/1.1 200 OK\r\nContent-Length: {len(OK)}\r\nConnection: close\r\n\r\n"
        writer.write(reply.encode() + OK)
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> OneAnswerServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()


def test_a_new_event_loop_gets_a_session_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    request = AiohttpRequest()

    async def call_once() -> int:
        async with OneAnswerServer() as server:
            url = f"http://127.0.0.1:{server.port}/bot123:abc/getMe"
            status, _body = await request.do_request(url, "POST", RequestData())
            return status

    assert asyncio.run(call_once()) == 200
    assert asyncio.run(call_once()) == 200  # the first loop's session is gone with it


async def test_requests_go_through_the_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with OneAnswerServer() as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://bites:s3cret@127.0.0.1:{proxy.port}")
        for name in ("NO_PROXY", "no_proxy", "http_proxy"):
            monkeypatch.delenv(name, raising=False)
        request = AiohttpRequest()
        url = "http://api.telegram.invalid/bot123:abc/sendMessage"
        status, body = await request.do_request(url, "POST", RequestData())
        await request.shutdown()
    assert (status, body) == (200, OK)
    # A proxy is asked for the whole URL; the host itself was never looked up.
    assert proxy.request_lines == [f"POST {url} HTTP/1.1"]
    assert "Proxy-Authorization: Basic Yml0ZXM6czNjcmV0" in proxy.heads[0]  # bites:s3cret


async def test_no_proxy_hosts_are_reached_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    async with OneAnswerServer() as bot_api:
        request = AiohttpRequest()
        url = f"http://127.0.0.1:{bot_api.port}/bot123:abc/getMe"
        status, _body = await request.do_request(url, "POST", RequestData())
        await request.shutdown()
    assert status == 200 and bot_api.request_lines == ["POST /bot123:abc/getMe HTTP/1.1"]
