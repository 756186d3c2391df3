"""Estimate how long a module takes: reading time of its cards plus time per question."""

from __future__ import annotations

import math
import re

from lessons.limits import SECONDS_PER_QUESTION, WORDS_PER_MINUTE
from lessons.model import Module

_WORD = re.compile(r"\w+(?:['’-]\w+)*")


def count_words(text: str) -> int:
    """Words in a text, counting hyphenated and apostrophe words once."""
    return len(_WORD.findall(text))


def estimate_seconds(module: Module) -> int:
    """Seconds an officer needs for the module's cards and quiz."""
    card_words = sum(count_words(c.title) + count_words(c.body) for c in module.cards)
    seconds = card_words * 60 / WORDS_PER_MINUTE
    for question in module.questions:
        words = count_words(question.stem) + count_words(question.explanation)
        words += sum(count_words(o.text) for o in question.options)
        seconds += SECONDS_PER_QUESTION + words * 60 / WORDS_PER_MINUTE
    return math.ceil(seconds)


def estimate_minutes(module: Module) -> int:
    """Whole minutes, rounded up, of `estimate_seconds`."""
    return math.ceil(estimate_seconds(module) / 60)
