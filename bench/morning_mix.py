"""Who the council's-morning benchmark sends to, and the fastest the platforms allow it.

The mix (docs/benchmarks.md says why): of every 10 learners, 8 are on Teams in one of
`TENANTS` tenants (councils on Microsoft 365), 1 on Slack in one of `WORKSPACES`
workspaces and 1 on Telegram (one bot). Learner ids are dealt round-robin, so every
claimed batch holds the same mix.

The physical limit is the time the busiest limit needs to pass its sends at its rate:
Telegram counts per bot, Teams per tenant, Slack per channel (a learner's DM, so one
message each never waits). No dispatcher can end the morning sooner.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bench.platform_fakes import Limits
from bench.seed import IdentityOf

TENANTS = 10
WORKSPACES = 50
BOT_ID = "28:contract-bites"


def platform_of(learner_id: int) -> str:
    """Telegram for one learner in 10, Slack for one, Teams for the other 8."""
    return {0: "telegram", 1: "slack"}.get(learner_id % 10, "teams")


def identity_for(fake_url: str) -> IdentityOf:
    """`bench.seed`'s identity function for learners reached through the fakes at `fake_url`."""

    def identity(learner_id: int) -> tuple[str, str, str, str]:
        platform = platform_of(learner_id)
        if platform == "telegram":
            chat = str(10_000_000 + learner_id)
            return platform, chat, chat, "{}"
        if platform == "slack":
            team = f"T{learner_id // 10 % WORKSPACES:04d}"
            return platform, f"U{learner_id:08d}", f"D{learner_id:08d}", _extra(team_id=team)
        tenant = f"tenant-{learner_id // 10 % TENANTS}"
        extra = _extra(service_url=f"{fake_url}/teams/{tenant}/", tenant_id=tenant, bot_id=BOT_ID)
        return platform, f"29:user-{learner_id}", f"a:conversation-{learner_id}", extra

    return identity


def _extra(**values: str) -> str:
    return json.dumps(values, sort_keys=True)


@dataclass(frozen=True)
class Send:
    """One due send: its platform, the limit it counts against, its conversation, and
    when it is due (seconds after the morning starts)."""

    platform: str
    limit_key: str
    conversation: str
    due_s: float


def limit_key(platform: str, conversation: str, extra: Mapping[str, str]) -> str:
    """The limit a send counts against at the fakes (and the real platforms)."""
    if platform == "teams":
        return extra["tenant_id"]
    if platform == "slack":
        return conversation
    return "bot"


def rate(platform: str, limits: Limits) -> int:
    """A platform's sends a second per limit."""
    return int(getattr(limits, platform))


def physical_limit(sends: Iterable[Send], limits: Limits) -> tuple[float, str]:
    """Seconds the busiest limit needs for its sends at its rate, and which limit it is."""
    counts = Counter((s.platform, s.limit_key) for s in sends)
    (platform, key), count = max(counts.items(), key=lambda kv: kv[1] / rate(kv[0][0], limits))
    return count / rate(platform, limits), f"{platform}:{key}"


def ideal_lateness(sends: Iterable[Send], limits: Limits) -> list[float]:
    """Each send's lateness if every limit sent at exactly its rate from the due time on:
    the k-th send of a limit at rate r is k/r seconds late."""
    counts = Counter((s.platform, s.limit_key) for s in sends)
    return [k / rate(p, limits) for (p, _key), n in counts.items() for k in range(n)]


def busiest_second(instants: Iterable[tuple[str, str, float]]) -> dict[str, int]:
    """Per platform, the most of (platform, limit, instant) sends in any one second of
    one limit."""
    by_limit: dict[tuple[str, str], list[float]] = {}
    for platform, key, at in instants:
        by_limit.setdefault((platform, key), []).append(at)
    busiest: dict[str, int] = {}
    for (platform, _key), times in by_limit.items():
        times.sort()
        first = 0
        for last, at in enumerate(times):
            while at - times[first] >= 1:
                first += 1
            busiest[platform] = max(busiest.get(platform, 0), last - first + 1)
    return busiest


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..1) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
