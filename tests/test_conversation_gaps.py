"""The per-conversation gap a dispatcher keeps, and how it forgets old conversations."""

from __future__ import annotations

from runtime.conversation_gaps import FORGET_AFTER, ConversationGaps


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_second_send_to_a_conversation_waits_out_the_gap() -> None:
    clock = Ticks()
    gaps = ConversationGaps(clock=clock)
    assert gaps.wait(("telegram", "42"), 1.0) == 0.0
    gaps.sent(("telegram", "42"))
    clock.now += 0.25
    assert gaps.wait(("telegram", "42"), 1.0) == 0.75
    assert gaps.wait(("telegram", "43"), 1.0) == 0.0  # another conversation: no wait
    clock.now += 1.0
    assert gaps.wait(("telegram", "42"), 1.0) == 0.0


def test_old_conversations_are_forgotten_oldest_first_and_recent_ones_kept() -> None:
    clock = Ticks()
    gaps = ConversationGaps(memory=3, clock=clock)
    for name in ("a", "b", "c"):
        gaps.sent(("slack", name))
        clock.now += 1
    gaps.sent(("slack", "a"))  # sent to again: now the most recent
    assert len(gaps) == 3
    clock.now += FORGET_AFTER - 0.5  # "b" and "c" are now over a minute old, "a" is not
    gaps.sent(("slack", "d"))
    assert len(gaps) == 2
    assert gaps.wait(("slack", "a"), FORGET_AFTER) > 0  # still remembered
    assert gaps.wait(("slack", "b"), FORGET_AFTER) == 0.0  # forgotten


def test_nothing_is_forgotten_while_every_conversation_is_recent() -> None:
    clock = Ticks()
    gaps = ConversationGaps(memory=2, clock=clock)
    for name in ("a", "b", "c", "d"):
        gaps.sent(("teams", name))
    assert len(gaps) == 4  # over the memory, but all within the last minute
    clock.now += 0.5
    assert all(gaps.wait(("teams", n), 1.0) == 0.5 for n in ("a", "b", "c", "d"))
