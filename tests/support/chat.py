"""A transcript harness: the real bot on a real database, driven like a chat user.

Replies are rendered as in the terminal (text, then numbered buttons) so tests read like
scripts and assert the exact words.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from adapters.recording import RecordingSender
from adapters.terminal.convert import render
from app.settings import Settings
from app.wiring import Services, build_services
from bot.messages import ConversationRef, Inbound, Outbound
from lessons.model import Curriculum
from runtime.clock import ManualClock

_ids = itertools.count(1)


@dataclass
class ChatUser:
    """One person chatting with the bot through the neutral seam."""

    services: Services
    clock: ManualClock
    user_id: str = "officer-1"
    platform: str = "test"
    last: list[Outbound] = field(default_factory=list)
    seen: int = 0  # proactive sends already looked at

    def arrived(self) -> list[str]:
        """Proactive messages sent to this user since the last look, rendered; their
        buttons become the ones `press` can use."""
        sends = outbox(self.services).sent
        new = [
            message
            for sent in sends[self.seen :]
            if sent.ref.user_id == self.user_id
            for message in sent.messages
        ]
        self.seen = len(sends)
        if new:
            self.last = new
        return [render(message) for message in new]

    def send(self, inbound: Inbound) -> list[str]:
        """Send an inbound message; return the rendered replies."""
        self.last = self.services.bot.handle(inbound)
        return [render(reply) for reply in self.last]

    def _inbound(self, **fields: object) -> Inbound:
        ref = ConversationRef(self.platform, f"conv-{self.user_id}", self.user_id)
        return Inbound(ref, self.clock.now(), message_id=f"m{next(_ids)}", **fields)  # type: ignore[arg-type]

    def say(self, text: str, council_hint: str | None = None) -> list[str]:
        """Type a message."""
        return self.send(self._inbound(text=text, council_hint=council_hint))

    def press(self, label: str) -> list[str]:
        """Press the button with this label among the last replies."""
        for reply in reversed(self.last):
            for choice in reply.choices:
                if choice.label == label:
                    return self.send(self._inbound(choice_id=choice.id))
        offered = [c.label for r in self.last for c in r.choices]
        raise AssertionError(f"no button {label!r}; offered: {offered}")

    def press_payload(self, payload: str) -> list[str]:
        """Send a raw button payload (forged or stale)."""
        return self.send(self._inbound(choice_id=payload))

    def payload_of(self, label: str) -> str:
        """The payload behind a button label in the last replies."""
        for reply in self.last:
            for choice in reply.choices:
                if choice.label == label:
                    return choice.id
        raise AssertionError(f"no button {label!r}")


def make_services(url: str, clock: ManualClock, curriculum: Curriculum) -> Services:
    """The real wiring on the given database, clock and curriculum, with a recording
    sender for the test platform and FSRS fuzz off."""
    settings = Settings(database_url=url, scheduler=False)
    services = build_services(settings, clock=clock, curriculum=curriculum, fuzz=False)
    services.senders["test"] = RecordingSender("test", clock.now)
    return services


def outbox(services: Services) -> RecordingSender:
    """The recording sender of the test platform."""
    sender = services.senders["test"]
    assert isinstance(sender, RecordingSender)
    return sender


def proactive(services: Services, user_id: str, since: int = 0) -> list[str]:
    """Proactive messages sent to one user (from the `since`-th send on), rendered."""
    return [
        render(message)
        for sent in outbox(services).sent[since:]
        if sent.ref.user_id == user_id
        for message in sent.messages
    ]
