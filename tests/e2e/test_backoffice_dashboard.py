"""The back office's dashboard (issue 19, "Dashboards"): charts whose numbers are the ledger's.

The clock stands at 28 November 2026, 10:00 in Brazzaville. Poto-Poto (BZV-PP)
and Pointe-Noire (PNR-CV) each have one agent. Three days ago Poto-Poto took in
a cash remittance of 30 000 FCFA nobody has collected yet; today Awa sent Bruno
5 000 FCFA over the API, and each office took a cash-in.
"""

import csv
import gzip
import io
import re

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.backoffice_support import sign_in, text_of
from tests.e2e.dashboard_support import balance, build_network
from tests.e2e.payments_support import post

TODAY = "2026-11-28"
THREE_DAYS_AGO = "2026-11-25"


@pytest.fixture
def network(runtime, client, app, clock):
    return build_network(runtime, client, app, clock)


def signed_in(app, runtime, role="operator", **office):
    with transaction(runtime) as session:
        if role == "supervisor":
            staff = factories.supervisor(session, **office)
        else:
            staff = factories.head_office(session, role=role)
    client = app.test_client()
    assert sign_in(client, staff.username).status_code == 303
    return client


def chart_of(page, key):
    """{(series, category): value} as drawn in the chart's SVG (its bars or points)."""
    html = page.get_data(as_text=True)
    found = re.search(rf'<svg [^>]*data-chart="{key}".*?</svg>', html, re.S)
    assert found, f"no chart {key}"
    marks = re.findall(
        r'data-series="([^"]+)" data-category="([^"]+)" data-value="(-?\d+)"', found[0]
    )
    return {(series, category): int(value) for series, category, value in marks}


def table_of(page, key):
    """The chart's table: header, then one list of cells per row (figures as ints)."""
    html = page.get_data(as_text=True)
    found = re.search(rf'<table data-chart="{key}">(.*?)</table>', html, re.S)
    assert found, f"no table {key}"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", found[1], re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows.append(cells)
    header, body = rows[0], rows[1:]
    return header, [[r[0], *[int(c.replace(" ", "")) for c in r[1:]]] for r in body]


def test_the_fees_chart_is_what_the_ledgers_fee_and_commission_accounts_moved(
    app, runtime, network
):
    page = signed_in(app, runtime).get("/backoffice/dashboard")
    assert page.status_code == 200
    fees = chart_of(page, "fees")
    assert fees[("fees", TODAY)] == balance(runtime, "fees:p2p") == 50
    assert fees[("fees", THREE_DAYS_AGO)] == balance(runtime, "fees:remit") == 1_000
    commissions = fees[("commissions", TODAY)] + fees[("commissions", THREE_DAYS_AGO)]
    assert commissions == balance(runtime, "commission:agents")
    assert sum(v for (s, _d), v in fees.items() if s == "fees") == 1_050


def test_the_float_chart_sums_each_offices_agents_floats_in_the_ledger(app, runtime, network):
    floats = chart_of(signed_in(app, runtime).get("/backoffice/dashboard"), "float_by_office")
    poto, pnr = network["poto"], network["pnr"]
    assert floats[("float", "BZV-PP")] == balance(runtime, f"float:{poto.id}")
    assert floats[("float", "PNR-CV")] == balance(runtime, f"float:{pnr.id}")
    # 500 000 - 20 000 cashed in + 40 commission - 31 000 (remittance and fee, cash taken
    # in: the e-money leaves the float) + 300 commission
    assert floats[("float", "BZV-PP")] == 449_340


def test_the_channel_charts_tell_the_api_from_the_counter(app, runtime, network):
    page = signed_in(app, runtime).get("/backoffice/dashboard")
    volumes = chart_of(page, "volumes_by_channel")
    values = chart_of(page, "values_by_channel")
    assert (volumes[("rest", TODAY)], values[("rest", TODAY)]) == (1, 5_000)
    assert (volumes[("counter", TODAY)], values[("counter", TODAY)]) == (2, 30_000)
    assert (volumes[("counter", THREE_DAYS_AGO)], values[("counter", THREE_DAYS_AGO)]) == (
        1,
        30_000,
    )
    assert ("ussd", TODAY) not in volumes  # a zero draws no bar


