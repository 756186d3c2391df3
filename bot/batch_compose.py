"""Composing a claimed batch of deliveries from one read of what they need.

The same decisions as `BotService.compose` (which reads per delivery), for the
dispatcher: a batch of 200 costs four queries instead of a transaction per delivery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.decision import Context
from bot.deliveries import ClaimedDelivery, Composed, Withheld
from bot.flows.proactive import AnsweredSince, answered_before_sending, compose, pacing_of
from bot.messages import ConversationRef
from bot.ports import Clock
from bot.state import CouncilInfo, LearnerState, ModuleProgress
from bot.texts import Texts
from lessons.model import Curriculum
from scheduler.pacing import local_date


@dataclass
class ComposeInputs:
    """Everything composing needs for a batch, keyed by learner (councils by id)."""

    states: dict[int, LearnerState] = field(default_factory=dict)
    reaches: dict[int, ConversationRef] = field(default_factory=dict)
    councils: dict[int, CouncilInfo] = field(default_factory=dict)
    progress: dict[int, dict[str, ModuleProgress]] = field(default_factory=dict)


class ComposeReads(Protocol):
    """Reads a batch's inputs (storage implements it)."""

    def read(self, learner_ids: Sequence[int]) -> ComposeInputs:
        """The inputs for these learners."""
        ...

    def answered_since(
        self, learner_id: int, questions: Sequence[str], probes: Sequence[int], since: dt.datetime
    ) -> tuple[frozenset[str], frozenset[int]]:
        """A round's questions reviewed, and check-ups answered, since it was planned."""
        ...


class BatchComposer:
    """Turns claimed deliveries into messages, or says why each must not be sent."""

    def __init__(
        self,
        reads: ComposeReads,
        curriculum: Callable[[], Curriculum],
        texts: Texts,
        clock: Clock,
    ) -> None:
        self._reads = reads
        self._curriculum = curriculum  # the bot's current one (packs can change)
        self._texts = texts
        self._clock = clock

    def __call__(self, claimed: list[ClaimedDelivery]) -> list[Composed | Withheld]:
        """One result per delivery, in order."""
        now = self._clock.now()
        inputs = self._reads.read([delivery.learner_id for delivery in claimed])
        curriculum = self._curriculum()
        return [self._one(delivery, inputs, curriculum, now) for delivery in claimed]

    def _one(
        self,
        delivery: ClaimedDelivery,
        inputs: ComposeInputs,
        curriculum: Curriculum,
        now: dt.datetime,
    ) -> Composed | Withheld:
        state = inputs.states.get(delivery.learner_id)
        council = (
            inputs.councils.get(state.council_id)
            if state and state.council_id is not None
            else None
        )
        return compose_one(
            delivery,
            state,
            inputs.reaches.get(delivery.learner_id),
            council,
            inputs.progress.get(delivery.learner_id, {}),
            Composing(curriculum, self._texts, now, self._reads.answered_since),
        )


@dataclass(frozen=True)
class Composing:
    """What composing needs besides the learner's own facts."""

    curriculum: Curriculum
    texts: Texts
    now: dt.datetime
    answered_since: AnsweredSince


def compose_one(
    delivery: ClaimedDelivery,
    state: LearnerState | None,
    ref: ConversationRef | None,
    council: CouncilInfo | None,
    progress: Mapping[str, ModuleProgress],
    how: Composing,
) -> Composed | Withheld:
    """The one place a claimed delivery becomes messages, or is withheld: used for a batch
    here and for one delivery by `BotService.compose`."""
    if state is None:
        return Withheld("skipped", "learner erased")
    if ref is None:
        return Withheld("unreachable", "no reachable chat")
    ctx = Context(
        curriculum=how.curriculum.for_council(council.code if council else None),
        texts=how.texts,
        now=how.now,
        council=council,
        progress=progress,
        today=local_date(pacing_of(state, council), how.now),
        round=answered_before_sending(delivery, state, council, how.answered_since),
    )
    composed = compose(delivery, state, council, ctx)
    return composed if isinstance(composed, Withheld) else Composed(ref, composed)
