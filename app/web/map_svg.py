"""The offices on a map drawn on the server as SVG: no tiles, no script, no request out.

Each office with a GPS position is a dot, red when its float is below its
threshold, green otherwise. Positions are projected equirectangularly (longitude
scaled by the cosine of the mean latitude: at the equator, where the Congo
lies, this is close to what a web map shows), framed on the offices drawn.
Brazzaville and Pointe-Noire are ~400 km apart and each town's offices within
a few km, so towns are drawn as separate panels side by side, each framed on
its own offices; otherwise a town's offices would fall on one pixel. The table
beside the map carries the same figures for screen readers and printing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from app.money import format_amount

PANEL = 320  # width and height of one town's panel, in SVG units
MARGIN = 28
ALERT = "#b00020"
OK = "#1e7b34"


def _panels(levels: Sequence[Any]) -> dict[str, list[Any]]:
    towns: dict[str, list[Any]] = {}
    for level in levels:
        if level.latitude is not None and level.longitude is not None:
            towns.setdefault(level.town, []).append(level)
    return towns


def project(points: Sequence[tuple[float, float]], size: float) -> list[tuple[float, float]]:
    """(latitude, longitude) → (x, y) inside a ``size`` square with a margin, north up,
    the same scale on both axes."""
    if not points:
        return []
    mean_lat = sum(p[0] for p in points) / len(points)
    scale_x = math.cos(math.radians(mean_lat))
    xs = [p[1] * scale_x for p in points]
    ys = [-p[0] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    usable = size - 2 * MARGIN
    cx = (max(xs) + min(xs)) / 2
    cy = (max(ys) + min(ys)) / 2
    return [
        (size / 2 + (x - cx) / span * usable, size / 2 + (y - cy) / span * usable)
        for x, y in zip(xs, ys, strict=True)
    ]


def office_map(levels: Sequence[Any], *, title: str, alert_label: str, ok_label: str) -> Markup:
    """The ``<svg>`` of the offices' float levels, one panel per town."""
    towns = _panels(levels)
    if not towns:
        return Markup("")
    width = PANEL * len(towns)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {PANEL + 30}" '
        f'class="office-map" role="img" aria-labelledby="map-title">'
        f'<title id="map-title">{escape(title)}</title>'
    ]
    for index, (town, offices) in enumerate(sorted(towns.items())):
        left = index * PANEL
        parts.append(
            f'<g transform="translate({left} 0)"><rect x="2" y="2" width="{PANEL - 4}" '
            f'height="{PANEL - 4}" fill="#eef3f8" stroke="#c9d3de"/>'
            f'<text x="{PANEL / 2}" y="{PANEL + 20}" text-anchor="middle" '
            f'font-size="15" font-weight="600">{escape(town)}</text>'
        )
        points = project([(o.latitude, o.longitude) for o in offices], PANEL)
        for office, (x, y) in zip(offices, points, strict=True):
            colour = ALERT if office.alert else OK
            state = alert_label if office.alert else ok_label
            label = f"{office.name} : {format_amount(office.total)} ({state})"
            # Not by colour alone: an office below its threshold also carries a "!".
            mark = (
                f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="11" '
                f'font-weight="700" fill="#fff">!</text>'
                if office.alert
                else ""
            )
            parts.append(
                f"<g><title>{escape(label)}</title>"
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{colour}" stroke="#fff" '
                f'stroke-width="2"/>{mark}<text x="{x:.1f}" y="{y - 12:.1f}" '
                f'text-anchor="middle" font-size="11">{escape(office.code)}</text></g>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
