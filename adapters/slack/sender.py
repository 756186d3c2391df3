"""Proactive sends to Slack (the scheduler's deliveries): chat.postMessage into the DM.

Limits: Slack documents one message per second per channel (short bursts tolerated) and a
workspace-wide limit it does not publish. We keep to both published numbers with margin:
one message per second per workspace, and one second between two messages to one DM. A
council of 300 officers whose bites fall due at the same minute is served in five minutes,
which suits a daily bite; a 429 still reschedules the delivery with Slack's Retry-After.

The sender never sleeps or retries itself: SDK retry handlers are switched off.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.convert import PLATFORM, message_payload
from adapters.slack.texts import ENGLISH, SlackTexts
from bot.messages import ConversationRef, Outbound, RateLimits, SendResult, SendStatus

log = logging.getLogger(__name__)
SLACK_LIMITS = RateLimits(per_second=1.0, conversation_gap_seconds=1.0)
SEND_TIMEOUT_SECONDS = 15
# Slack's answers meaning "this person can no longer be reached here" (left, deactivated,
# the app uninstalled or its token revoked): mark the learner unreachable, do not retry.
UNREACHABLE_ERRORS = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "user_not_found",
        "user_disabled",
        "is_archived",
        "cannot_dm_bot",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "team_access_not_granted",
        "team_not_found",
        "no_installation",
    }
)

TokenLookup = Callable[[str], Awaitable[str | None]]
ClientFactory = Callable[[str], AsyncWebClient]


class SlackSender:
    """The Slack `Sender`: one workspace's bot token per send, looked up when sending."""

    def __init__(
        self, tokens: TokenLookup, make_client: ClientFactory, texts: SlackTexts = ENGLISH
    ) -> None:
        self._tokens = tokens
        self._make_client = make_client
        self._texts = texts

    @property
    def platform(self) -> str:
        """Slack."""
        return PLATFORM

    @property
    def limits(self) -> RateLimits:
        """One message a second per workspace and per DM (see the module docstring)."""
        return SLACK_LIMITS

    def limit_key(self, ref: ConversationRef) -> str:
        """The workspace: Slack counts limits per app per workspace."""
        return f"{PLATFORM}:{ref.extra.get('team_id', '')}"

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        """Post the messages in order into the learner's DM; stop at the first failure.

        If a later message fails after earlier ones were posted, the result is that
        failure (`detail` says how many went): a retry re-posts the earlier ones."""
        token = await self._tokens(ref.extra.get("team_id", ""))
        if token is None:
            return SendResult(SendStatus.UNREACHABLE, detail="no installation for the workspace")
        client = self._make_client(token)
        last_ts: str | None = None
        for sent, message in enumerate(messages):
            try:
                response = await client.chat_postMessage(
                    channel=ref.conversation_id,
                    **message_payload(message, self._texts.choose_button),
                )
            except SlackApiError as error:
                return _classify(error, sent, last_ts)
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
                # Slack was never reached: safe to try again.
                detail = f"{type(error).__name__} after {sent} sent"
                return SendResult(SendStatus.RETRY, message_id=last_ts, detail=detail)
            except (TimeoutError, aiohttp.ClientError) as error:
                # The request went out and no answer came: Slack may have posted it.
                detail = f"{type(error).__name__} after {sent} sent"
                return SendResult(SendStatus.UNCERTAIN, message_id=last_ts, detail=detail)
            last_ts = str(response.get("ts") or "") or None
        return SendResult(SendStatus.SENT, message_id=last_ts)


def _classify(error: SlackApiError, sent: int, last_ts: str | None) -> SendResult:
    status = error.response.status_code
    code = str(error.response.get("error") or f"http_{status}")
    detail = f"{code} after {sent} sent"
    if status == 429:
        raw = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
        retry_after = _seconds(raw)
        return SendResult(SendStatus.RETRY, retry_after, last_ts, detail, throttled=True)
    if status >= 500 or code in {"internal_error", "fatal_error", "service_unavailable"}:
        return SendResult(SendStatus.RETRY, message_id=last_ts, detail=detail)
    if code in UNREACHABLE_ERRORS:
        return SendResult(SendStatus.UNREACHABLE, message_id=last_ts, detail=detail)
    log.warning("slack refused a message", extra={"error": code, "status": status})
    return SendResult(SendStatus.FAILED, message_id=last_ts, detail=detail)


def _seconds(raw: object) -> float | None:
    if isinstance(raw, list | tuple):
        raw = raw[0] if raw else None
    try:
        return max(0.0, float(str(raw))) if raw is not None else None
    except ValueError:
        return None
