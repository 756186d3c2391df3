"""One aiohttp client session per event loop, for the transports the platform SDKs send
through (python-telegram-bot's request, the Teams SDK's httpx transport).

A session belongs to the event loop it was opened in, so a sender used from a new loop
(tests, one-shot commands run one after another) opens a new one. Proxies come from
HTTP_PROXY, HTTPS_PROXY and NO_PROXY, as with httpx, which both SDKs use by default: a
council's outbound proxy keeps working. They are read when the session opens and worked
out once per host (`proxy_for`), not by aiohttp's `trust_env`, which looks them up (and
~/.netrc) on a worker thread for every request: with it a Telegram send cost about twice
the CPU (bench/sender_cost.py).
"""

from __future__ import annotations

import asyncio
from urllib.request import getproxies, proxy_bypass

import aiohttp
from yarl import URL

# Where to send a request: the proxy (None: straight there) and its credentials.
Route = tuple[URL | None, aiohttp.BasicAuth | None]


class LoopSession:
    """An aiohttp session for the running event loop, opened when first asked for."""

    def __init__(self, pool_size: int, auto_decompress: bool = True) -> None:
        self._pool_size = pool_size
        self._auto_decompress = auto_decompress
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._proxies: dict[str, str] = {}
        self._routes: dict[tuple[str, str], Route] = {}

    def now(self) -> aiohttp.ClientSession:
        """The session for the running loop (a new one if the loop changed)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or loop is not self._loop:
            self._loop = loop
            self._proxies = {k: v for k, v in getproxies().items() if k in ("http", "https")}
            self._routes = {}
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                auto_decompress=self._auto_decompress,
            )
        return self._session

    def proxy_for(self, url: URL) -> Route:
        """The proxy the environment names for this URL's scheme, unless NO_PROXY
        excludes its host (worked out once per scheme and host)."""
        key = (url.scheme, url.host or "")
        route = self._routes.get(key)
        if route is None:
            route = self._routes[key] = self._route(url)
        return route

    def _route(self, url: URL) -> Route:
        named = self._proxies.get(url.scheme)
        if named is None or (url.host is not None and proxy_bypass(url.host)):
            return None, None
        proxy = URL(named)
        if proxy.user is None:
            return proxy, None
        return proxy.with_user(None), aiohttp.BasicAuth(proxy.user, proxy.password or "")

    async def close(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None
