"""Prometheus metrics of deliveries: this process's sends, plus the shared queue's state.

Send latency, due-to-sent lag and retries are measured in the process that sent; the
counts by status and the queue depth are read from the database at scrape time, so every
replica reports the same, true totals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

LAG_BUCKETS = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600)
SEND_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

Counts = Callable[[], list[tuple[str, str, int]]]
Depth = Callable[[], int]


class DispatchMetrics:
    """The metrics one process records while dispatching."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._lag = Histogram(
            "cb_delivery_lag_seconds",
            "Time from a delivery's due time to its sending",
            ["platform"],
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self._latency = Histogram(
            "cb_send_latency_seconds",
            "Time a platform took to accept a send",
            ["platform"],
            buckets=SEND_BUCKETS,
            registry=registry,
        )
        self._retries = Counter(
            "cb_delivery_retries",
            "Sends put back for a later attempt",
            ["platform"],
            registry=registry,
        )
        # Sends that timed out after going out: each may have been delivered, and is sent
        # once more (so each can cause one duplicate).
        self._uncertain = Counter(
            "bites_deliveries_uncertain",
            "Sends that timed out after going out (the platform may have accepted them)",
            ["platform"],
            registry=registry,
        )
        self._outcomes = Counter(
            "cb_delivery_outcomes",
            "Deliveries this process finished, by outcome",
            ["platform", "status"],
            registry=registry,
        )

    def sent(self, platform: str, lag_seconds: float, latency_seconds: float) -> None:
        """Record a successful send."""
        self._lag.labels(platform).observe(max(lag_seconds, 0.0))
        self._latency.labels(platform).observe(latency_seconds)
        self._outcomes.labels(platform, "sent").inc()

    def retried(self, platform: str) -> None:
        """Record a send put back for later."""
        self._retries.labels(platform).inc()

    def uncertain(self, platform: str) -> None:
        """Record a send whose fate is unknown (a timeout after it went out)."""
        self._uncertain.labels(platform).inc()

    def outcome(self, platform: str, status: str) -> None:
        """Record a delivery ended without sending."""
        self._outcomes.labels(platform, status).inc()


class QueueCollector(Collector):
    """Reads delivery counts and queue depth from the database at scrape time."""

    def __init__(self, counts: Counts, depth: Depth) -> None:
        self._counts = counts
        self._depth = depth

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the gauges."""
        by_status = GaugeMetricFamily(
            "cb_deliveries", "Deliveries by status and platform", labels=["status", "platform"]
        )
        for status, platform, count in self._counts():
            by_status.add_metric([status, platform], count)
        yield by_status
        yield GaugeMetricFamily(
            "cb_delivery_queue_depth", "Deliveries due and not yet sent", value=self._depth()
        )


def build_registry(
    counts: Counts, depth_at: Callable[[], int]
) -> tuple[CollectorRegistry, DispatchMetrics]:
    """A registry with this process's dispatch metrics and the queue collector."""
    registry = CollectorRegistry()
    registry.register(QueueCollector(counts, depth_at))
    return registry, DispatchMetrics(registry)


def render(registry: CollectorRegistry) -> bytes:
    """The registry in Prometheus text format."""
    return generate_latest(registry)
