"""The simulated platform `bites simulate` sends to, and how its dispatcher meets it.

The platform answers 429 now and then; the dispatcher's retry waits carry no jitter and
its pacer never waits, so a seed is a run however busy the machine (`app.simulate`).
"""

from __future__ import annotations

import random

from bot.messages import ConversationRef, RateLimits, SendResult, SendStatus

THROTTLED = 0.02  # share of sends the platform answers with 429


class Platform:
    """The simulated platform: busy now and then (429, retry after a minute).

    Each conversation draws from its own stream, so which sends are refused does not
    depend on the order the dispatcher's concurrent sends happen to reach the platform:
    a seed is a run, on a busy machine too."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._streams: dict[str, random.Random] = {}

    def refuse(self, ref: ConversationRef) -> SendResult | None:
        """A 429 for `THROTTLED` of the sends to each conversation, else None."""
        stream = self._streams.get(ref.conversation_id)
        if stream is None:
            stream = random.Random(f"{self._seed}:platform:{ref.conversation_id}")  # noqa: S311
            self._streams[ref.conversation_id] = stream
        if stream.random() < THROTTLED:
            return SendResult(SendStatus.RETRY, retry_after=60, detail="429", throttled=True)
        return None


class SteadyJitter(random.Random):
    """Retry waits without jitter: the dispatcher draws jitter in the order outcomes come
    back, which a busy machine can change, and a simulated platform needs none."""

    def random(self) -> float:
        """The middle of the jitter range, every time."""
        return 0.5


class NoWaitPacer:
    """The simulated platform has no rate limit: no send waits for a slot, and a 429 does
    not pause the others in real time (which would make the order of sends, and so the
    run, depend on the machine's speed)."""

    async def acquire(self, bucket: str, limits: RateLimits) -> None:
        """No wait."""

    def throttled(self, bucket: str) -> None:
        """No pause."""
