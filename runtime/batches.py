"""A claimed batch's bookkeeping while the dispatcher works on it: what happened to it
(`DispatchReport`), and how many of its conversations are still open and how many of those
are parked, waiting for a platform's send slot (`Batch`).

Parking lets a dispatcher move on. A claimed batch holds the platforms' mix, and its rows
for the platform whose limit is the bottleneck (a Telegram bot at 30 a second beside ten
Teams tenants at 50 each) would otherwise hold the batch, and so the next claim, to that
platform's pace: the Teams nudges of a council's morning went out at the Telegram bot's
pace (docs/benchmarks.md). Once every open conversation of a batch is parked, the batch
carries on in the background and `Dispatcher.drain` claims the next one, up to
`MAX_HELD` rows held at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

MAX_HELD = 4000  # unfinished rows one dispatcher holds at once, parked batches included
PARK_CHECK_SECONDS = 0.05  # how often a lane looks whether its batch is all parked


@dataclass
class DispatchReport:
    """What one dispatcher run did, by outcome."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    withheld: int = 0
    unreachable: int = 0
    failed: int = 0
    uncertain: int = 0
    statuses: dict[int, str] = field(default_factory=dict)

    def count(self, status: str) -> None:
        """Count a final status (anything but sent and queued)."""
        if status == "unreachable":
            self.unreachable += 1
        elif status == "failed":
            self.failed += 1
        else:
            self.withheld += 1


@dataclass
class Batch:
    """One claimed batch on its way: its report, its open and parked conversations."""

    report: DispatchReport
    open: int = 0  # conversations not finished
    parked: int = 0  # of those, waiting for a send slot
    held: int = 0  # rows not finished: counted in the dispatcher's rows held, row by row

    @property
    def all_parked(self) -> bool:
        """Whether every conversation still open is waiting for a send slot."""
        return self.open > 0 and self.parked >= self.open

    @contextmanager
    def parking(self) -> Iterator[None]:
        """Around a wait for a send slot."""
        self.parked += 1
        try:
            yield
        finally:
            self.parked -= 1
