"""Planned proactive messages as values: what the planner decides. Pure.

The bot re-exports these from `bot.deliveries`; they live here so the planner imports
nothing of the bot (the bot uses the planner, never the other way round).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum


class DeliveryKind(Enum):
    """What a proactive message is for."""

    LESSON = "lesson"  # the lesson of the day
    GENTLE = "gentle"  # the one gentler reminder after three ignored lesson nudges
    ROUND = "round"  # the daily refresher round: one message that starts a few questions
    REFRESHER = "refresher"  # one refresher question (rows planned before rounds existed)
    NUDGE = "nudge"  # a manager's friendly nudge (at most one a learner a day)


# Kinds that count as nudges for the "three ignored nudges" rule: lesson nudges only,
# so an officer who answers refreshers is never silenced by ignoring lessons.
NUDGE_KINDS = frozenset({DeliveryKind.LESSON, DeliveryKind.GENTLE})


@dataclass(frozen=True)
class PlannedDelivery:
    """A proactive message the planner wants sent; `key` makes planning it twice harmless."""

    key: str
    learner_id: int
    kind: DeliveryKind
    due_at: dt.datetime
    ref: str | None = None
    payload: str = "{}"
