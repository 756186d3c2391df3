"""The Learning effect page's numbers as text, and its chart, from the one measure in
`bot.effect` (issue 13). Nothing is computed here: the page shows the report's shares,
differences and intervals, rounded the way the summary line rounds them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.effect import HOLDOUT, REFRESHED, Effect, EffectReport, Share, signed, summary_text
from dashboard import charts
from storage.capability import Distribution, EffectBenchmark


@dataclass(frozen=True)
class DelayRow:
    """One delay of a group: the cells of its table row."""

    days: int
    refreshed: str
    holdout: str
    difference: str
    pairs: int
    checkups: int


@dataclass(frozen=True)
class GroupRows:
    """A council, team or module: its name, learners, pre-test, gain and its delays."""

    name: str
    learners: int
    pretest: str
    gain: str
    delays: tuple[DelayRow, ...]


def share_text(share: Share) -> str:
    """'88% (53% to 98%)', or 'no check-ups' without any."""
    if share.value is None:
        return "no check-ups"
    return f"{_pct(share.value)} ({_pct(share.low)} to {_pct(share.high)})"


def difference_text(effect: Effect) -> str:
    """'+62 (+14 to +83)' points, or 'not enough check-ups' without both kinds."""
    if effect.difference is None:
        return "not enough check-ups"
    return f"{signed(effect.difference)} ({signed(effect.low)} to {signed(effect.high)})"


def group_rows(report: EffectReport, name: str | None = None) -> GroupRows:
    """A report's table rows (`name` replaces the report's own, e.g. "Your teams")."""
    pretest = report.pretest
    gain = report.gain_points
    return GroupRows(
        name or report.name,
        report.learners,
        f"{_pct(pretest.value)} of {pretest.total}" if pretest.value is not None else "none yet",
        signed(gain) if gain is not None else "not yet",
        tuple(
            DelayRow(
                effect.day,
                share_text(effect.refreshed),
                share_text(effect.holdout),
                difference_text(effect),
                effect.pairs,
                effect.checkups,
            )
            for effect in report.at
        ),
    )


def summary_lines(report: EffectReport) -> list[str]:
    """The plain-English line for each delay (`bot.effect.summary_text`)."""
    return [summary_text(effect) for effect in report.at]


def effect_chart(report: EffectReport, title: str) -> charts.Chart:
    """Refreshed and held-out points remembered at each delay, with their intervals."""
    items = []
    for effect in report.at:
        for kind, share, label in (
            (REFRESHED, effect.refreshed, "Refreshed"),
            (HOLDOUT, effect.holdout, "Held out"),
        ):
            value = None if share.value is None else 100 * share.value
            items.append(
                charts.Interval(
                    f"{label}, {effect.day} days", kind, value, 100 * share.low, 100 * share.high
                )
            )
    return charts.interval_chart(title, " ".join(summary_lines(report)), items)


def benchmark_rows(found: EffectBenchmark) -> list[tuple[str, str]]:
    """The council's difference at the last check-up beside all councils' and its tier's,
    as (label, text) pairs; a withheld distribution says why."""
    own = (
        f"{signed(found.difference)} points (95% CI {signed(found.low)} to "
        f"{signed(found.high)}), from {found.pairs} pairs"
        if found.difference is not None
        else "no difference yet: check-ups of both kinds are needed"
    )
    rows = [(f"Your council, {found.day} days", own)]
    rows.append(("All councils", _spread(found.all_councils, found.min_councils)))
    tier = (
        _spread(found.tier, found.min_councils)
        if found.council_tier
        else "your council has no tier set (the operator sets it with bites council tier)"
    )
    rows.append(("Councils of your tier", tier))
    return rows


def _spread(found: Distribution | None, least: int) -> str:
    if found is None:
        return (
            f"withheld: shown only when at least {least} councils have a difference, "
            "so that no council can be singled out"
        )
    return (
        f"median {signed(found.median)} points, half of councils between "
        f"{signed(found.lower_quartile)} and {signed(found.upper_quartile)} "
        f"({found.councils} councils)"
    )


def _pct(value: float | None) -> str:
    return f"{round(100 * (value or 0.0))}%"
