"""One aiohttp client session per event loop, for the transports the platform SDKs send
through (python-telegram-bot's request, the Teams SDK's httpx transport).

A session belongs to the event loop it was opened in, so a sender used from a new loop
(tests, one-shot commands run one after another) opens a new one. Proxies come from
HTTP_PROXY, HTTPS_PROXY and NO_PROXY, as with httpx, which both SDKs use by default: a
council's outbound proxy keeps working.
"""

from __future__ import annotations

import asyncio

import aiohttp


class LoopSession:
    """An aiohttp session for the running event loop, opened when first asked for."""

    def __init__(self, pool_size: int, auto_decompress: bool = True) -> None:
        self._pool_size = pool_size
        self._auto_decompress = auto_decompress
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def now(self) -> aiohttp.ClientSession:
        """The session for the running loop (a new one if the loop changed)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or loop is not self._loop:
            self._loop = loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                trust_env=True,  # HTTP_PROXY, HTTPS_PROXY, NO_PROXY
                auto_decompress=self._auto_decompress,
            )
        return self._session

    async def close(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None
