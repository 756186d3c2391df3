"""Does Slack accept a bot token? (auth.test, before `bites serve` starts the channel)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient


@dataclass(frozen=True)
class TokenCheck:
    """The answer: accepted, refused (with Slack's reason), or out of reach."""

    refused: str | None = None
    unreachable: str | None = None


async def check_token(token: str, api_url: str) -> TokenCheck:
    """Ask Slack's auth.test about the token."""
    base = api_url if api_url.endswith("/") else api_url + "/"
    client = AsyncWebClient(token=token, base_url=base)
    try:
        await client.auth_test()
    except SlackApiError as error:
        return TokenCheck(refused=str(error.response.get("error", "refused")))
    except Exception as error:  # out of reach: the channel can still start
        return TokenCheck(unreachable=type(error).__name__)
    return TokenCheck()
