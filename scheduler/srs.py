"""Spaced repetition with FSRS: how a quiz outcome becomes a review, and what is due.

Pure: values in, values out. Each refresher question a learner has met has one FSRS card;
its database id is the FSRS card id (`fsrs.Card()` without one sleeps a millisecond to
make a unique id, which would throttle planning).

The mapping from an answer to an FSRS rating is ours, the same for quiz and refresher
answers:

| outcome                          | rating                                        |
|----------------------------------|-----------------------------------------------|
| wrong                            | Again (a possible misconception)              |
| right                            | Good                                          |
| right, then "I guessed" tapped   | Hard: re-rated from the card before the review |
| wrong, then "I guessed" tapped   | Again, marked a guess (not a misconception)   |
| not answered                     | no review at all                              |

Confidence replaces speed: an officer answering in chat may be interrupted, so time to
answer says little about recall; it is still logged with each review, for optimising.

Easy is never given: a multiple-choice click cannot tell "easy" from "good" reliably.
Learning steps are turned off: chat refreshers come at most a few a day, in working hours,
so minute-scale steps cannot be honoured; every card is scheduled in whole days.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

from fsrs import Card, Rating, Scheduler, State

# FSRS's own default desired retention (its advice for most purposes): what `review`
# schedules for when it is given none.
FSRS_RETENTION = 0.9
# A council's desired retention until it chooses one (`bites council set --retention`).
# A little above FSRS's 0.9 because of the recall target (a mean of 0.88 over every
# question the officers have met, issue 12): one question a module is the learning-effect
# measure's held-out point, never refreshed (about 0.7 after three months). At 0.9 the
# refreshed questions sit at about 0.90 and the mean at 0.87 to 0.88; at 0.92 they sit at
# about 0.92 and the mean near 0.89, and officers complete about one module in ten fewer
# in 90 days (the reviews come sooner; measured in docs/learning.md). Still well inside
# FSRS's advised 0.7 to 0.97.
DEFAULT_RETENTION = 0.92


class Grade(IntEnum):
    """The FSRS ratings we give (values match `fsrs.Rating`)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3


@dataclass(frozen=True)
class Memory:
    """A learner's FSRS card for one question, as stored."""

    card_id: int
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: dt.datetime
    last_review: dt.datetime | None


def grade_for(correct: bool, guessed: bool = False) -> Grade:
    """The rating for an answered question (see the module docstring)."""
    if not correct:
        return Grade.AGAIN
    return Grade.HARD if guessed else Grade.GOOD


def memory_to_json(memory: Memory) -> str:
    """A card as JSON text (the review log keeps the card before each review)."""
    return json.dumps(
        {
            "id": memory.card_id,
            "state": memory.state,
            "step": memory.step,
            "s": memory.stability,
            "d": memory.difficulty,
            "due": memory.due.isoformat(),
            "last": memory.last_review.isoformat() if memory.last_review else None,
        },
        separators=(",", ":"),
    )


def memory_from_json(text: str) -> Memory:
    """A card read back from `memory_to_json`."""
    raw = json.loads(text)
    last = raw["last"]
    return Memory(
        int(raw["id"]),
        int(raw["state"]),
        raw["step"],
        raw["s"],
        raw["d"],
        dt.datetime.fromisoformat(raw["due"]),
        dt.datetime.fromisoformat(last) if last else None,
    )


def new_memory(card_id: int, at: dt.datetime) -> Memory:
    """A card never reviewed, due now."""
    return Memory(card_id, int(State.Learning), None, None, None, at, None)


def review(
    memory: Memory,
    grade: Grade,
    at: dt.datetime,
    duration_ms: int | None = None,
    retention: float = FSRS_RETENTION,
    fuzz: bool = True,
) -> Memory:
    """The card after a review at `at`."""
    card, _log = _scheduler(retention, fuzz).review_card(
        _to_card(memory), Rating(int(grade)), at, duration_ms
    )
    return _from_card(card)


# FSRS-6's forgetting curve, R(t) = (1 + FACTOR * t / S) ** -DECAY (t in days, S the
# stability: recall is 90% after S days), with the default parameters' decay.
DECAY = Scheduler().parameters[20]
FACTOR = 0.9 ** (-1 / DECAY) - 1


def recall(memory: Memory, at: dt.datetime, scale: float = 1.0) -> float:
    """The predicted probability of recalling the answer at `at` (0 to 1).

    FSRS's forgetting curve in closed form, as `fsrs.Scheduler.get_card_retrievability`
    computes it (whole elapsed days), without building a Card: the planner ranks every
    due card of every learner with it. `scale` is the council's fitted stability scale
    (`scheduler.calibration`): its officers' memories last `scale` times as long."""
    if memory.last_review is None or memory.stability is None:
        return 0.0
    elapsed_days = max(0, (at - memory.last_review).days)
    return float((1 + FACTOR * elapsed_days / (scale * memory.stability)) ** -DECAY)


@lru_cache(maxsize=32)
def _scheduler(retention: float, fuzz: bool) -> Scheduler:
    return Scheduler(
        desired_retention=retention,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=fuzz,
    )


def _to_card(memory: Memory) -> Card:
    return Card(
        card_id=memory.card_id,
        state=State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
    )


def _from_card(card: Card) -> Memory:
    return Memory(
        card.card_id,
        int(card.state),
        card.step,
        card.stability,
        card.difficulty,
        card.due,
        card.last_review,
    )
