"""What a council's morning measured: wall time against the physical limit, lateness,
and per platform the 429s, the busiest second, what was lost and what came twice."""

from __future__ import annotations

from dataclasses import dataclass

from bench.morning_mix import (
    Send,
    busiest_second,
    ideal_lateness,
    percentile,
    physical_limit,
)
from bench.platform_fakes import Limits, PlatformStats


@dataclass
class PlatformReport:
    """One platform's share of the morning."""

    sends: int
    accepted: int
    refused_429: int
    busiest_second: int  # sends that arrived in any one second of one limit, at the fake
    busiest_second_sent: int  # … that the senders set off in any one second of one limit
    limit: int
    lost: int
    duplicates: int
    lateness_p50_s: float  # this platform's sends, accepted less due
    lateness_p95_s: float


@dataclass
class MorningReport:
    """The morning, measured."""

    learners: int
    sends: int
    seed_s: float
    plan_s: float
    physical_limit_s: float
    binding_limit: str
    wall_s: float
    ratio: float  # physical limit / wall time (goal: at least 0.9)
    lateness_p50_s: float
    lateness_p95_s: float
    lateness_max_s: float
    ideal_lateness_p95_s: float  # if every limit sent at exactly its rate
    lost: int
    duplicates: int
    refused_429: int
    dispatch_cpu_s: float  # CPU time of the dispatcher processes, all together
    platforms: dict[str, PlatformReport]

    @property
    def limits_kept(self) -> bool:
        """The dispatchers together never set off more sends in one second of a limit
        than it allows."""
        return all(p.busiest_second_sent <= p.limit for p in self.platforms.values())


def report(
    learners: int,
    limits: Limits,
    sends: list[Send],
    seen: tuple[dict[str, PlatformStats], list[tuple[str, str, float]]],
    start_wall: float,
    timings: dict[str, float],
) -> MorningReport:
    """Put what the fakes counted, and what the senders set off (`seen`), against the
    morning's sends."""
    stats, sent = seen
    busiest_sent = busiest_second(sent)
    physical_s, binding = physical_limit(sends, limits)
    late_by_platform: dict[str, list[float]] = {name: [] for name in stats}
    for s in sends:
        if s.conversation in stats[s.platform].first_at:
            late = stats[s.platform].first_at[s.conversation] - (start_wall + s.due_s)
            late_by_platform[s.platform].append(late)
    lateness = [late for lates in late_by_platform.values() for late in lates]
    last = max((s.last_at for s in stats.values() if s.accepted), default=start_wall)
    wall_s = last - start_wall
    platforms = {
        name: _platform(name, sends, platform, busiest_sent.get(name, 0), late_by_platform[name])
        for name, platform in stats.items()
    }
    return MorningReport(
        learners=learners,
        sends=len(sends),
        seed_s=round(timings["seed_s"], 1),
        plan_s=round(timings["plan_s"], 1),
        physical_limit_s=round(physical_s, 1),
        binding_limit=binding,
        wall_s=round(wall_s, 1),
        ratio=round(physical_s / wall_s, 3) if wall_s > 0 else 0.0,
        lateness_p50_s=round(percentile(lateness, 0.5), 1),
        lateness_p95_s=round(percentile(lateness, 0.95), 1),
        lateness_max_s=round(max(lateness, default=0.0), 1),
        ideal_lateness_p95_s=round(percentile(ideal_lateness(sends, limits), 0.95), 1),
        lost=sum(p.lost for p in platforms.values()),
        duplicates=sum(p.duplicates for p in platforms.values()),
        refused_429=sum(p.refused_429 for p in platforms.values()),
        dispatch_cpu_s=round(timings["dispatch_cpu_s"], 1),
        platforms=platforms,
    )


def _platform(
    name: str, sends: list[Send], stats: PlatformStats, busiest_sent: int, lateness: list[float]
) -> PlatformReport:
    wanted = {s.conversation for s in sends if s.platform == name}
    accepted = sum(stats.accepted.values())
    return PlatformReport(
        sends=len(wanted),
        accepted=accepted,
        refused_429=stats.refused_429,
        busiest_second=stats.busiest_second,
        busiest_second_sent=busiest_sent,
        limit=stats.limit,
        lost=len(wanted - set(stats.accepted)),
        duplicates=accepted - len(stats.accepted),
        lateness_p50_s=round(percentile(lateness, 0.5), 1),
        lateness_p95_s=round(percentile(lateness, 0.95), 1),
    )
