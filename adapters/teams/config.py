"""How this deployment's Teams bot is registered, and the SDK objects that follow from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from microsoft_teams.api import ClientCredentials, Credentials
from microsoft_teams.api.auth.cloud_environment import (
    CHINA,
    PUBLIC,
    US_GOV,
    US_GOV_DOD,
    CloudEnvironment,
)

# GCC (moderate) runs in the commercial cloud, so its bots use the public Bot Framework;
# GCC High and DoD have their own endpoints; China is operated by 21Vianet.
CLOUDS: dict[str, CloudEnvironment] = {
    "public": PUBLIC,
    "gcc": PUBLIC,
    "gcch": US_GOV,
    "dod": US_GOV_DOD,
    "china": CHINA,
}


@dataclass(frozen=True)
class TeamsConfig:
    """The bot's registration. `app_password` is a secret: kept out of repr and logs."""

    app_id: str | None = None
    app_password: str | None = field(default=None, repr=False)
    tenant_id: str | None = None
    cloud: str = "public"
    dev_bypass: bool = False

    @property
    def cloud_environment(self) -> CloudEnvironment:
        """The SDK's endpoints (login, token issuer, OpenID metadata) for the cloud."""
        return CLOUDS[self.cloud]

    def credentials(self) -> Credentials | None:
        """Client credentials for outbound calls, or None when no secret is configured
        (development against a local emulator, where replies carry no token)."""
        if self.app_id and self.app_password:
            return ClientCredentials(
                client_id=self.app_id, client_secret=self.app_password, tenant_id=self.tenant_id
            )
        return None
