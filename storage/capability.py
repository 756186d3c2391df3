"""Self-assessment answers and the anonymous capability benchmark.

A learner's answer per NAO area is their latest `assessment` row for it. A council's level
in an area is the median of its people's latest levels. The benchmark sets a council's
profile beside the distribution of all councils' levels (and of its tier's) as quartiles,
and withholds any distribution with fewer than `MIN_COUNCILS` contributing councils. No
minimum or maximum is ever shown, and a tier figure is withheld too when the councils
outside the tier are between 1 and `MIN_COUNCILS - 1`, since comparing the two figures
could then reveal those few councils.

The learning effect joins it (issue 13): each council's difference between refreshed and
held-out points remembered at the 90-day check-up, worked out by `bot.effect.effect_at`
(the same as its Learning effect page), set beside the quartiles of all councils'
differences under the same rules.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.effect import CHECKUP_DAYS, effect_at
from bot.records import AssessmentFacts, RecordAssessment
from lessons.maturity import DEFAULT_AREAS, MaturityModel, parse_areas
from storage.council_tables import Assessment
from storage.effect_probes import checkups_by_council
from storage.tables import Council, Learner

MIN_COUNCILS = 5


@dataclass(frozen=True)
class Distribution:
    """Quartiles of the councils' levels in one area (1 Minimum … 5 Innovator)."""

    councils: int
    lower_quartile: float
    median: float
    upper_quartile: float


@dataclass(frozen=True)
class AreaBenchmark:
    """One area: the council's own level and target (medians of its people's answers),
    how many of its people answered, and the anonymous distributions (None = withheld)."""

    area: int
    level: float | None
    target: float | None
    respondents: int
    all_councils: Distribution | None
    tier: Distribution | None


@dataclass(frozen=True)
class Benchmark:
    """A council's profile against all councils and its tier."""

    council_id: int
    tier: str | None
    areas: tuple[AreaBenchmark, ...]
    min_councils: int = MIN_COUNCILS


def council_areas(row: Council) -> tuple[int, ...]:
    """The NAO areas a council assesses (its `nao_areas`, default 1-8)."""
    return parse_areas(row.nao_areas) or DEFAULT_AREAS


def assessment_facts(
    session: Session, learner_id: int, council_id: int, model: MaturityModel
) -> AssessmentFacts:
    """The model, the council's areas and the learner's latest answer per area."""
    council = session.get(Council, council_id)
    areas = council_areas(council) if council else DEFAULT_AREAS
    rows = session.exec(
        select(Assessment)
        .where(Assessment.learner_id == learner_id, Assessment.council_id == council_id)
        .order_by(col(Assessment.at), col(Assessment.id))
    ).all()
    answers = {row.area: (row.level, row.target) for row in rows}  # later rows win
    return AssessmentFacts(model, areas, answers)


def record_assessment(
    session: Session, learner_id: int, effect: RecordAssessment, at: dt.datetime
) -> None:
    """Effect handler: store one answer (append-only; the latest per area counts)."""
    session.add(
        Assessment(
            council_id=effect.council_id,
            learner_id=learner_id,
            area=effect.area,
            level=effect.level,
            target=effect.target,
            at=at,
        )
    )


def benchmark(engine: Engine, council_id: int, min_councils: int = MIN_COUNCILS) -> Benchmark:
    """A council's profile beside the anonymous distributions, per area it assesses."""
    with Session(engine) as session:
        council = session.get(Council, council_id)
        if council is None:
            raise LookupError(f"no council with id {council_id}")
        tiers = {row.id: row.tier for row in session.exec(select(Council)).all()}
        levels = _council_levels(session)
    own = levels.get(council_id, {})
    rows = []
    for area in council_areas(council):
        mine = own.get(area)
        everyone = {c: by_area[area] for c, by_area in levels.items() if area in by_area}
        same_tier = [
            v for c, v in everyone.items() if council.tier and tiers.get(c) == council.tier
        ]
        tier_ok = not _singles_out(len(same_tier), len(everyone), min_councils)
        rows.append(
            AreaBenchmark(
                area=area,
                level=mine.level if mine else None,
                target=mine.target if mine else None,
                respondents=mine.respondents if mine else 0,
                all_councils=_distribution([v.level for v in everyone.values()], min_councils),
                tier=_distribution([v.level for v in same_tier], min_councils) if tier_ok else None,
            )
        )
    return Benchmark(council_id, council.tier, tuple(rows), min_councils)


def anonymous_distribution(
    engine: Engine, tier: str | None = None, min_councils: int = MIN_COUNCILS
) -> dict[int, Distribution | None]:
    """For a platform admin: the distribution of councils' levels per NAO area (1-11),
    optionally of one tier; withheld (None) below `min_councils`. No council is named."""
    with Session(engine) as session:
        tiers = {row.id: row.tier for row in session.exec(select(Council)).all()}
        levels = _council_levels(session)
    chosen = {c: v for c, v in levels.items() if tier is None or tiers.get(c) == tier}
    if tier is not None and _singles_out(len(chosen), len(levels), min_councils):
        return dict.fromkeys(range(1, 12))
    return {
        area: _distribution(
            [by_area[area].level for by_area in chosen.values() if area in by_area], min_councils
        )
        for area in range(1, 12)
    }


