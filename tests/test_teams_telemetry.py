"""The Teams SDK's metrics: the no-op provider goes in only when nothing was configured.
Each case runs in a fresh interpreter, since OpenTelemetry's provider is set once a process."""

from __future__ import annotations

import os
import subprocess
import sys

CHECK = """
from opentelemetry import metrics
{setup}
from adapters.teams.telemetry import bound_sdk_metrics
print(bound_sdk_metrics(), bound_sdk_metrics(), end=" ")
{report}
"""
CONFIGURED = """
class Chosen(metrics.NoOpMeterProvider):
    pass
metrics.set_meter_provider(Chosen())
"""


PROVIDER = "print(type(metrics.get_meter_provider()).__name__)"


def _run(setup: str = "", report: str = PROVIDER, **environment: str) -> str:
    env = {**os.environ, **environment}
    done = subprocess.run(
        [sys.executable, "-c", CHECK.format(setup=setup, report=report)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout.strip()


def test_nothing_configured_gets_the_no_op_provider_once() -> None:
    assert _run() == "True False NoOpMeterProvider"


def test_a_provider_set_in_code_is_kept() -> None:
    assert _run(CONFIGURED) == "False False Chosen"


def test_a_provider_named_in_the_environment_is_left_to_load() -> None:
    # Not loaded here: the name is the operator's, resolved by OpenTelemetry on first use.
    env = {"OTEL_PYTHON_METER_PROVIDER": "sdk_meter_provider"}
    assert _run(report="", **env) == "False False"


def test_building_the_sender_installs_it() -> None:
    # In a fresh interpreter, so no other Teams object has installed it first.
    sender = """
from microsoft_teams.api import TokenCredentials
from adapters.teams.config import TeamsConfig
from adapters.teams.sender import TeamsSender
TeamsSender(TeamsConfig(app_id="app"), TokenCredentials(client_id="app", token=lambda *a: "t"))
"""
    assert _run(sender) == "False False NoOpMeterProvider"
