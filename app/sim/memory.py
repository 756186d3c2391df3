"""What a simulated learner really remembers: a hidden memory per question. Pure.

The scheduler never sees this; it sees only the answers the learner gives. The model is
FSRS-6's own (the same forgetting curve the scheduler predicts with, so a perfect
scheduler could be perfectly calibrated), but with a hidden "true" parameter set that
differs from the scheduler's defaults, and with variation per learner and per question:

- **Forgetting curve.** R(t) = (1 + FACTOR · t / S) ** (-DECAY), t in days (fractions
  count), S the stability: the days after which recall has fallen to 90%.
- **First reading.** Reading a module's cards and answering its quiz question lays down
  a trace: FSRS's initial stability for Good when the learner understood it, for Again
  when they did not (they still saw the right answer in the feedback).
- **Retrieval.** Each later question is recalled with probability R. A success grows the
  stability by FSRS's recall formula: the lower R was, the larger the gain (the spacing
  effect). A failure is a lapse: FSRS's post-lapse stability, after the feedback showed
  the answer again.
- **Variation.** A log-normal multiplier (learner × question) scales the initial
  stability and every gain; a question's difficulty offset shifts FSRS's difficulty.
- **Guessing.** Without recall the learner picks an option at random: right with
  probability 1/n for n options (1/2 for true or false).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from fsrs import Scheduler

from scheduler.srs import DECAY, FACTOR

# The scheduler's parameters (py-fsrs 6 defaults); the forgetting curve's decay and factor
# are scheduler/srs.py's, so R here and the scheduler's prediction use one curve.
SCHEDULER_PARAMETERS: tuple[float, ...] = tuple(Scheduler().parameters)

# The hidden truth differs from what the scheduler assumes: reading a chat card lays down
# a weaker first trace than a flashcard review (initial stabilities 20% lower), and
# stability grows a little more slowly on success (w8 lowered by 0.1, about 10% less).
TRUE_PARAMETERS: tuple[float, ...] = (
    *(w * 0.8 for w in SCHEDULER_PARAMETERS[:4]),
    *SCHEDULER_PARAMETERS[4:8],
    SCHEDULER_PARAMETERS[8] - 0.1,
    *SCHEDULER_PARAMETERS[9:],
)
MIN_STABILITY = 0.001  # days, as in py-fsrs
MIN_DIFFICULTY, MAX_DIFFICULTY = 1.0, 10.0
AGAIN, GOOD, EASY = 1, 3, 4  # FSRS ratings, for the formulas below
DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class Trait:
    """How strongly one learner holds one question: a stability multiplier and a
    difficulty offset (both learner × question)."""

    multiplier: float = 1.0
    difficulty_offset: float = 0.0


@dataclass(frozen=True)
class Trace:
    """The hidden memory of one question: stability (days), FSRS difficulty (1 to 10),
    and when it was last studied or retrieved."""

    stability: float
    difficulty: float
    last: dt.datetime


def retrievability(trace: Trace, at: dt.datetime) -> float:
    """The true probability of recalling the answer at `at`."""
    elapsed = max(0.0, (at - trace.last).total_seconds() / DAY_SECONDS)
    return float((1 + FACTOR * elapsed / trace.stability) ** -DECAY)


def first_reading(
    understood: bool,
    trait: Trait,
    at: dt.datetime,
    params: Sequence[float] = TRUE_PARAMETERS,
) -> Trace:
    """The trace laid down by reading a module and answering its question at `at`."""
    rating = GOOD if understood else AGAIN
    stability = max(params[rating - 1] * trait.multiplier, MIN_STABILITY)
    difficulty = _clamp(_initial_difficulty(rating, params) + trait.difficulty_offset)
    return Trace(stability, difficulty, at)


def after_retrieval(
    trace: Trace,
    recalled: bool,
    trait: Trait,
    at: dt.datetime,
    params: Sequence[float] = TRUE_PARAMETERS,
) -> Trace:
    """The trace after trying to recall it at `at` (and reading the feedback)."""
    r = retrievability(trace, at)
    s, d = trace.stability, trace.difficulty
    if recalled:
        gain = (
            math.exp(params[8]) * (11 - d) * s ** -params[9] * (math.exp((1 - r) * params[10]) - 1)
        )
        stability = s * (1 + trait.multiplier * gain)
        difficulty = _next_difficulty(d, GOOD, params)
    else:
        long_term = (
            params[11]
            * d ** -params[12]
            * ((s + 1) ** params[13] - 1)
            * math.exp((1 - r) * params[14])
        )
        stability = min(long_term, s / math.exp(params[17] * params[18]))
        difficulty = _next_difficulty(d, AGAIN, params)
    return Trace(max(stability, MIN_STABILITY), difficulty, at)


def pick_option(correct: Sequence[bool], recall: float, rng: random.Random) -> tuple[int, bool]:
    """Which option a learner picks, and whether they recalled the answer: the right one
    with probability `recall`, else one at random (a guess, right with chance 1/n)."""
    if rng.random() < recall and any(correct):
        return correct.index(True), True
    return rng.randrange(len(correct)), False


def learner_multiplier(rng: random.Random, sigma: float = 0.3) -> float:
    """A learner's stability multiplier: log-normal around 1."""
    return rng.lognormvariate(0.0, sigma)


def question_trait(seed: int, question_id: str, sigma: float = 0.35) -> Trait:
    """A question's own ease, the same for every learner of a run whatever the order
    they meet it in: a log-normal stability multiplier and a difficulty offset."""
    rng = random.Random(f"{seed}:{question_id}")  # noqa: S311 - a simulation, not a secret
    return Trait(rng.lognormvariate(0.0, sigma), rng.gauss(0.0, 1.0))


def combine(learner: float, question: Trait) -> Trait:
    """A learner's hold on a question: the multipliers multiply, the offset is the
    question's."""
    return Trait(learner * question.multiplier, question.difficulty_offset)


def _initial_difficulty(rating: int, params: Sequence[float]) -> float:
    return params[4] - math.exp(params[5] * (rating - 1)) + 1


def _next_difficulty(difficulty: float, rating: int, params: Sequence[float]) -> float:
    delta = -params[6] * (rating - 3)
    damped = difficulty + (10.0 - difficulty) * delta / 9.0
    target = _initial_difficulty(EASY, params)
    return _clamp(params[7] * target + (1 - params[7]) * damped)


def _clamp(difficulty: float) -> float:
    return min(max(difficulty, MIN_DIFFICULTY), MAX_DIFFICULTY)
