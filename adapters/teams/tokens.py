"""The bot's app-only token for the Bot Connector, reused until shortly before it expires.

The SDK asks its token provider on every call it makes. Behind the provider, client
credentials go to MSAL on a worker thread (which finds the token in its cache) and the
result is parsed as a JWT again, for every message (bench/sender_cost.py measures a
send). The token is kept here instead and asked for again five minutes before it expires
(the SDK's own margin, `TokenProtocol.is_expired`), as MSAL would refresh it. A token
without an expiry is kept, as the SDK treats it as never expiring.
"""

from __future__ import annotations

from microsoft_teams.api import TokenProtocol
from microsoft_teams.apps import AppTokenProvider


class CachedAppTokens:
    """A token provider for the SDK's API client: app-only tokens, one per scope and tenant."""

    def __init__(self, provider: AppTokenProvider) -> None:
        self._provider = provider
        self._tokens: dict[tuple[str, str | None], TokenProtocol] = {}

    async def get_app_token(self, scope: str, tenant_id: str | None) -> TokenProtocol | None:
        """The cached token for this scope and tenant, or a fresh one when it is near expiry."""
        key = (scope, tenant_id)
        token = self._tokens.get(key)
        if token is None or token.is_expired():
            token = await self._provider.get_app_token(scope, tenant_id)
            if token is None:
                self._tokens.pop(key, None)
            else:
                self._tokens[key] = token
        return token