def test_the_daily_figures_are_those_of_the_daily_report(app, client, runtime, network):
    with transaction(runtime) as session:
        boss = factories.admin(session)
    report = client.get(
        f"/api/v1/admin/reports/daily?date={TODAY}", headers=factories.headers_for(app, boss)
    ).get_json()
    page = signed_in(app, runtime).get("/backoffice/dashboard")
    volumes, values = chart_of(page, "volumes_by_type"), chart_of(page, "values_by_type")
    for op in report["operations"]:
        assert volumes[(op["operation"], TODAY)] == op["count"]
        assert values[(op["operation"], TODAY)] == op["amount"]
    customers = chart_of(page, "customers")
    assert customers[("new", TODAY)] == report["new_customers"]
    assert customers[("active", TODAY)] == report["active_wallets"]
    assert chart_of(page, "fees")[("fees", TODAY)] == report["ledger"]["fees_total"]


def test_a_remittance_funded_three_days_ago_waits_in_the_three_to_seven_days_bar(
    app, runtime, network
):
    page = signed_in(app, runtime).get("/backoffice/dashboard")
    awaiting = chart_of(page, "remittances_awaiting")
    assert awaiting[("amount", "3-7")] == balance(runtime, "remit:payable") == 30_000
    assert sum(awaiting.values()) == 30_000
    _header, rows = table_of(page, "remittances_awaiting")
    assert ["3 à 6 jours", 30_000, 1] in rows


def test_the_table_beside_a_chart_has_the_charts_numbers(app, runtime, network):
    page = signed_in(app, runtime).get("/backoffice/dashboard")
    drawn = chart_of(page, "values_by_type")
    header, rows = table_of(page, "values_by_type")
    assert header[0] == "Jour"
    assert header[-1] == "Total"
    series = ["cashin", "p2p", "remittance_send_cash"]
    assert header[1:-1] == ["Dépôts", "Transferts entre clients", "Mandats envoyés (espèces)"]
    today = next(r for r in rows if r[0] == "28/11/2026")
    assert today[1:] == [30_000, 5_000, 0, 35_000]
    assert len(rows) == 30
    for row in rows:
        day = "-".join(reversed(row[0].split("/")))
        assert row[1:-1] == [drawn.get((s, day), 0) for s in series]


def test_each_charts_csv_is_its_table(app, runtime, network):
    client = signed_in(app, runtime)
    page = client.get("/backoffice/dashboard")
    for key in ("volumes_by_type", "values_by_channel", "customers", "fees", "float_by_office"):
        header, rows = table_of(page, key)
        response = client.get(f"/backoffice/dashboard/{key}.csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert (
            f"postcash-{key}-2026-10-30-2026-11-28.csv" in response.headers["Content-Disposition"]
        )
        lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert lines[0] == header
        assert [[int(v) for v in line[1:]] for line in lines[1:]] == [r[1:] for r in rows]


def test_an_unknown_chart_has_no_csv(app, runtime, network):
    assert signed_in(app, runtime).get("/backoffice/dashboard/nothing.csv").status_code == 404


def test_the_range_is_chosen_with_a_form(app, runtime, network):
    client = signed_in(app, runtime)
    page = client.get("/backoffice/dashboard?from=2026-11-24&to=2026-11-26")
    assert page.status_code == 200
    _header, rows = table_of(page, "volumes_by_type")
    assert [r[0] for r in rows] == ["24/11/2026", "25/11/2026", "26/11/2026"]
    assert chart_of(page, "volumes_by_type") == {("remittance_send_cash", THREE_DAYS_AGO): 1}


@pytest.mark.parametrize(
    "query", ["from=2026-11-28&to=2026-11-01", "from=2026-01-01&to=2026-11-28", "from=hier"]
)
def test_a_range_it_cannot_draw_shows_the_last_30_days_and_says_so(app, runtime, network, query):
    page = signed_in(app, runtime).get(f"/backoffice/dashboard?{query}")
    assert page.status_code == 200
    assert "Période incorrecte" in text_of(page)
    assert len(table_of(page, "volumes_by_type")[1]) == 30


