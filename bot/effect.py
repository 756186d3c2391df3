"""The learning-effect measure, pure: which points of a module are measured, and what the
check-ups say (issue 13).

For each learner and module, two refresher questions that have variants are chosen at
random (seeded, so the same every time it is worked out): one is *refreshed* as usual, the
other is *held out*, never sent as a refresher. Before the module a pre-test asks a variant
of each; about 30 and 90 days after it, check-ups inside the refresher round ask a variant
of each again. Comparing how often the two are remembered measures what the refreshers
add, for every council, without a separate study (after Kerfoot et al., 2010).

A check-up counts as remembered when it is answered right and the learner did not tap "I
guessed". Proportions carry Wilson score intervals; the difference carries Newcombe's
hybrid score interval (method 10, 1998), built from the two Wilson intervals.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lessons.model import Module, Question

CHECKUP_DAYS = (30, 90)
PRETEST = "pretest"
CHECKUP = "checkup"
REFRESHED = "refreshed"
HOLDOUT = "holdout"
Z95 = 1.959963984540054  # the normal quantile for a two-sided 95% interval
MIN_TEAM = 5  # a team's effect is shown only with at least this many learners


@dataclass(frozen=True)
class MeasuredPoints:
    """The two points of a module measured for one learner, and the variants asked."""

    refreshed: str  # quiz question ids
    holdout: str
    refreshed_pretest: str  # variant ids
    holdout_pretest: str
    refreshed_checkup: str
    holdout_checkup: str


def measured_points(module: Module, seed: str) -> MeasuredPoints | None:
    """Choose the refreshed and held-out points (None when fewer than two refresher
    questions of the module have variants)."""
    variants: dict[str, list[Question]] = {}
    for variant in module.variants:
        variants.setdefault(variant.variant_of or "", []).append(variant)
    candidates = [q.id for q in module.questions if q.refresher and q.id in variants]
    if len(candidates) < 2:
        return None
    rng = random.Random(seed)  # noqa: S311 - a random choice for a measure, not a secret
    holdout, refreshed = rng.sample(candidates, 2)
    return MeasuredPoints(
        refreshed,
        holdout,
        variants[refreshed][0].id,
        variants[holdout][0].id,
        # A second variant where there is one, so the check-up is new wording again.
        variants[refreshed][-1].id,
        variants[holdout][-1].id,
    )


@dataclass(frozen=True)
class StartMeasure:
    """Effect: the learner started a module that is measured: record its pre-test probes."""

    module_id: str
    points: MeasuredPoints


@dataclass(frozen=True)
class AnswerPretest:
    """Effect: a pre-test answer (not a spaced-repetition review)."""

    module_id: str
    point: str
    correct: bool


@dataclass(frozen=True)
class CompleteMeasure:
    """Effect: the module is done: hold its held-out point back from refreshers, and plan
    the check-ups `CHECKUP_DAYS` after `completed_on` (the learner's local date)."""

    module_id: str
    points: MeasuredPoints
    completed_on: dt.date


@dataclass(frozen=True)
class AnswerCheckup:
    """Effect: a check-up answered inside a round (not a spaced-repetition review)."""

    probe_id: int
    correct: bool
    round_id: int
    round_item: int


@dataclass(frozen=True)
class GuessCheckup:
    """Effect: "I guessed" on a check-up's feedback."""

    probe_id: int


def measure_seed(learner_id: int, module_id: str) -> str:
    """The seed that makes a learner's choice for a module the same every time."""
    return f"effect:{learner_id}:{module_id}"


@dataclass(frozen=True)
class Probe:
    """One answered (or unanswered) probe, as the report reads it."""

    learner_id: int
    module_id: str
    kind: str  # PRETEST or CHECKUP
    point: str  # REFRESHED or HOLDOUT
    day: int  # 0 for the pre-test, 30 or 90 for check-ups
    correct: bool | None  # None: not answered
    guessed: bool = False

    @property
    def remembered(self) -> bool:
        """Answered right without "I guessed"."""
        return bool(self.correct) and not self.guessed


@dataclass(frozen=True)
class Share:
    """A proportion with its Wilson 95% interval (all as fractions 0 to 1)."""

    hits: int
    total: int
    low: float
    high: float

    @property
    def value(self) -> float | None:
        """The proportion, None without data."""
        return self.hits / self.total if self.total else None


@dataclass(frozen=True)
class Effect:
    """The effect at one delay: refreshed against held-out points, and the difference in
    percentage points with its 95% interval; `pairs` counts learner-modules with both."""

    day: int
    refreshed: Share
    holdout: Share
    difference: float | None  # points
    low: float | None
    high: float | None
    pairs: int
    checkups: int


def wilson(hits: int, total: int, z: float = Z95) -> Share:
    """The Wilson score interval of hits/total."""
    if total == 0:
        return Share(0, 0, 0.0, 1.0)
    p = hits / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    scale = 1 + z * z / total
    return Share(
        hits, total, max(0.0, (centre - margin) / scale), min(1.0, (centre + margin) / scale)
    )


def effect_at(probes: Iterable[Probe], day: int) -> Effect:
    """Refreshed against held-out check-ups answered at one delay."""
    answered = [p for p in probes if p.kind == CHECKUP and p.day == day and p.correct is not None]
    refreshed = [p for p in answered if p.point == REFRESHED]
    holdout = [p for p in answered if p.point == HOLDOUT]
    r = wilson(sum(p.remembered for p in refreshed), len(refreshed))
    h = wilson(sum(p.remembered for p in holdout), len(holdout))
    pairs = len(
        {(p.learner_id, p.module_id) for p in refreshed}
        & {(p.learner_id, p.module_id) for p in holdout}
    )
    if r.value is None or h.value is None:
        return Effect(day, r, h, None, None, None, pairs, len(answered))
    difference = r.value - h.value
    low = difference - math.sqrt((r.value - r.low) ** 2 + (h.high - h.value) ** 2)
    high = difference + math.sqrt((r.high - r.value) ** 2 + (h.value - h.low) ** 2)
    return Effect(day, r, h, 100 * difference, 100 * low, 100 * high, pairs, len(answered))


@dataclass(frozen=True)
class EffectReport:
    """The measure for one group (a council, a team or a module)."""

    name: str
    learners: int
    pretest: Share
    at: tuple[Effect, ...]  # one per CHECKUP_DAYS

    @property
    def gain_points(self) -> float | None:
        """Refreshed points remembered at the longest delay, minus the pre-test's correct
        share: what the learner gained since before the module."""
        last = self.at[-1].refreshed.value
        before = self.pretest.value
        return None if last is None or before is None else 100 * (last - before)


def report(name: str, probes: Sequence[Probe]) -> EffectReport:
    """The measure over a group's probes."""
    pre = [p for p in probes if p.kind == PRETEST and p.correct is not None]
    return EffectReport(
        name,
        len({p.learner_id for p in probes}),
        wilson(sum(bool(p.correct) for p in pre), len(pre)),
        tuple(effect_at(probes, day) for day in CHECKUP_DAYS),
    )


def summary_text(effect: Effect) -> str:
    """The plain-English line a council reads."""
    r, h = effect.refreshed.value, effect.holdout.value
    if r is None or h is None or effect.low is None or effect.high is None:
        return f"Not enough check-ups at {effect.day} days yet."
    return (
        f"Refreshed points: {round(100 * r)}% remembered after {effect.day} days; points not "
        f"refreshed: {round(100 * h)}%. Difference {signed(effect.difference)} points "
        f"(95% CI {signed(effect.low)} to {signed(effect.high)}), from "
        f"{effect.checkups} check-ups."
    )


def signed(value: float | None) -> str:
    """Points rounded to a whole number with their sign, as the summary writes them:
    "+18", "0", "-4" (the dashboard shows differences the same way)."""
    number = round(value or 0.0)
    return f"+{number}" if number > 0 else str(number)


@dataclass(frozen=True)
class CouncilEffect:
    """The measure for a council, its teams (only those with at least `MIN_TEAM` learners
    with probes; the rest are counted in `teams_withheld`) and its modules."""

    council: EffectReport
    teams: tuple[EffectReport, ...]
    teams_withheld: int
    modules: tuple[EffectReport, ...]


def council_effect(
    name: str,
    probes: Sequence[tuple[Probe, str | None]],
    module_titles: Mapping[str, str],
) -> CouncilEffect:
    """The measure for a council's probes, each with its learner's team name (or None)."""
    by_team: dict[str, list[Probe]] = {}
    by_module: dict[str, list[Probe]] = {}
    for item, team in probes:
        if team is not None:
            by_team.setdefault(team, []).append(item)
        by_module.setdefault(item.module_id, []).append(item)
    teams = [report(team, rows) for team, rows in sorted(by_team.items())]
    shown = tuple(t for t in teams if t.learners >= MIN_TEAM)
    modules = tuple(
        report(module_titles.get(module, module), rows)
        for module, rows in sorted(by_module.items())
    )
    return CouncilEffect(
        report(name, [p for p, _team in probes]), shown, len(teams) - len(shown), modules
    )


def as_dict(effect: EffectReport) -> dict[str, object]:
    """A report as plain values (for JSON), percentages rounded to one decimal."""

    def pct(value: float | None) -> float | None:
        return None if value is None else round(100 * value, 1)

    def points(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "name": effect.name,
        "learners": effect.learners,
        "pretest_correct": pct(effect.pretest.value),
        "pretest_answers": effect.pretest.total,
        "gain_points": points(effect.gain_points),
        "delays": [
            {
                "days": e.day,
                "refreshed_remembered": pct(e.refreshed.value),
                "refreshed_ci": [pct(e.refreshed.low), pct(e.refreshed.high)],
                "holdout_remembered": pct(e.holdout.value),
                "holdout_ci": [pct(e.holdout.low), pct(e.holdout.high)],
                "difference_points": points(e.difference),
                "difference_ci": [points(e.low), points(e.high)],
                "pairs": e.pairs,
                "checkups": e.checkups,
                "summary": summary_text(e),
            }
            for e in effect.at
        ],
    }
