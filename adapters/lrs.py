"""A Learning Record Store client: POST xAPI statements in batches (`bites export xapi
--lrs`). HTTP lives here, at the edge; the statements are built in `storage.xapi`."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any


class LrsError(Exception):
    """The Learning Record Store refused the statements or could not be reached."""


Poster = Callable[[urllib.request.Request, float], int]


def post_statements(
    endpoint: str,
    username: str,
    password: str,
    statements: Sequence[dict[str, Any]],
    version: str,
    batch: int = 100,
    timeout: float = 30.0,
    poster: Poster | None = None,
) -> int:
    """POST statements (of xAPI `version`) to an LRS's statements resource in batches,
    with basic auth; return how many were sent. Raise LrsError on any non-2xx answer."""
    url = endpoint.rstrip("/") + "/statements"
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    send = poster or _urlopen
    sent = 0
    for start in range(0, len(statements), batch):
        chunk = statements[start : start + batch]
        request = urllib.request.Request(  # noqa: S310 (the endpoint is the admin's setting)
            url,
            data=json.dumps(list(chunk)).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f"Basic {token}",
                "X-Experience-API-Version": version,
                "Content-Type": "application/json",
            },
        )
        status = send(request, timeout)
        if not 200 <= status < 300:
            raise LrsError(f"the LRS answered {status} after {sent} statements")
        sent += len(chunk)
    return sent


def _urlopen(request: urllib.request.Request, timeout: float) -> int:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError as error:
        raise LrsError(f"the LRS could not be reached: {type(error).__name__}") from error
