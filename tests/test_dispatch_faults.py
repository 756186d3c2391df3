"""The dispatch fault suite, short: four dispatcher processes on PostgreSQL against a fake
platform with 429 storms, 503s and slow accepted sends, one process killed with SIGKILL
mid-batch (the longer run is `bench.dispatch_faults`, see docs/benchmarks.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.dispatch_faults import FaultRun, run
from bench.fake_platform import Faults
from tests.conftest import _postgres_or_skip

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_base_url() -> str:
    """The test server's URL; the suite makes (and drops) its own scratch schema."""
    return _postgres_or_skip()


def test_faults_lose_nothing_and_duplicate_only_slow_accepted_sends(
    postgres_base_url: str,
) -> None:
    config = FaultRun(
        deliveries=400,
        processes=4,
        limit=300,
        kill_at=0.3,
        lease=dt.timedelta(seconds=2),  # short, so the dead process's claims return soon
        timeout=0.3,
        faults=Faults(
            server_errors=0.03,
            slow=0.03,
            slow_seconds=0.6,
            storm_every=2.0,
            storm_seconds=0.4,
            seed=7,
        ),
        deadline=120.0,
    )
    report = run(config, postgres_base_url)
    print(report)  # the figures, for whoever reads the test log
    assert (report.lost, report.stuck, report.failed_by_429) == (0, 0, 0)
    assert report.refused_429 > 0 and report.slow_accepted > 0  # the faults happened
    assert report.dead_claims > 0  # the killed process held claims
    assert report.duplicates_on_slow <= report.slow_accepted
    assert report.most_copies <= 2  # at most one duplicate of any send
    # Slow sends time out as uncertain (unless the killed process was the one waiting).
    assert report.uncertain > 0
    assert report.dead_claims_back_s <= 60
