"""The dashboard's SVG charts (app/web/backoffice/charts.py) and the words they need."""

import re

import pytest

from app.i18n.web import web_texts
from app.reports.dashboard import AGE_BUCKETS, Chart, age_label
from app.reports.sources import REMITTANCE_SENDS, TRANSFER_OPERATIONS
from app.reports.totals import CHANNELS, channel_of
from app.transfers.models import TRANSFER_TYPES
from app.web.backoffice.charts import Labels, nice_step, svg, table_rows

LABELS = Labels("Titre", series=str, category=str, axis_category=str)


def marks(drawn):
    return re.findall(r'data-series="([^"]+)" data-category="([^"]+)" data-value="(-?\d+)"', drawn)


def bars(drawn):
    """(y, height) of each bar, by its data attributes."""
    found = {}
    for attrs in re.findall(r"<rect ([^>]*data-series[^>]*)>", drawn):
        get = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
        found[(get["data-series"], get["data-category"])] = (float(get["y"]), float(get["height"]))
    return found


def day_chart(kind, series):
    return Chart("c", kind, "xaf", "day", ["2026-11-27", "2026-11-28"], series)


@pytest.mark.parametrize(
    ("span", "step"), [(3, 1), (10, 5), (40_000, 10_000), (1_250_000, 500_000), (0, 1)]
)
def test_the_y_axis_steps_are_round_numbers(span, step):
    assert nice_step(span) == step


def test_stacked_bars_sit_on_each_other_and_skip_zeros():
    drawn = svg(day_chart("stacked", [("a", [0, 30_000]), ("b", [0, 5_000])]), LABELS)
    found = bars(drawn)
    assert set(found) == {("a", "2026-11-28"), ("b", "2026-11-28")}
    (a_y, a_h), (b_y, b_h) = found[("a", "2026-11-28")], found[("b", "2026-11-28")]
    assert b_y + b_h == pytest.approx(a_y, abs=0.2)  # b on top of a
    assert a_h == pytest.approx(6 * b_h, abs=1)


def test_the_axis_is_in_french_figures_and_each_bar_titled():
    drawn = svg(day_chart("grouped", [("fees", [1_250_000, 0])]), LABELS)
    assert ">1 500 000</text>" in drawn
    assert "<title>2026-11-27 · fees : 1 250 000</title>" in drawn
    assert 'role="img"' in drawn and '<title id="chart-c-title">Titre</title>' in drawn


def test_a_negative_figure_draws_below_the_zero_line():
    drawn = svg(day_chart("grouped", [("fees", [100, -50])]), LABELS)
    (up_y, up_h), (down_y, down_h) = bars(drawn).values()
    assert down_y == pytest.approx(up_y + up_h, abs=0.2)  # both touch the zero line
    assert down_h == pytest.approx(up_h / 2, abs=0.2)
    assert ">-50</text>" in drawn


def test_a_line_chart_has_a_point_per_day_and_series():
    drawn = svg(day_chart("line", [("active", [1, 2]), ("new", [0, 2])]), LABELS)
    assert drawn.count("<polyline") == 2
    assert len(marks(drawn)) == 4


def test_names_are_escaped():
    chart = Chart("c", "grouped", "xaf", "agent", ['<b>"x"'], [("float", [5])])
    drawn = svg(chart, LABELS)
    assert "<b>" not in drawn and "&lt;b&gt;" in drawn


def test_the_table_of_a_stacked_chart_adds_the_total_of_each_bar():
    chart = day_chart("stacked", [("a", [1, 2]), ("b", [3, 4])])
    assert table_rows(chart) == [("2026-11-27", [1, 3, 4]), ("2026-11-28", [2, 4, 6])]


def test_channels_the_tables_record_map_to_the_dashboards():
    assert [channel_of(c) for c in ("api", "ussd", "sms", "agent", "partner", "web")] == [
        "rest",
        "ussd",
        "sms",
        "counter",
        "rest",
        "web",
    ]
    assert channel_of("bulk") == channel_of(None) == "other"


def test_every_name_the_dashboard_shows_has_a_french_text():
    texts = web_texts()
    operations = {TRANSFER_OPERATIONS.get(t, t) for t in TRANSFER_TYPES}
    operations |= {*REMITTANCE_SENDS.values(), "remittance_inbound", "remittance_refund"}
    operations |= {"reversal", "remittance_payout_cash", "remittance_payout_wallet"}
    keys = [f"bo.dash.op.{op}" for op in operations]
    keys += [f"bo.dash.channel.{c}" for c in CHANNELS]
    keys += [f"bo.dash.age.{age_label(low, high)}" for low, high in AGE_BUCKETS]
    charts = [
        "volumes_by_type",
        "values_by_type",
        "volumes_by_channel",
        "values_by_channel",
        "customers",
        "fees",
        "float_by_office",
        "float_by_agent",
        "remittances_awaiting",
    ]
    keys += [f"bo.dash.{part}.{c}" for c in charts for part in ("chart", "note")]
    keys.append("bo.dash.note.fees.office")
    keys += [f"bo.dash.axis.{a}" for a in ("day", "office", "agent", "age")]
    keys += [f"bo.dash.unit.{u}" for u in ("count", "xaf")]
    headline = "count amount fees commissions awaiting float new_customers active_customers"
    keys += [f"bo.dash.headline.{h}" for h in headline.split()]
    keys += [
        f"bo.dash.col.{c}"
        for c in [
            "total",
            "active",
            "new",
            "fees",
            "commissions",
            "float",
            "agents",
            "amount",
            "count",
        ]
    ]
    assert [k for k in keys if k not in texts] == []
