"""Benchmark: memory of the service process with many learners.

    .venv/bin/python -m bench.service_memory --learners 100000

Seeds a fresh SQLite database with N active learners (3 FSRS cards each), starts
`bites serve` on it with fast scheduler ticks, waits until the day is planned and every
due delivery has been dealt with, and prints the process's peak resident memory (VmHWM;
goal: under 300 MB). Results are in docs/benchmarks.md.
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


def _metric(port: int, name: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        for line in reply.read().decode().splitlines():
            if line.startswith(name):
                return line
    return ""


def main() -> None:
    """Seed, serve, wait for planning and dispatch, print peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
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
            planned = False
            while time.monotonic() - started < 900:
                time.sleep(2)
                with services.engine.connect() as connection:
                    planned = planned or bool(
                        connection.execute(text("SELECT count(*) FROM plan_run")).scalar()
                    )
                if planned and _metric(port, "cb_delivery_queue_depth").endswith(" 0.0"):
                    break
            print(
                f"{args.learners} learners: planned={planned}, "
                f"peak RSS {_peak_rss_mb(process.pid):.0f} MB after "
                f"{time.monotonic() - started:.0f} s; " + _metric(port, 'cb_deliveries{status="')
            )
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
