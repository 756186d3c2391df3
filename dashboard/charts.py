"""Server-rendered SVG charts: geometry computed here, drawn by the templates.

Each chart carries its own title and a one-sentence summary (the SVG's text alternative);
the page shows the same numbers in a data table beside it, so no one needs the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
LEFT = 48  # room for the value axis labels
BOTTOM = 32  # room for the week labels
TOP = 12


@dataclass(frozen=True)
class Bar:
    """One bar (or one point, for a line chart) with its label and value text."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    kind: str = ""  # a CSS class telling series apart (their labels say it in words too)


@dataclass(frozen=True)
class Whisker:
    """A 95% interval drawn over a bar: the x of its centre and the y of its two ends."""

    x: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Tick:
    """A value-axis gridline."""

    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    """A drawn chart: bars or points, gridlines, and the polyline for a line chart."""

    title: str
    summary: str
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    line: str  # SVG polyline points ("x,y x,y"), empty for bar charts
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    whiskers: tuple[Whisker, ...] = ()


def bar_chart(title: str, summary: str, labels: Sequence[str], values: Sequence[int]) -> Chart:
    """Vertical bars, one per label, scaled to the largest value (at least 1)."""
    top = max([1, *values])
    slot = (WIDTH - LEFT) / max(1, len(values))
    bars = tuple(
        Bar(
            LEFT + index * slot + slot * 0.15,
            _y(value, top),
            slot * 0.7,
            _y(0, top) - _y(value, top),
            label,
            str(value),
        )
        for index, (label, value) in enumerate(zip(labels, values, strict=True))
    )
    return Chart(title, summary, bars, _ticks(top, ""), "")


def line_chart(
    title: str, summary: str, labels: Sequence[str], values: Sequence[int | None]
) -> Chart:
    """Percent values (0-100) as points joined by a line; gaps where a value is None."""
    slot = (WIDTH - LEFT) / max(1, len(values))
    points = tuple(
        Bar(LEFT + index * slot + slot / 2, _y(value, 100), 0, 0, label, f"{value}%")
        for index, (label, value) in enumerate(zip(labels, values, strict=True))
        if value is not None
    )
    line = " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)
    return Chart(title, summary, points, _ticks(100, "%"), line)


@dataclass(frozen=True)
class Interval:
    """A percentage (0-100) with its 95% interval, for `interval_chart`; value None: no data."""

    label: str
    kind: str
    value: float | None
    low: float = 0.0
    high: float = 0.0


def interval_chart(title: str, summary: str, items: Sequence[Interval]) -> Chart:
    """Percent bars with their 95% intervals as whiskers (one per bar, in the same order);
    an item without data keeps its place, with no bar, a flat whisker and "no data"."""
    slot = (WIDTH - LEFT) / max(1, len(items))
    bars = []
    whiskers = []
    for index, item in enumerate(items):
        # Bars right of centre: the value is written to the bar's left, clear of the axis.
        x = LEFT + index * slot + slot * 0.3
        width = slot * 0.5
        if item.value is None:
            bars.append(Bar(x, _y(0, 100), width, 0, item.label, "no data", item.kind))
            whiskers.append(Whisker(x + width / 2, _y(0, 100), _y(0, 100)))
            continue
        bars.append(
            Bar(
                x,
                _y(item.value, 100),
                width,
                _y(0, 100) - _y(item.value, 100),
                item.label,
                f"{round(item.value)}%",
                item.kind,
            )
        )
        whiskers.append(Whisker(x + width / 2, _y(item.high, 100), _y(item.low, 100)))
    return Chart(title, summary, tuple(bars), _ticks(100, "%"), "", whiskers=tuple(whiskers))


def _y(value: float, top: int) -> float:
    return TOP + (HEIGHT - BOTTOM - TOP) * (1 - value / top)


def _ticks(top: int, unit: str) -> tuple[Tick, ...]:
    steps = min(4, top)  # whole numbers only: no repeated labels on small counts
    return tuple(
        Tick(_y(round(top * step / steps), top), f"{round(top * step / steps)}{unit}")
        for step in range(steps + 1)
    )
