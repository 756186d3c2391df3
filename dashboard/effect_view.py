"""The Learning effect page's numbers as text, and its chart, from the one measure in
`bot.effect` (issue 13). Nothing is computed here: the page shows the report's shares,
differences and intervals, rounded the way the summary line rounds them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.effect import HOLDOUT, REFRESHED, Effect, EffectReport, Share, signed, summary_text
from dashboard import charts


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


def _pct(value: float | None) -> str:
    return f"{round(100 * (value or 0.0))}%"