@dataclass(frozen=True)
class _CouncilArea:
    level: float
    target: float
    respondents: int


def _council_levels(session: Session) -> dict[int, dict[int, _CouncilArea]]:
    """Per council and area: the median of its people's latest answers. Only answers of
    people still in that council count."""
    rows = session.exec(
        select(Assessment)
        .join(Learner, col(Learner.id) == col(Assessment.learner_id))
        .where(col(Learner.council_id) == col(Assessment.council_id))
        .order_by(col(Assessment.at), col(Assessment.id))
    ).all()
    latest: dict[tuple[int, int, int], tuple[int, int]] = {}
    for row in rows:
        latest[(row.council_id, row.area, row.learner_id)] = (row.level, row.target)
    grouped: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for (council_id, area, _learner), answer in latest.items():
        grouped[(council_id, area)].append(answer)
    result: dict[int, dict[int, _CouncilArea]] = defaultdict(dict)
    for (council_id, area), answers in grouped.items():
        result[council_id][area] = _CouncilArea(
            float(statistics.median(a[0] for a in answers)),
            float(statistics.median(a[1] for a in answers)),
            len(answers),
        )
    return dict(result)


@dataclass(frozen=True)
class EffectBenchmark:
    """A council's learning effect at 90 days (refreshed minus held-out points remembered,
    in percentage points, with its 95% interval and pairs; None without check-ups of both
    kinds) beside the anonymous distributions of councils' differences (None = withheld)."""

    council_id: int
    day: int
    difference: float | None
    low: float | None
    high: float | None
    pairs: int
    all_councils: Distribution | None
    tier: Distribution | None
    council_tier: str | None = None
    min_councils: int = MIN_COUNCILS


def effect_benchmark(
    engine: Engine, council_id: int, min_councils: int = MIN_COUNCILS
) -> EffectBenchmark:
    """A council's learning effect at the last check-up beside all councils' and its tier's
    (a council contributes once it has a difference: check-ups of both kinds answered)."""
    day = CHECKUP_DAYS[-1]
    with Session(engine) as session:
        council = session.get(Council, council_id)
        if council is None:
            raise LookupError(f"no council with id {council_id}")
        tiers = {row.id: row.tier for row in session.exec(select(Council)).all()}
        probes = checkups_by_council(session, day)
    effects = {key: effect_at(rows, day) for key, rows in probes.items()}
    everyone = {c: e.difference for c, e in effects.items() if e.difference is not None}
    same_tier = [v for c, v in everyone.items() if council.tier and tiers.get(c) == council.tier]
    tier_ok = not _singles_out(len(same_tier), len(everyone), min_councils)
    own = effects.get(council_id) or effect_at([], day)
    return EffectBenchmark(
        council_id,
        day,
        own.difference,
        own.low,
        own.high,
        own.pairs,
        _distribution(list(everyone.values()), min_councils),
        _distribution(same_tier, min_councils) if tier_ok else None,
        council.tier,
        min_councils,
    )


def anonymous_effect(
    engine: Engine, tier: str | None = None, min_councils: int = MIN_COUNCILS
) -> Distribution | None:
    """For a platform admin: the distribution of councils' learning effect at the last
    check-up, optionally of one tier; withheld (None) as `anonymous_distribution` is."""
    day = CHECKUP_DAYS[-1]
    with Session(engine) as session:
        tiers = {row.id: row.tier for row in session.exec(select(Council)).all()}
        probes = checkups_by_council(session, day)
    differences = {c: effect_at(rows, day).difference for c, rows in probes.items()}
    everyone = {c: d for c, d in differences.items() if d is not None}
    chosen = [d for c, d in everyone.items() if tier is None or tiers.get(c) == tier]
    if tier is not None and _singles_out(len(chosen), len(everyone), min_councils):
        return None
    return _distribution(chosen, min_councils)


def _singles_out(inside: int, total: int, min_councils: int) -> bool:
    """Whether a group's figure (of `inside` councils out of `total`) must be withheld even
    with enough councils in it: it is empty, or comparing it with the all-councils figure
    would reveal the 1 to `min_councils - 1` councils outside it."""
    outside = total - inside
    return inside == 0 or 0 < outside < min_councils


def _distribution(values: Sequence[float], min_councils: int) -> Distribution | None:
    if len(values) < max(min_councils, 2):
        return None
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Distribution(len(values), round(q1, 2), round(median, 2), round(q3, 2))


class AssessmentReads:
    """The Transaction method the self-assessment flow needs (mixed into SqlTransaction)."""

    session: Session

    def assessment_facts(
        self, learner_id: int, council_id: int, model: MaturityModel
    ) -> AssessmentFacts:
        """The model, the council's NAO areas and the learner's latest answer per area."""
        return assessment_facts(self.session, learner_id, council_id, model)
