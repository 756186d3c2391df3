"""Proactive sends to Teams: the stored conversation reference and the SDK's API client.

The Bot Connector has no built-in retry in the SDK, and a sender must never sleep on a
claim, so each outcome is reported to the deliveries dispatcher, which retries: 429, 412,
502 and 504 (and any other 5xx, timeouts, connection errors) are RETRY with the
Retry-After seconds when given; 403 and 404 mean the app was uninstalled or the
conversation is gone (UNREACHABLE); any other 4xx is FAILED.

Outbound calls go through the SDK's httpx client on an aiohttp transport (Bot Connector,
`adapters/teams/transport.py`), MSAL/requests (tokens) and urllib (token keys), which all
honour HTTP_PROXY, HTTPS_PROXY and NO_PROXY.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx
from microsoft_teams.api import ApiClient, Credentials
from microsoft_teams.api.models import Account
from microsoft_teams.apps import AppTokenProvider
from microsoft_teams.apps.token_manager import TokenManager
from microsoft_teams.common import Client, ClientOptions

from adapters.teams.config import TeamsConfig
from adapters.teams.convert import PLATFORM, to_activity
from adapters.teams.telemetry import bound_sdk_metrics
from adapters.teams.texts import ENGLISH, TeamsTexts
from adapters.teams.tokens import CachedAppTokens
from adapters.teams.transport import AiohttpTransport
from bot.messages import ConversationRef, Outbound, RateLimits, SendResult, SendStatus

log = logging.getLogger(__name__)

# Teams allows about 50 messages a second per app per tenant, and 7 a second to one
# conversation; the dispatcher keeps to both.
TEAMS_LIMITS = RateLimits(per_second=50, conversation_gap_seconds=1 / 7)
RETRY_STATUSES = frozenset({412, 429})
UNREACHABLE_STATUSES = frozenset({403, 404})
TIMEOUT_SECONDS = 15.0
# Failures after the request went out: the Bot Connector may have posted the message.
UNCERTAIN_ERRORS = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.RemoteProtocolError,
)


class TeamsSender:
    """Sends proactive messages to Teams conversations; implements the `Sender` port."""

    def __init__(
        self,
        config: TeamsConfig,
        credentials: Credentials | None = None,
        texts: TeamsTexts = ENGLISH,
    ) -> None:
        bound_sdk_metrics()  # the SDK makes a counter per call; keep them from piling up
        cloud = config.cloud_environment
        credentials = credentials if credentials is not None else config.credentials()
        self._tokens = CachedAppTokens(AppTokenProvider(TokenManager(credentials, cloud), cloud))
        self._cloud = cloud
        self._texts = texts
        transport = AiohttpTransport()
        http = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, transport=transport)
        self._http = Client(ClientOptions(timeout=TIMEOUT_SECONDS), _http=http)
        self._apis: dict[str, ApiClient] = {}

    @property
    def platform(self) -> str:
        """Teams."""
        return PLATFORM

    @property
    def limits(self) -> RateLimits:
        """50 a second per tenant; 1/7 s between two messages to one conversation."""
        return TEAMS_LIMITS

    def limit_key(self, ref: ConversationRef) -> str:
        """Teams counts sends per tenant: the tenant id."""
        return ref.extra.get("tenant_id", "")

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        """Post the messages, in order, to the stored conversation; report how it went."""
        service_url = ref.extra.get("service_url")
        if not service_url:
            return SendResult(SendStatus.FAILED, detail="no service_url in the reference")
        api = self._api(service_url)
        sent_id: str | None = None
        for message in messages:
            activity = to_activity(message, self._texts)
            if "bot_id" in ref.extra:
                activity.from_ = Account(id=ref.extra["bot_id"])
            try:
                sent = await api.conversations.create_activity(ref.conversation_id, activity)
            except httpx.HTTPStatusError as error:
                return _result_for(error.response)
            except UNCERTAIN_ERRORS as error:  # it went out; the Connector may have posted it
                return SendResult(SendStatus.UNCERTAIN, detail=type(error).__name__)
            except httpx.HTTPError as error:  # refused connections, connect timeouts, proxies
                return SendResult(SendStatus.RETRY, detail=type(error).__name__)
            sent_id = sent.id
        return SendResult(SendStatus.SENT, message_id=sent_id)

    def _api(self, service_url: str) -> ApiClient:
        # One client per service URL (one per region), sharing one connection pool.
        key = service_url.rstrip("/")
        if key not in self._apis:
            self._apis[key] = ApiClient(
                key, self._http, cloud=self._cloud, token_provider=self._tokens
            )
        return self._apis[key]


def _result_for(response: httpx.Response) -> SendResult:
    status = response.status_code
    detail = f"HTTP {status}"
    log.info("teams send refused", extra={"status": status})
    if status in RETRY_STATUSES or status >= 500:
        throttled = status == 429  # "later", not a failed attempt
        wait = _retry_after(response)
        return SendResult(SendStatus.RETRY, wait, detail=detail, throttled=throttled)
    if status in UNREACHABLE_STATUSES:
        return SendResult(SendStatus.UNREACHABLE, detail=detail)
    return SendResult(SendStatus.FAILED, detail=detail)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None  # absent, or an HTTP date (the Bot Connector sends seconds)
    return max(seconds, 0.0)