def test_a_supervisor_sees_only_their_offices_counter(app, runtime, network):
    client = signed_in(
        app,
        runtime,
        role="supervisor",
        post_office="Bureau de poste de Pointe-Noire Centre-ville",
        post_office_code="PNR-CV",
    )
    for path in ("/backoffice/dashboard", "/backoffice/dashboard?office=BZV-PP"):
        page = client.get(path)
        assert page.status_code == 200
        assert "Tableau de bord du bureau PNR-CV" in text_of(page)
        assert chart_of(page, "volumes_by_type") == {("cashin", TODAY): 1}
        assert chart_of(page, "values_by_type") == {("cashin", TODAY): 10_000}
        pnr = network["pnr"]
        assert chart_of(page, "float_by_agent") == {
            ("float", pnr.username): balance(runtime, f"float:{pnr.id}")
        }
        assert chart_of(page, "fees")[("commissions", TODAY)] == 20  # 0.2 % of 10 000
        assert "frais et commissions des opérations faites aux guichets du bureau" in text_of(page)
        assert sum(chart_of(page, "remittances_awaiting").values()) == 0  # sent at Poto-Poto
        for foreign in ("float_by_office", "volumes_by_channel", "customers"):
            assert f'data-chart="{foreign}"' not in page.get_data(as_text=True)
    csv_text = client.get("/backoffice/dashboard/float_by_office.csv")
    assert csv_text.status_code == 404
    float_csv = client.get("/backoffice/dashboard/float_by_agent.csv?office=BZV-PP")
    assert network["poto"].username not in float_csv.get_data(as_text=True)


def test_the_poto_poto_supervisor_sees_the_remittance_taken_in_there(app, runtime, network):
    page = signed_in(app, runtime, role="supervisor").get("/backoffice/dashboard")
    assert chart_of(page, "remittances_awaiting")[("amount", "3-7")] == 30_000
    assert chart_of(page, "volumes_by_type")[("remittance_send_cash", THREE_DAYS_AGO)] == 1


def test_the_head_office_opens_one_offices_view(app, runtime, network):
    page = signed_in(app, runtime, role="auditor").get("/backoffice/dashboard?office=PNR-CV")
    assert "Tableau de bord du bureau PNR-CV" in text_of(page)
    assert chart_of(page, "volumes_by_type") == {("cashin", TODAY): 1}


def test_an_empty_network_draws_empty_charts_without_failing(app, runtime):
    page = signed_in(app, runtime).get("/backoffice/dashboard")
    assert page.status_code == 200
    assert "Aucune donnée sur la période." in text_of(page)


def test_the_dashboard_is_for_signed_in_staff_only(client, network):
    response = client.get("/backoffice/dashboard")
    assert response.status_code == 302
    assert "/backoffice/login" in response.headers["Location"]


def test_a_remittance_claimed_into_a_wallet_counts_under_the_channel_that_claimed_it(
    app, client, runtime, network
):
    awa, pnr = network["awa"], network["pnr"]
    sent = post(
        client,
        app,
        pnr,
        "/agent/remittances",
        {
            "sender": {"name": "Paul Mavoungou", "msisdn": "+242055550002"},
            "recipient": {"name": "Awa Mabiala", "msisdn": awa.msisdn},
            "amount": 8_000,
        },
    )
    assert sent.status_code == 201, sent.get_json()
    code = factories.sms_code(app, awa.msisdn)
    claimed = post(client, app, awa, "/remittances/claim", {"code": code})
    assert claimed.status_code == 200, claimed.get_json()
    page = signed_in(app, runtime).get("/backoffice/dashboard")
    assert chart_of(page, "values_by_type")[("remittance_payout_wallet", TODAY)] == 8_000
    # Today over REST: Awa's transfer (5 000) and her claim (8 000).
    assert chart_of(page, "values_by_channel")[("rest", TODAY)] == 13_000


def test_the_page_with_its_charts_stays_within_a_pages_budget(app, runtime, network):
    page = signed_in(app, runtime).get("/backoffice/dashboard").get_data()
    assert len(gzip.compress(page)) < 60_000
    assert b"<script" not in page
