"""The dashboard: the head office's daily view, and a supervisor's for their office.

``/backoffice/dashboard`` draws the charts of ``reports.dashboard`` (the daily
report's queries over a range of days) as server-rendered SVG, each beside a
table of its numbers and with its CSV (``/backoffice/dashboard/<chart>.csv``).
The range is a GET form (``from``, ``to``; the last 30 days by default). A
supervisor always sees their own office; the head office sees everything, or
one office's view with ``office=<code>``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from flask import Response, render_template, request

from app.clock import local_today
from app.db import transaction
from app.errors import NotFound, ValidationFailed
from app.i18n.web import page_text, web_texts
from app.money import group_thousands
from app.reports.dashboard import (
    MAX_DAYS,
    Chart,
    Dashboard,
    check_range,
    dashboard,
    default_range,
    offices_with_agents,
)
from app.reports.totals import EVERYWHERE, Scope
from app.web.backoffice.access import EVERYONE
from app.web.backoffice.blueprint import Page, allow, blueprint, officer
from app.web.backoffice.charts import Labels, column_keys, svg, swatch, table_rows

OFFICE_CODE = re.compile(r"[A-Za-z0-9_-]{1,20}")


def _text(key: str, fallback: str) -> str:
    """A catalog text, or ``fallback`` for a name the catalog does not know yet (an
    operation type a package adds tomorrow must not break the page)."""
    return web_texts().get(key, fallback)


def _day(raw: str, *, short: bool) -> str:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return raw
    return day.strftime("%d/%m") if short else day.strftime("%d/%m/%Y")


def category_name(chart: Chart, category: str, *, short: bool = False) -> str:
    if chart.axis == "day":
        return _day(category, short=short)
    if chart.axis == "age":
        return _text(f"bo.dash.age.{category}", category)
    if chart.axis == "office" and not short:
        name = chart.names.get(category)
        return f"{category} — {name}" if name else category
    return category


def column_name(chart: Chart, key: str) -> str:
    if chart.key in ("volumes_by_type", "values_by_type") and key != "total":
        return _text(f"bo.dash.op.{key}", key)
    if chart.key in ("volumes_by_channel", "values_by_channel") and key != "total":
        return _text(f"bo.dash.channel.{key}", key)
    return _text(f"bo.dash.col.{key}", key)


def note_key(chart: Chart, office: str | None) -> str:
    """One office's fees are its operations' (the ledger's accounts are no office's)."""
    if office is not None and chart.key == "fees":
        return "bo.dash.note.fees.office"
    return f"bo.dash.note.{chart.key}"


def labels_of(chart: Chart) -> Labels:
    return Labels(
        title=page_text(f"bo.dash.chart.{chart.key}"),
        series=lambda key: column_name(chart, key),
        category=lambda c: category_name(chart, c),
        axis_category=lambda c: category_name(chart, c, short=True),
    )


def _range() -> tuple[date, date, str | None]:
    """The range asked in the query string, or the last 30 days; an error message
    (and the default range) when it cannot be read."""
    first, last = default_range(local_today())
    raw_from, raw_to = request.args.get("from"), request.args.get("to")
    if not raw_from and not raw_to:
        return first, last, None
    try:
        asked_first = date.fromisoformat(raw_from) if raw_from else first
        asked_last = date.fromisoformat(raw_to) if raw_to else last
        check_range(asked_first, asked_last)
    except (ValueError, ValidationFailed):
        return first, last, page_text("bo.dash.range.invalid", days=MAX_DAYS)
    return asked_first, asked_last, None


def _scope() -> Scope:
    """A supervisor's own office, whatever is asked; the head office's choice."""
    own = officer().office_scope
    if own is not None:
        return Scope(own)
    asked = (request.args.get("office") or "").strip()
    return Scope(asked) if OFFICE_CODE.fullmatch(asked) else EVERYWHERE


def _board() -> tuple[Dashboard, list[str], str | None]:
    first, last, error = _range()
    with transaction() as session:
        board = dashboard(session, first, last, _scope())
        offices = offices_with_agents(session) if officer().office_scope is None else []
    return board, offices, error


@blueprint.route("/dashboard")
@allow(*EVERYONE)
def dashboard_page() -> Page:
    board, offices, error = _board()
    charts = [
        {
            "chart": chart,
            "svg": svg(chart, labels_of(chart)),
            "title": page_text(f"bo.dash.chart.{chart.key}"),
            "note": page_text(note_key(chart, board.office)),
            "columns": [column_name(chart, k) for k in column_keys(chart)],
            "drawn": len(chart.series),
            "rows": [(category_name(chart, c), figures) for c, figures in table_rows(chart)],
            "swatches": [swatch(i) for i in range(len(chart.series))],
        }
        for chart in board.charts
    ]
    return render_template(
        "backoffice/dashboard/page.html",
        board=board,
        charts=charts,
        offices=offices,
        error=error,
        figure=group_thousands,
    )


@blueprint.route("/dashboard/<string:chart>.csv")
@allow(*EVERYONE)
def dashboard_csv(chart: str) -> Page:
    """One chart's table as CSV: the same rows and columns as on the page, figures
    as plain integers (francs or counts), days as ``YYYY-MM-DD``."""
    board, _offices, _error = _board()
    try:
        found = board.chart(chart)
    except KeyError:
        raise NotFound("no such chart") from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [page_text(f"bo.dash.axis.{found.axis}")]
        + [column_name(found, k) for k in column_keys(found)]
    )
    for category, figures in table_rows(found):
        writer.writerow([category, *figures])
    scope = f"-{board.office}" if board.office else ""
    name = f"postcash-{found.key}{scope}-{board.first}-{board.last}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )
