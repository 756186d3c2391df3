"""Button payloads: short, validated strings (Telegram allows 64 bytes).

Every payload the bot puts on a button is made here and read back here; anything else
that arrives as a button press is treated as forged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.ports import record_id
from bot.state import WEEKDAYS

NEXT = "next"
JOIN_DEMO = "join:demo"
JOIN_CODE = "join:code"
PROGRESS = "progress"
SETTINGS = "settings"
SETTINGS_TIME = "settings:time"
SETTINGS_DAYS = "settings:days"
HELP = "help"
RESUME = "resume"
PRETEST_SKIP = "pre:skip"
END_LEAVE = "leave:end"
STAY = "move:stay"  # keep the current council (see flows.moving)
MAX_BYTES = 64

_TIME = re.compile(r"^time:([01]\d|2[0-3])([0-5]\d)$")
_DAYS = re.compile(r"^days:((?:mon|tue|wed|thu|fri|sat|sun)(?:,(?:mon|tue|wed|thu|fri|sat|sun))*)$")
_ANSWER = re.compile(r"^ans:([a-z0-9-]{1,48}):([a-e])$")
_ID = r"([1-9][0-9]{0,9})"  # a delivery id (checked against MAX_RECORD_ID when read)
# rf:DELIVERY:ITEM:OPTION answers an item of a round; rf:DELIVERY:OPTION is the form
# one-question refreshers were sent with before rounds existed (item 0).
_REFRESHER = re.compile(rf"^rf:{_ID}:(?:([0-9]{{1,2}}):)?([a-e])$")
_GUESS_QUIZ = re.compile(r"^guess:q:([a-z0-9-]{1,48})$")
_GUESS_ROUND = re.compile(rf"^guess:r:{_ID}:([0-9]{{1,2}})$")
_LATER = re.compile(rf"^later:{_ID}$")
_PRETEST = re.compile(r"^pre:([a-z0-9-]{1,48}):([a-e])$")
_MOVE = re.compile(r"^move:to:([A-Za-z0-9_-]{1,32})$")  # a join code, as stored (up to 32)
_SIMPLE = {
    NEXT,
    JOIN_DEMO,
    JOIN_CODE,
    PROGRESS,
    SETTINGS,
    SETTINGS_TIME,
    SETTINGS_DAYS,
    HELP,
    RESUME,
    PRETEST_SKIP,
    END_LEAVE,
    STAY,
}


@dataclass(frozen=True)
class Simple:
    """A payload with no arguments (one of the constants above)."""

    name: str


@dataclass(frozen=True)
class PickTime:
    """A learning time button, as HH:MM."""

    time: str


@dataclass(frozen=True)
class PickDays:
    """A working-days button."""

    days: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """A quiz answer button."""

    question_id: str
    option_id: str


@dataclass(frozen=True)
class RefresherAnswer:
    """An answer button on a refresher round's item; the delivery names the questions."""

    delivery_id: int
    option_id: str
    item: int = 0


@dataclass(frozen=True)
class Guessed:
    """ "I guessed" on the feedback to a quiz answer (`delivery_id` None) or a round item."""

    question_id: str | None
    delivery_id: int | None = None
    item: int = 0


@dataclass(frozen=True)
class Later:
    """ "Later" on a refresher round: the rest of it waits."""

    delivery_id: int


@dataclass(frozen=True)
class PretestAnswer:
    """An answer to a pre-test question (a variant)."""

    variant_id: str
    option_id: str


@dataclass(frozen=True)
class MoveCouncil:
    """Confirming a move to the council (or team) a join code names."""

    code: str


Payload = (
    Simple
    | PickTime
    | PickDays
    | Answer
    | RefresherAnswer
    | Guessed
    | Later
    | PretestAnswer
    | MoveCouncil
)


def round_named(picked: Payload | None) -> int | None:
    """The refresher round (its delivery id) a button belongs to: an answer to one of its
    items, "Later", or "I guessed" on an item's feedback; None for any other button."""
    if isinstance(picked, RefresherAnswer | Later | Guessed):
        return picked.delivery_id
    return None


def time_payload(hhmm: str) -> str:
    """Payload for choosing a learning time 'HH:MM'."""
    return "time:" + hhmm.replace(":", "")


def days_payload(days: tuple[str, ...]) -> str:
    """Payload for choosing working days."""
    return "days:" + ",".join(days)


def answer_payload(question_id: str, option_id: str) -> str:
    """Payload for answering a question with an option."""
    return f"ans:{question_id}:{option_id}"


def refresher_payload(delivery_id: int, item: int, option_id: str) -> str:
    """Payload for answering one item of a refresher round."""
    return f"rf:{delivery_id}:{item}:{option_id}"


def guess_quiz_payload(question_id: str) -> str:
    """Payload for "I guessed" after a quiz answer."""
    return f"guess:q:{question_id}"


def guess_round_payload(delivery_id: int, item: int) -> str:
    """Payload for "I guessed" after a round item's answer."""
    return f"guess:r:{delivery_id}:{item}"


def pretest_payload(variant_id: str, option_id: str) -> str:
    """Payload for answering a pre-test question."""
    return f"pre:{variant_id}:{option_id}"


def later_payload(delivery_id: int) -> str:
    """Payload for "Later" on a refresher round."""
    return f"later:{delivery_id}"


def move_payload(code: str) -> str | None:
    """Payload for confirming a move to another council; None if the code cannot travel
    on a button (it has characters a join code made here never has)."""
    payload = f"move:to:{code}"
    return payload if _MOVE.match(payload) else None


def read_payload(raw: str) -> Payload | None:
    """Parse a payload; None if it is not one the bot makes."""
    if len(raw.encode("utf-8")) > MAX_BYTES:
        return None
    if raw in _SIMPLE:
        return Simple(raw)
    if match := _TIME.match(raw):
        return PickTime(f"{match.group(1)}:{match.group(2)}")
    if match := _DAYS.match(raw):
        days = tuple(d for d in WEEKDAYS if d in match.group(1).split(","))
        return PickDays(days)
    if match := _ANSWER.match(raw):
        return Answer(match.group(1), match.group(2))
    if match := _REFRESHER.match(raw):
        delivery_id = record_id(match.group(1))
        item = int(match.group(2) or 0)
        return RefresherAnswer(delivery_id, match.group(3), item) if delivery_id else None
    if match := _GUESS_QUIZ.match(raw):
        return Guessed(match.group(1))
    if match := _GUESS_ROUND.match(raw):
        delivery_id = record_id(match.group(1))
        return Guessed(None, delivery_id, int(match.group(2))) if delivery_id else None
    if match := _LATER.match(raw):
        delivery_id = record_id(match.group(1))
        return Later(delivery_id) if delivery_id else None
    if match := _PRETEST.match(raw):
        return PretestAnswer(match.group(1), match.group(2))
    if match := _MOVE.match(raw):
        return MoveCouncil(match.group(1))
    return None
