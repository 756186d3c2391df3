"""A local fake of the Microsoft Bot Connector (the Teams side of a bot's outbound calls).

It listens on 127.0.0.1 on an ephemeral port, records every request (method, path, the
Authorization header and the JSON body) and answers like the connector:
`POST /v3/conversations/{id}/activities` → 201 {"id": …}, `PUT …/activities/{id}` → 200,
`POST /v3/conversations` → 201 {"id": …}. Tests can queue failures (429 with Retry-After,
403, 404, 412, 502, 504, …) that the next requests get instead. It also accepts requests in
proxy form (an absolute URL in the request line), so a test can point HTTP_PROXY at it.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Recorded:
    """One request the fake connector received."""

    method: str
    path: str
    authorization: str | None
    body: Any
    host: str = ""


@dataclass(frozen=True)
class Failure:
    """A queued answer: an HTTP status, with a Retry-After header if given."""

    status: int
    retry_after: str | None = None


@dataclass
class FakeConnector:
    """The fake Bot Connector. Use `async with FakeConnector() as connector`."""

    requests: list[Recorded] = field(default_factory=list)
    failures: deque[Failure] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        """The service URL to put in activities (with the trailing slash Teams uses)."""
        return f"http://127.0.0.1:{self._port}/"

    def fail_next(self, status: int, retry_after: str | None = None, times: int = 1) -> None:
        """Answer the next `times` requests with this status instead of success."""
        self.failures.extend([Failure(status, retry_after)] * times)

    def posted(self) -> list[Any]:
        """The bodies of the activities posted, in order."""
        return [r.body for r in self.requests if r.method == "POST"]

    async def __aenter__(self) -> FakeConnector:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _answer(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        self.requests.append(
            Recorded(
                request.method,
                request.path,
                request.headers.get("Authorization"),
                body,
                request.headers.get("Host", ""),
            )
        )
        if self.failures:
            failure = self.failures.popleft()
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            error = {"error": {"code": f"HTTP{failure.status}", "message": "fake failure"}}
            return web.json_response(error, status=failure.status, headers=headers)
        if request.method == "PUT":
            return web.json_response({"id": request.match_info["tail"].rsplit("/", 1)[-1]})
        return web.json_response({"id": f"sent-{next(self._ids)}"}, status=201)
