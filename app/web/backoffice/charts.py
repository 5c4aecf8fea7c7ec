"""Server-rendered SVG charts: stacked or grouped bars and lines, no JavaScript.

A chart is a few hundred bytes of SVG per series, drawn here from a
``reports.dashboard.Chart``; it shows in any browser, prints, and needs no
asset. Axis numbers are in the French format (``1 250 000``). Every bar or
point carries a ``<title>`` (a tooltip, and what a screen reader says) and its
figure in ``data-value``, and the chart sits beside a table of the same
numbers, so nothing is only in the picture.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.money import group_thousands
from app.reports.dashboard import Chart

# Okabe-Ito, then a few more: told apart by most colour-blind readers.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#8C6D31",
    "#000000",
    "#999999",
    "#6A3D9A",
    "#B15928",
    "#1F78B4",
)
WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 84, 12, 14, 44
MAX_AXIS_LABELS = 10


@dataclass(frozen=True, slots=True)
class Labels:
    """The French words of one chart: its title, and how to name series and categories."""

    title: str
    series: Callable[[str], str]
    category: Callable[[str], str]
    axis_category: Callable[[str], str]


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def nice_step(span: float, ticks: int = 4) -> int:
    """A step of 1, 2 or 5 times a power of ten giving about ``ticks`` intervals."""
    if span <= 0:
        return 1
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return max(1, int(factor * power))
    return max(1, int(10 * power))


def _extent(chart: Chart) -> tuple[int, int]:
    if not chart.series or not chart.categories:
        return 0, 1
    if chart.kind == "stacked":
        totals = [sum(max(v[i], 0) for _k, v in chart.series) for i in range(len(chart.categories))]
        return 0, max(totals)
    values = [x for _k, v in chart.series for x in v]
    return min(0, *values), max(0, *values)


def _axis(low: int, high: int) -> tuple[int, int, int]:
    """Bottom, top and step of the y axis: round numbers covering ``[low, high]``."""
    step = nice_step(high - low if high > low else 1)
    bottom = math.floor(low / step) * step
    top = max(math.ceil(high / step) * step, bottom + step)
    return bottom, top, step


def svg(chart: Chart, labels: Labels) -> Markup:
    """The chart as an inline ``<svg>`` element (role ``img``, titled)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bottom, top, step = _axis(*_extent(chart))

    def y(value: float) -> float:
        return TOP + plot_h * (top - value) / (top - bottom)

    n = max(len(chart.categories), 1)
    band = plot_w / n
    ident = f"chart-{chart.key}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-labelledby="{ident}-title" id="{ident}" '
        f'data-chart="{escape(chart.key)}">',
        f'<title id="{ident}-title">{escape(labels.title)}</title>',
    ]
    # y axis: grid lines and numbers
    for tick in range(bottom, top + 1, step):
        ty = y(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'class="grid" stroke="#d8dbe0" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a4f57">{group_thousands(tick)}</text>'
        )
    # x axis labels (at most MAX_AXIS_LABELS, evenly spread)
    every = max(1, math.ceil(len(chart.categories) / MAX_AXIS_LABELS))
    for i, category in enumerate(chart.categories):
        if i % every:
            continue
        cx = LEFT + band * (i + 0.5)
        parts.append(
            f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="#4a4f57">{escape(labels.axis_category(category))}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
        f'stroke="#4a4f57" stroke-width="1"/>'
    )
    if chart.kind == "line":
        parts += _lines(chart, labels, band, y)
    else:
        parts += _bars(chart, labels, band, y)
    parts.append("</svg>")
    return Markup("".join(parts))


def _point_title(labels: Labels, series: str, category: str, value: int) -> str:
    return f"{labels.category(category)} · {labels.series(series)} : {group_thousands(value)}"


def _bars(chart: Chart, labels: Labels, band: float, y: Callable[[float], float]) -> list[str]:
    parts = []
    count = len(chart.series)
    for i, category in enumerate(chart.categories):
        x0 = LEFT + band * i + band * 0.1
        width = band * 0.8
        stacked_at = 0
        for s, (key, values) in enumerate(chart.series):
            value = values[i]
            if chart.kind == "stacked":
                if value <= 0:
                    continue
                low, high, x, w = stacked_at, stacked_at + value, x0, width
                stacked_at = high
            else:
                low, high = min(0, value), max(0, value)
                w = width / count
                x = x0 + w * s
            y_top, y_low = y(high), y(low)
            parts.append(
                f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{max(w - 0.5, 0.5):.1f}" '
                f'height="{max(y_low - y_top, 0):.1f}" fill="{colour(s)}" '
                f'data-series="{escape(key)}" data-category="{escape(category)}" '
                f'data-value="{value}"><title>'
                f"{escape(_point_title(labels, key, category, value))}</title></rect>"
            )
    return parts


def _lines(chart: Chart, labels: Labels, band: float, y: Callable[[float], float]) -> list[str]:
    parts = []
    for s, (key, values) in enumerate(chart.series):
        points = [(LEFT + band * (i + 0.5), y(v)) for i, v in enumerate(values)]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour(s)}" stroke-width="2"/>'
        )
        for (px, py), category, value in zip(points, chart.categories, values, strict=True):
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour(s)}" '
                f'data-series="{escape(key)}" data-category="{escape(category)}" '
                f'data-value="{value}"><title>'
                f"{escape(_point_title(labels, key, category, value))}</title></circle>"
            )
    return parts


def swatch(index: int) -> Markup:
    """A small square of a series' colour, for the legend and the table's header."""
    return Markup(
        '<svg class="swatch" viewBox="0 0 10 10" width="10" height="10" aria-hidden="true">'
        f'<rect width="10" height="10" fill="{colour(index)}"/></svg>'
    )


def table_rows(chart: Chart) -> list[tuple[str, list[int]]]:
    """(category, figures) per row: each series, each extra column, and for stacked
    charts the total of the row (what the bar's height shows)."""
    rows = []
    for i, category in enumerate(chart.categories):
        figures = [values[i] for _k, values in chart.series]
        figures += [values[i] for _k, _unit, values in chart.extra]
        if chart.kind == "stacked":
            figures.append(sum(values[i] for _k, values in chart.series))
        rows.append((category, figures))
    return rows


def column_keys(chart: Chart) -> Sequence[str]:
    keys = [k for k, _v in chart.series] + [k for k, _u, _v in chart.extra]
    return [*keys, "total"] if chart.kind == "stacked" else keys
