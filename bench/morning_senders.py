"""The senders a council's-morning dispatcher process uses, pointed at `bench.platform_fakes`.

`real_senders` are the service's own: `TelegramSender` (python-telegram-bot on the aiohttp
transport), `TeamsSender` (the Teams SDK's API client, with a fixed bot token) and
`SlackSender` (slack_sdk, one bot token for every workspace), so their CPU cost is part of
the morning. `light_senders` keep each real sender's limits and limit keys but post with
one shared aiohttp session, so a run measures the dispatcher and the shared limits alone.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import aiohttp
import jwt
from microsoft_teams.api import TokenCredentials

from adapters.slack.adapter import web_client
from adapters.slack.config import SlackConfig
from adapters.slack.sender import SlackSender
from adapters.teams.config import TeamsConfig
from adapters.teams.sender import TeamsSender
from adapters.telegram.sender import TelegramSender, build_bot
from bench.morning_mix import limit_key
from bench.platform_fakes import TELEGRAM_TOKEN
from bot.messages import ConversationRef, Outbound, RateLimits, SendResult, SendStatus
from bot.ports import Sender

SLACK_TOKEN = "xoxb-morning-bench"  # noqa: S105 - the fake checks no token
# The Teams SDK reads its bot token as a JWT; an unsigned one satisfies the fake.
TEAMS_TOKEN = jwt.encode({"aud": "https://api.botframework.com", "exp": 4102444800}, "k" * 32)


def real_senders(fake_url: str) -> dict[str, Sender]:
    """The service's senders for the three platforms, on the fakes."""
    credentials = TokenCredentials(client_id="app", token=lambda *_args: TEAMS_TOKEN)
    api_url = f"{fake_url}/slack/api/"
    config = SlackConfig(signing_secret="-", bot_token=SLACK_TOKEN, api_url=api_url)  # noqa: S106

    async def tokens(team_id: str) -> str | None:
        return SLACK_TOKEN

    return {
        "telegram": TelegramSender(build_bot(TELEGRAM_TOKEN, fake_url)),
        "teams": TeamsSender(TeamsConfig(app_id="app"), credentials=credentials),
        "slack": SlackSender(tokens, lambda token: web_client(config, token, patient=False)),
    }


class LightSender:
    """One POST per message to the fake, with a real sender's limits and limit keys."""

    def __init__(self, real: Sender, fake_url: str, session: aiohttp.ClientSession) -> None:
        self._real = real
        self._fake_url = fake_url
        self._session = session

    @property
    def platform(self) -> str:
        """The real sender's platform."""
        return self._real.platform

    @property
    def limits(self) -> RateLimits:
        """The real sender's limits."""
        return self._real.limits

    def limit_key(self, ref: ConversationRef) -> str:
        """The real sender's limit key."""
        return self._real.limit_key(ref)

    def _request(self, ref: ConversationRef, text: str) -> tuple[str, dict[str, object]]:
        if self.platform == "telegram":
            url = f"{self._fake_url}/bot{TELEGRAM_TOKEN}/sendMessage"
            return url, {"chat_id": ref.conversation_id, "text": text}
        if self.platform == "teams":
            base = ref.extra["service_url"].rstrip("/")
            url = f"{base}/v3/conversations/{ref.conversation_id}/activities"
            return url, {"type": "message", "text": text}
        return f"{self._fake_url}/slack/api/chat.postMessage", {"channel": ref.conversation_id}

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        """Post each message; a 429 is RETRY (throttled) with its wait."""
        for message in messages:
            url, body = self._request(ref, message.text)
            async with self._session.post(url, json=body) as reply:
                await reply.read()
                if reply.status == 429:
                    wait = float(reply.headers.get("Retry-After", 1))
                    return SendResult(SendStatus.RETRY, wait, detail="429", throttled=True)
                if reply.status >= 300:
                    return SendResult(SendStatus.RETRY, detail=str(reply.status))
        return SendResult(SendStatus.SENT)


class TimedSender:
    """A sender that notes, for each message, the wall-clock instant it set off and the
    limit it counts against: what the dispatcher let go, whatever the fakes' own timing."""

    def __init__(self, inner: Sender, log: list[tuple[str, str, float]]) -> None:
        self._inner = inner
        self._log = log

    @property
    def platform(self) -> str:
        """The inner sender's platform."""
        return self._inner.platform

    @property
    def limits(self) -> RateLimits:
        """The inner sender's limits."""
        return self._inner.limits

    def limit_key(self, ref: ConversationRef) -> str:
        """The inner sender's limit key."""
        return self._inner.limit_key(ref)

    async def send(self, ref: ConversationRef, messages: Sequence[Outbound]) -> SendResult:
        """Note the instant, then send."""
        key = bucket_of(self.platform, ref)
        self._log.extend((self.platform, key, time.time()) for _ in messages)
        return await self._inner.send(ref, messages)


def bucket_of(platform: str, ref: ConversationRef) -> str:
    """The limit a send counts against at the fakes (as `bench.morning_mix.limit_key`)."""
    return limit_key(platform, ref.conversation_id, ref.extra)


def light_senders(fake_url: str, session: aiohttp.ClientSession) -> dict[str, Sender]:
    """Light senders with the real ones' limits, sharing `session`."""
    return {
        name: LightSender(real, fake_url, session) for name, real in real_senders(fake_url).items()
    }
