"""An aiohttp transport for python-telegram-bot (a `BaseRequest`).

Measured on the fake Bot API (bench/telegram_throughput.py, docs/benchmarks.md): PTB's
default httpx transport spent about 1 ms of CPU per call with one request open and over
2 ms with 40 open (httpcore scans its whole pool for every request); aiohttp spent about
0.13 ms either way. The bot makes three calls per quiz answer, so this is most of the
channel's CPU. The bot never uploads files, so multipart requests are not supported.
Proxies come from the environment and a new event loop gets a session of its own, as with
PTB's own transport (adapters/aiohttp_sessions.py).
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from adapters.aiohttp_sessions import LoopSession

DEFAULT_POOL_SIZE = 256


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session per event loop (opened when needed)."""

    def __init__(
        self,
        pool_size: int = DEFAULT_POOL_SIZE,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
    ) -> None:
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._sessions = LoopSession(pool_size)

    @property
    def read_timeout(self) -> float | None:
        """The read timeout used when a call does not give one."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session."""
        self._sessions.now()

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        await self._sessions.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; PTB turns the status and body into results or errors."""
        if request_data is not None and request_data.contains_files:
            raise NetworkError("file uploads are not supported by this transport")
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=_chosen(connect_timeout, self._connect_timeout),
            sock_read=_chosen(read_timeout, self._read_timeout),
        )
        form = request_data.json_parameters if request_data is not None else None
        session = self._sessions.now()
        proxy, proxy_auth = self._sessions.proxy_for(URL(url))
        try:
            async with session.request(
                method, url, data=form, timeout=timeout, proxy=proxy, proxy_auth=proxy_auth
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp: {type(error).__name__}") from error


def _chosen(given: ODVInput[float], default: float | None) -> float | None:
    if isinstance(given, DefaultValue):
        return default
    return given
