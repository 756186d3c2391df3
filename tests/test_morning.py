"""A council's morning, small: learners on Telegram, Teams and Slack seeded and planned on
PostgreSQL, their nudges sent by three dispatcher processes with the service's own senders
to local fakes that enforce each platform's limit (the full run is `bench.morning`, see
docs/benchmarks.md)."""

from __future__ import annotations

import pytest

from bench.morning import Morning, run
from tests.conftest import _postgres_or_skip

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_base_url() -> str:
    """The test server's URL; the run makes (and drops) its own scratch schema."""
    return _postgres_or_skip()


def test_a_morning_loses_nothing_sends_nothing_twice_and_keeps_every_limit(
    postgres_base_url: str,
) -> None:
    # 60 Telegram nudges take two seconds at 30/s, so the shared limit is at work.
    report = run(Morning(learners=600, processes=3, cards_each=1), postgres_base_url)
    print(report)  # the figures, for whoever reads the test log
    accepted = {name: platform.accepted for name, platform in report.platforms.items()}
    assert accepted == {"telegram": 60, "teams": 480, "slack": 60}
    assert (report.sends, report.lost, report.duplicates) == (600, 0, 0)
    # Together the three processes never set off more than a limit allows in any second
    # of it: 30 a second for the bot, 50 a tenant, 1 a Slack channel.
    sent = {name: platform.busiest_second_sent for name, platform in report.platforms.items()}
    assert report.limits_kept, sent
