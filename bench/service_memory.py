"""Benchmark: memory of the service process with many learners.

    .venv/bin/python -m bench.service_memory --learners 100000

Seeds a fresh SQLite database with N active learners (3 FSRS cards each), starts
`bites serve` on it with fast scheduler ticks, waits until the day is planned and every
due delivery has been dealt with (or `--timeout` passes), and prints the process's peak
resident memory (VmHWM; goal: under 250 MB) when the day was planned and at the end,
and whether the queue was drained. Results are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import text

from app.settings import Settings
from app.wiring import build_services
from bench.seed import seed_learners


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _metrics(port: int, prefix: str) -> list[str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        body: str = reply.read().decode()
    return [line for line in body.splitlines() if line.startswith(prefix)]


def _metric(port: int, name: str) -> str:
    return next(iter(_metrics(port, name)), "")


def main() -> None:
    """Seed, serve, wait for planning and dispatch, print peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds (default 1800)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'memory.db'}"
        now = dt.datetime.now(dt.UTC)
        services = build_services(Settings(database_url=url, scheduler=False), clock=None)
        seed_learners(services.engine, args.learners, 3, now - dt.timedelta(days=1))
        services.engine.dispose()
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "CB_PORT": str(port),
            "CB_PLAN_SECONDS": "2",
            "CB_DISPATCH_SECONDS": "2",
            "CB_LOG_LEVEL": "WARNING",
        }
        bites = str(Path(sys.executable).with_name("bites"))
        process = subprocess.Popen([bites, "serve"], env=env)  # noqa: S603
        started = time.monotonic()
        try:
            planned_peak, drained = None, False
            while time.monotonic() - started < args.timeout:
                time.sleep(2)
                if planned_peak is None:
                    with services.engine.connect() as connection:
                        if connection.execute(text("SELECT count(*) FROM plan_run")).scalar():
                            planned_peak = _peak_rss_mb(process.pid)
                if planned_peak is not None:  # the server is up by then
                    drained = _metric(port, "cb_delivery_queue_depth").endswith(" 0.0")
                    if drained:
                        break
            planned = "not planned" if planned_peak is None else f"{planned_peak:.0f} MB"
            print(
                f"{args.learners} learners: peak RSS when planned {planned}, "
                f"at the end {_peak_rss_mb(process.pid):.0f} MB, after "
                f"{time.monotonic() - started:.0f} s, queue drained: {drained}; "
                + ", ".join(_metrics(port, "cb_deliveries{"))
            )
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
