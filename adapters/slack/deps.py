"""What the Slack channel needs from the rest of the service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.home import HomeSummary
from bot.messages import Inbound, Outbound
from bot.ports import Clock

Handler = Callable[[Inbound], list[Outbound]]


@dataclass(frozen=True)
class SlackDeps:
    """What the channel needs from the rest of the service (all synchronous; the channel
    calls them from worker threads): the bot's handle seam, the council a workspace is
    registered to, and an officer's App Home numbers."""

    handle: Handler
    clock: Clock
    council_for_team: Callable[[str], str | None]
    read_home: Callable[[str], HomeSummary]
