"""An aiohttp transport under the Teams SDK's httpx client (an `httpx.AsyncBaseTransport`).

The SDK posts through httpx. With tens of sends in flight httpcore scanned its whole
connection pool on every request, most of a proactive send's CPU: with this and
the cached token (adapters/teams/tokens.py), a send went from 1.3-1.5 ms to 0.9 ms
(bench/sender_cost.py, docs/benchmarks.md). The requests httpx builds are handed to one
aiohttp session instead, as the Telegram sender does
(adapters/telegram/transport.py); httpx still builds the request and reads the response,
so the SDK sees no difference.

Failures keep httpx's meaning, since the sender sorts them (adapters/teams/sender.py): a
request that cannot have reached the Connector (refused, no route, connect timeout, proxy
refused) is a `ConnectError`/`ConnectTimeout`; one that failed after it was sent (read
timeout, the server closing the connection, a broken response) is a `ReadTimeout`,
`RemoteProtocolError` or `ReadError`. Proxies come from HTTP_PROXY, HTTPS_PROXY and
NO_PROXY, as with httpx; a new event loop gets a session of its own
(adapters/aiohttp_sessions.py).
"""

from __future__ import annotations

import aiohttp
import httpx
from yarl import URL

from adapters.aiohttp_sessions import LoopSession

DEFAULT_POOL_SIZE = 256


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent over one aiohttp session (opened lazily, inside the event loop)."""

    def __init__(self, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        # httpx decodes the body by its Content-Encoding; hand it over as it came.
        self._sessions = LoopSession(pool_size, auto_decompress=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request httpx built; return the response undecoded, for httpx to read."""
        limits = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=limits.get("connect"), sock_read=limits.get("read")
        )
        body = await request.aread()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        # As httpx encoded it: yarl would otherwise unquote e.g. %3A in an id.
        url = URL(str(request.url), encoded=True)
        session = self._sessions.now()
        proxy, proxy_auth = self._sessions.proxy_for(url)
        try:
            async with session.request(
                request.method,
                url,
                headers=headers,
                data=body or None,
                timeout=timeout,
                allow_redirects=False,  # httpx follows redirects itself, if asked to
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                content = await response.read()
                return httpx.Response(
                    response.status,
                    headers=list(response.raw_headers),
                    stream=httpx.ByteStream(content),
                    request=request,
                )
        except aiohttp.ConnectionTimeoutError as error:
            raise httpx.ConnectTimeout(str(error), request=request) from error
        except TimeoutError as error:  # sent, no answer in time (read timeouts)
            raise httpx.ReadTimeout(str(error) or "read timeout", request=request) from error
        except aiohttp.ClientConnectorError as error:  # never reached the server or proxy
            raise httpx.ConnectError(str(error), request=request) from error
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as error:
            raise httpx.RemoteProtocolError(str(error), request=request) from error
        except aiohttp.ClientResponseError as error:  # a malformed answer
            raise httpx.RemoteProtocolError(str(error), request=request) from error
        except aiohttp.ClientError as error:  # e.g. reset while sending or reading
            raise httpx.ReadError(f"aiohttp: {type(error).__name__}", request=request) from error

    async def aclose(self) -> None:
        """Close the session and its connections."""
        await self._sessions.close()
