"""Flow transcripts without a database, in the manner of zulip_bots' `verify_dialog`.

The real `BotService` runs on the in-memory store (`tests.support.memory_store`), a manual
clock and FSRS fuzz off. A dialogue is a list of turns: what the officer says (a string)
or presses (`press(label)`), and exactly what the bot replies, each reply its text and
the labels of its buttons (`bot(text, *labels)`). Expected texts are built from
`bot.texts` so a reworded string changes one place.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pprint import pformat

from bot.deliveries import ClaimedDelivery, Composed, DeliveryKind
from bot.messages import ConversationRef, Inbound, Outbound
from bot.service import BotService
from bot.state import LearnerState
from lessons.model import Curriculum
from runtime.clock import ManualClock
from scheduler.planner import RoundPlan
from tests.support.memory_store import MemoryStore

_message_ids = itertools.count(1)


@dataclass(frozen=True)
class Reply:
    """One message from the bot: its text (as written, Markdown included) and buttons."""

    text: str
    buttons: tuple[str, ...] = ()


def bot(text: str, *buttons: str) -> Reply:
    """A reply the bot is expected to send."""
    return Reply(text, buttons)


@dataclass(frozen=True)
class Press:
    """The officer presses the button with this label (the newest one in the chat)."""

    label: str


def press(label: str) -> Press:
    """A turn in which the officer presses a button."""
    return Press(label)


Turn = tuple[str | Press, Sequence[Reply]]


@dataclass
class Officer:
    """One officer chatting with the bot through the `handle` seam, on one platform."""

    bot: BotService
    store: MemoryStore
    clock: ManualClock
    user_id: str = "officer-1"
    platform: str = "test"
    chat: list[Outbound] = field(default_factory=list)  # every message received, in order

    @property
    def state(self) -> LearnerState:
        """The officer's stored state."""
        return self.store.learner_of(self.platform, self.user_id)

    def say(self, text: str, council_hint: str | None = None) -> list[Reply]:
        """Type a message; the bot's replies."""
        return self.send(self.inbound(text=text, council_hint=council_hint))

    def press(self, label: str) -> list[Reply]:
        """Press the newest button with this label in the chat; the bot's replies."""
        return self.press_payload(self.payload_of(label))

    def press_payload(self, payload: str) -> list[Reply]:
        """Send a button payload as it is (an old, stale or forged one)."""
        return self.send(self.inbound(choice_id=payload))

    def payload_of(self, label: str) -> str:
        """The payload of the newest button with this label in the chat."""
        for message in reversed(self.chat):
            for choice in message.choices:
                if choice.label == label:
                    return choice.id
        offered = [choice.label for message in self.chat for choice in message.choices]
        raise AssertionError(f"no button {label!r} in the chat; there are {offered}")

    def round_arrives(self, *questions: str, **plan: object) -> list[Reply]:
        """A refresher round of these questions is planned and sent now: its message."""
        learner_id = self.state.learner_id
        round_plan = RoundPlan(questions, **plan)  # type: ignore[arg-type]
        delivery_id = self.store.send_round(learner_id, round_plan, self.clock.now())
        key = f"round:{delivery_id}"
        delivery = ClaimedDelivery(
            delivery_id,
            key,
            learner_id,
            DeliveryKind.ROUND,
            None,
            round_plan.to_json(),
            self.clock.now(),
            0,
        )
        composed = self.bot.compose(delivery)
        assert isinstance(composed, Composed), composed
        return self._received(composed.messages)

    def inbound(self, **fields: object) -> Inbound:
        """A message from the officer now, with a fresh platform message id."""
        ref = ConversationRef(self.platform, f"conv-{self.user_id}", self.user_id)
        message_id = f"m{next(_message_ids)}"
        return Inbound(ref, self.clock.now(), message_id=message_id, **fields)  # type: ignore[arg-type]

    def send(self, inbound: Inbound) -> list[Reply]:
        """Hand the bot a message (a platform may deliver one twice); its replies."""
        return self._received(self.bot.handle(inbound))

    def _received(self, messages: Sequence[Outbound]) -> list[Reply]:
        self.chat.extend(messages)
        return [Reply(m.text, tuple(choice.label for choice in m.choices)) for m in messages]


def officer(
    curriculum: Curriculum,
    clock: ManualClock,
    store: MemoryStore | None = None,
    user_id: str = "officer-1",
) -> Officer:
    """An officer of a service on `store`, by default a new one holding the demo council
    (join code `demo`, as `app.wiring` creates it)."""
    if store is None:
        store = MemoryStore()
        store.add_council("demo", "Demo Council", "demo")
    return Officer(BotService(curriculum, store, clock, fuzz=False), store, clock, user_id)


def verify_dialog(person: Officer, dialog: Sequence[Turn]) -> None:
    """Play the officer's turns in order and check each reply exactly."""
    for number, (turn, expected) in enumerate(dialog, 1):
        got = person.press(turn.label) if isinstance(turn, Press) else person.say(turn)
        if got != list(expected):
            raise AssertionError(
                f"turn {number} ({turn!r}):\nexpected {pformat(list(expected))}\n"
                f"got      {pformat(got)}"
            )
