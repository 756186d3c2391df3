"""The aiohttp transport under the Teams SDK's httpx client: what httpx sees, and how a
failure is named (the sender sorts failures by it: sent or not, adapters/teams/sender.py).
Each case talks HTTP to a small raw server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from adapters.teams.transport import AiohttpTransport

Reply = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


class RawServer:
    """Answers each connection with `reply`; keeps what it read."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.seen: list[bytes] = []
        self.url = ""
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.seen.append(await _read_request(reader))
        await self.reply(reader, writer)

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/v3/conversations/a%3A1/activities"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=0.5) as http:
        yield http


def _response(status: str, body: bytes, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def test_the_request_goes_as_httpx_built_it_and_the_answer_comes_back_decoded(
    client: httpx.AsyncClient,
) -> None:
    body = gzip.compress(json.dumps({"id": "sent-1"}).encode())

    async def created(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        headers = ("Content-Type: application/json", "Content-Encoding: gzip", "Retry-After: 3")
        writer.write(_response("201 Created", body, *headers))
        await writer.drain()
        writer.close()

    async with RawServer(created) as server:
        response = await client.post(
            server.url, json={"type": "message"}, headers={"Authorization": "Bearer t"}
        )
    assert (response.status_code, response.json()) == (201, {"id": "sent-1"})
    assert response.headers["Retry-After"] == "3"
    [request] = server.seen
    head, sent = request.split(b"\r\n\r\n")
    assert head.startswith(b"POST /v3/conversations/a%3A1/activities HTTP/1.1\r\n")
    assert b"\r\nAuthorization: Bearer t" in head
    assert b"\r\nContent-Type: application/json" in head
    assert json.loads(sent) == {"type": "message"}


async def test_no_answer_in_time_is_a_read_timeout(client: httpx.AsyncClient) -> None:
    async def silent(_r: asyncio.StreamReader, _w: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async with RawServer(silent) as server:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(server.url, json={})
        assert len(server.seen) == 1  # it was sent: the Connector may have posted it


async def test_a_connection_closed_before_the_answer_is_a_protocol_error(
    client: httpx.AsyncClient,
) -> None:
    async def hang_up(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with RawServer(hang_up) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(server.url, json={})
        assert len(server.seen) == 1


async def test_a_refused_connection_is_a_connect_error(client: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.ConnectError):
        await client.post("http://127.0.0.1:9/v3/conversations/x/activities", json={})


async def test_redirects_are_left_to_httpx(client: httpx.AsyncClient) -> None:
    async def moved(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(_response("307 Temporary Redirect", b"", "Location: /elsewhere"))
        await writer.drain()
        writer.close()

    async with RawServer(moved) as server:
        response = await client.post(server.url, json={})
    assert (response.status_code, response.headers["Location"]) == (307, "/elsewhere")
    assert len(server.seen) == 1


def test_a_new_event_loop_gets_a_session_of_its_own() -> None:
    # One transport used from two loops in turn: the session opened in the first cannot
    # serve the second.
    transport = AiohttpTransport()

    async def created(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(_response("201 Created", b'{"id": "sent-1"}'))
        await writer.drain()
        writer.close()

    async def post_once() -> int:
        async with RawServer(created) as server:
            http = httpx.AsyncClient(transport=transport, timeout=1.0)
            return (await http.post(server.url, json={})).status_code

    assert asyncio.run(post_once()) == 201
    assert asyncio.run(post_once()) == 201


async def test_requests_go_through_the_proxy_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def created(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(_response("201 Created", b'{"id": "sent-1"}'))
        await writer.drain()
        writer.close()

    async with RawServer(created) as proxy:
        port = proxy.url.split(":")[2].split("/")[0]
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        for name in ("NO_PROXY", "no_proxy", "http_proxy", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        url = "http://smba.trafficmanager.invalid/amer/v3/conversations/a%3A1/activities"
        async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=1.0) as http:
            response = await http.post(url, json={"text": "hi"})
    assert response.status_code == 201
    # Asked of the proxy, with the whole URL as httpx encoded it.
    assert proxy.seen[0].split(b"\r\n")[0] == f"POST {url} HTTP/1.1".encode()
