"""A council's forgetting curve, fitted from its officers' own answers. Pure.

FSRS's default parameters were fitted on flashcard reviews; officers reading chat cards
between meetings may hold what they learn more or less firmly. If they forget faster than
the model predicts, refreshers come too late and they remember less than the council's
desired retention (and the other way round). So each council gets one number, fitted
from its refresher answers: the **stability scale** k, by which its officers' memories
last k times as long as FSRS predicts (k < 1: they forget faster).

The fit is a maximum a posteriori estimate of log k under the FSRS forgetting curve
R(t) = (1 + FACTOR · t / (k · S)) ** -DECAY, over (days since the last review, the card's
stability before the review, recalled or not) of recent refresher answers, with a normal
prior on log k centred on 0 (k = 1: the defaults), so a council with few answers stays
close to the defaults. An answer the officer marked "I guessed" counts as not recalled.

The scale changes when refreshers come, not what the council asked for: the scheduler
is given the retention at which FSRS's own intervals are k times as long
(`scheduling_retention`), so the officers' true recall at each refresher is the desired
retention. The predicted recall on team reports and the heat map is still FSRS's own
(unscaled): it ranks topics, and the scale moves every topic of a council alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.srs import DECAY, FACTOR

DEFAULT_SCALE = 1.0  # FSRS's defaults, unchanged: a council before its first fit
MIN_REVIEWS = 100  # fewer refresher answers than this: keep the defaults (k = 1)
PRIOR_SD = 0.5  # the prior's standard deviation of log k: k within about 0.4 to 2.7
SCALE_BOUNDS = (0.25, 4.0)
RETENTION_BOUNDS = (0.7, 0.97)  # FSRS's advice, as for the council setting


@dataclass(frozen=True)
class Outcome:
    """One refresher answer: days since the card's last review, its stability then (days),
    and whether the officer recalled the answer (right, and not marked a guess)."""

    elapsed_days: float
    stability: float
    recalled: bool


@dataclass(frozen=True)
class Fit:
    """A council's fitted stability scale and how many answers it rests on."""

    scale: float
    reviews: int


def fit_scale(outcomes: Iterable[Outcome]) -> Fit:
    """The stability scale that best explains the answers (the default with too few)."""
    usable = [o for o in outcomes if o.stability > 0 and o.elapsed_days >= 0]
    if len(usable) < MIN_REVIEWS:
        return Fit(DEFAULT_SCALE, len(usable))
    low, high = (math.log(bound) for bound in SCALE_BOUNDS)
    # The log-posterior is concave in log k for this curve: golden-section search finds
    # its maximum to well under 1% in 40 steps.
    ratio = (math.sqrt(5) - 1) / 2
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = _log_posterior(c, usable), _log_posterior(d, usable)
    for _ in range(40):
        if fc > fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = _log_posterior(c, usable)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = _log_posterior(d, usable)
    return Fit(round(math.exp((a + b) / 2), 3), len(usable))


def _log_posterior(log_scale: float, outcomes: list[Outcome]) -> float:
    scale = math.exp(log_scale)
    total = -(log_scale**2) / (2 * PRIOR_SD**2)
    for outcome in outcomes:
        recall = (1 + FACTOR * outcome.elapsed_days / (scale * outcome.stability)) ** -DECAY
        recall = min(max(recall, 1e-6), 1 - 1e-6)
        total += math.log(recall if outcome.recalled else 1 - recall)
    return total


def scheduling_retention(desired: float, scale: float) -> float:
    """The retention to give FSRS so that its intervals are `scale` times as long as at
    `desired`: then officers whose memories last `scale` times as long as FSRS predicts
    recall at `desired` when a refresher comes. Kept within `RETENTION_BOUNDS`."""
    if scale == DEFAULT_SCALE:
        return desired
    stretched = scale * (desired ** (-1 / DECAY) - 1)
    retention = (1 + stretched) ** -DECAY
    low, high = RETENTION_BOUNDS
    return round(min(max(float(retention), low), high), 4)
