"""The gap a platform asks for between two sends to one conversation (Telegram: about a
second), kept inside one dispatcher process.

Only recent conversations matter, so the record forgets those not sent to for
`FORGET_AFTER` once it holds more than `memory` of them. It is kept in order of last send,
so forgetting stops at the first recent conversation: a morning that sends to 100,000
conversations within a minute costs the same per send as a quiet one.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

GAP_MEMORY = 10_000  # conversations kept before the old ones are forgotten
FORGET_AFTER = 60.0  # seconds: far longer than any platform's conversation gap

Conversation = tuple[str, str]  # (platform, conversation id)


class ConversationGaps:
    """When each conversation was last sent to (monotonic seconds)."""

    def __init__(
        self, memory: int = GAP_MEMORY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._memory = memory
        self._clock = clock
        self._last: OrderedDict[Conversation, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._last)

    def wait(self, conversation: Conversation, gap_seconds: float) -> float:
        """Seconds to wait before sending to `conversation` (0: send now)."""
        last = self._last.get(conversation)
        if last is None:
            return 0.0
        return max(0.0, gap_seconds - (self._clock() - last))

    def sent(self, conversation: Conversation) -> None:
        """Note a send to `conversation` now, and forget conversations long since sent to."""
        now = self._clock()
        self._last[conversation] = now
        self._last.move_to_end(conversation)
        if len(self._last) > self._memory:
            horizon = now - FORGET_AFTER
            while self._last and next(iter(self._last.values())) <= horizon:
                self._last.popitem(last=False)
