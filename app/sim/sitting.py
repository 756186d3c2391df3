"""One sitting of a simulated learner: what they press next on the messages in front of
them. Pure: it reads the messages and the learner's state, and says what to press.

Buttons are read the way a person reads them, with no knowledge of the bot's payloads
beyond the few the bot documents: an answer button belongs to the message that names its
question (`Outbound.asks_question`), and its option id is the last ':'-separated part of
its payload; `guess:…` is "I guessed"; `later:…` stops a refresher round half-way. The way
on is the first other button (Continue, Next question, Next module), except the ones that
lead out of the lesson (progress, help, settings).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.sim.learners import Learner, owns_up
from bot.messages import Choice, Outbound
from bot.texts import ENGLISH
from lessons.model import Curriculum

LATER = "later:"  # the prefix of "Later" on a refresher round (later:ROUND)
GUESS_PREFIX = "guess:"
NOT_A_WAY_ON = ("progress", "help", "settings")


@dataclass(frozen=True)
class AnswerButton:
    """An answer button and whether its option is right."""

    choice: Choice
    correct: bool


@dataclass(frozen=True)
class Asked:
    """A question in front of the learner, with its answer buttons in the order shown."""

    question_id: str  # the point asked (a variant's original question)
    buttons: tuple[AnswerButton, ...]
    shown_id: str = ""  # the question shown, when it is a variant


@dataclass
class Sitting:
    """What a learner has in front of them in an open sitting, and how it has gone."""

    shown: tuple[Outbound, ...]
    seconds: float = 0.0  # spent so far
    answered: int = 0  # questions of earlier modules (refreshers) answered so far
    guessed: bool = False  # the last answer was a guess
    refreshing: bool = False  # the last thing done was about an earlier question


@dataclass(frozen=True)
class Press:
    """Press a button (not an answer)."""

    choice: Choice


@dataclass(frozen=True)
class Answer:
    """Answer the question."""

    asked: Asked


Step = Press | Answer | None  # None: the sitting is over


def asked_question(shown: Sequence[Outbound], curriculum: Curriculum) -> Asked | None:
    """The question the messages ask, with its answer buttons; None if none asks one."""
    for message in shown:
        if message.asks_question is None:
            continue
        found = curriculum.find_question(message.asks_question)
        if found is None:
            continue
        question = found[1]
        buttons = []
        for choice in message.choices:
            if choice.id.startswith((LATER, GUESS_PREFIX)):
                continue
            option = question.option(choice.id.rsplit(":", 1)[-1])
            if option is not None:
                buttons.append(AnswerButton(choice, option.correct))
        if buttons:
            # A variant (pre-test, check-up) tests the point of its original question: the
            # learner's memory of that point answers it.
            return Asked(question.variant_of or question.id, tuple(buttons), question.id)
    return None


def next_step(learner: Learner, sitting: Sitting, curriculum: Curriculum) -> Step:
    """What the learner presses next, or None when they leave the sitting."""
    choices = [choice for message in sitting.shown for choice in message.choices]
    profile = learner.profile
    tired = sitting.seconds > profile.sitting_minutes * 60
    guess = _find(choices, lambda c: c.id.startswith(GUESS_PREFIX))
    if guess is not None and sitting.guessed and owns_up(learner):
        return Press(guess)
    later = _find(choices, lambda c: c.id.startswith(LATER))
    if later is not None and (tired or sitting.answered >= profile.patience):
        return Press(later)
    asked = asked_question(sitting.shown, curriculum)
    if asked is not None:
        return Answer(asked)
    onward = way_on(choices)
    if onward is None or tired:
        return None
    if onward.label == ENGLISH.next_module_button and learner.rng.random() >= profile.appetite:
        return None
    return Press(onward)


def way_on(choices: Sequence[Choice]) -> Choice | None:
    """The first button that is not an answer, "I guessed", "Later" or a way out."""
    for choice in choices:
        if choice.id.startswith((LATER, GUESS_PREFIX)):
            continue
        if choice.id.startswith(("ans:", "rf:")) or choice.id.startswith(NOT_A_WAY_ON):
            continue
        return choice
    return None


def _find(choices: Sequence[Choice], test: Callable[[Choice], bool]) -> Choice | None:
    return next((choice for choice in choices if test(choice)), None)
