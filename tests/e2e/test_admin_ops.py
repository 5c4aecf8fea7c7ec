"""Operations for admins (API.md "Operations"): safeguarding, the daily report, reconciliations.

The clock stands at 28 November 2026, 10:00 in Brazzaville. The Poto-Poto
counter holds 500 000 FCFA of float; Awa has 100 000 FCFA, Bruno nothing.
"""

import csv
import io
from datetime import UTC, datetime

import pytest

from app.audit import AuditEvent
from app.db import transaction
from app.reports import DayTotals, register_source
from app.reports import daily as daily_module
from tests import factories
from tests.e2e.payments_support import API, confirm, otp_for, post, send_p2p

TODAY = "2026-11-28"


@pytest.fixture
def people(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=100_000)
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
        counter = factories.agent(session, float_balance=500_000)
        boss = factories.admin(session)
    return awa, bruno, counter, boss


def get(client, app, who, path, headers=None):
    return client.get(
        f"{API}{path}", headers={**factories.headers_for(app, who), **(headers or {})}
    )


def p2p(client, app, sender, to, amount):
    transfer = send_p2p(client, app, sender, to.msisdn, amount).get_json()
    response = confirm(client, app, sender, transfer["id"], otp_for(app, sender))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def cash_in(client, app, counter, who, amount):
    response = post(
        client, app, counter, "/agent/cash-in", {"msisdn": who.msisdn, "amount": amount}
    )
    assert response.status_code == 201, response.get_json()


def withdraw_at_counter(client, app, who, counter, amount):
    issued = post(client, app, who, "/withdrawals", {"amount": amount}).get_json()
    body = {"msisdn": who.msisdn, "code": issued["code"]}
    response = post(client, app, counter, "/agent/cash-out", body)
    assert response.status_code == 200, response.get_json()


def remit_cash_and_pay_out(client, app, counter, amount):
    sent = post(
        client,
        app,
        counter,
        "/agent/remittances",
        {
            "sender": {"name": "Marie Nkounkou", "msisdn": "+242055550001"},
            "recipient": {"name": "Jean Okemba", "msisdn": "+242069990001"},
            "amount": amount,
        },
    )
    assert sent.status_code == 201, sent.get_json()
    code = factories.sms_code(app, "+242069990001")
    body = {"code": code, "recipient_id_type": "passport", "recipient_id_number": "OA1234567"}
    paid = post(client, app, counter, "/agent/remittances/payout", body)
    assert paid.status_code == 200, paid.get_json()


def operations_of(report):
    return {op["operation"]: op for op in report["operations"]}


# --- GET /admin/safeguarding ---------------------------------------------------------


def test_safeguarding_balances_e_money_against_the_trust_bank(client, app, people):
    awa, bruno, _counter, boss = people
    p2p(client, app, awa, bruno, 5_000)  # fee 50 stays with PostCash
    response = get(client, app, boss, "/admin/safeguarding")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["currency"] == "XAF"
    assert body["trust_bank"] == 600_000
    assert body["retained_fees"] == 50
    assert body["e_money_outstanding"] == 599_950
    assert (body["difference"], body["ok"]) == (0, True)
    assert body["by_account_type"]["wallet"] == 99_950
    assert body["by_account_type"]["float"] == 500_000
    assert body["by_account_type"]["fees"] == 50
    assert body["other_currencies"] == []


def test_safeguarding_is_for_admins_only(client, app, people):
    _awa, _bruno, counter, _boss = people
    assert get(client, app, counter, "/admin/safeguarding").status_code == 403
    assert client.get(f"{API}/admin/safeguarding").status_code == 401


# --- GET /admin/reports/daily --------------------------------------------------------


def test_the_daily_report_sums_each_operation_type(client, app, people):
    awa, bruno, counter, boss = people
    p2p(client, app, awa, bruno, 5_000)
    cash_in(client, app, counter, bruno, 20_000)
    withdraw_at_counter(client, app, awa, counter, 20_000)
    remit_cash_and_pay_out(client, app, counter, 30_000)

    response = get(client, app, boss, f"/admin/reports/daily?date={TODAY}")
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert (report["date"], report["timezone"]) == (TODAY, "Africa/Brazzaville")
    assert (report["from"], report["to"]) == (
        "2026-11-27T23:00:00+00:00",
        "2026-11-28T23:00:00+00:00",
    )
    ops = operations_of(report)
    assert ops["p2p"] == {
        "operation": "p2p",
        "count": 1,
        "amount": 5_000,
        "fees": 50,
        "commissions": 0,
    }
    assert (ops["cashin"]["amount"], ops["cashin"]["commissions"]) == (20_000, 40)
    assert (ops["cashout"]["amount"], ops["cashout"]["fees"], ops["cashout"]["commissions"]) == (
        20_000,
        300,
        120,
    )
    send = ops["remittance_send_cash"]
    assert (send["count"], send["amount"], send["fees"], send["commissions"]) == (
        1,
        30_000,
        1_000,
        300,
    )
    payout = ops["remittance_payout_cash"]
    assert (payout["amount"], payout["commissions"]) == (30_000, 75)
    assert report["totals"]["fees"] == 1_350
    assert report["ledger"]["fees"] == {"fees:cashout": 300, "fees:p2p": 50, "fees:remit": 1_000}
    assert report["ledger"]["commissions"] == {"commission:agents": 535}
    assert (report["new_customers"], report["active_wallets"]) == (2, 2)


def test_a_reversal_is_its_own_line_giving_the_fee_back(client, app, people):
    awa, bruno, _counter, boss = people
    transfer = p2p(client, app, awa, bruno, 5_000)
    post(client, app, boss, f"/transfers/{transfer['id']}/reversal", {"reason": "wrong number"})
    ops = operations_of(get(client, app, boss, "/admin/reports/daily").get_json())
    assert ops["p2p"]["count"] == 1
    assert (ops["reversal"]["count"], ops["reversal"]["amount"], ops["reversal"]["fees"]) == (
        1,
        5_000,
        -50,
    )


def test_days_are_brazzaville_days(client, app, people, clock):
    _awa, bruno, counter, boss = people
    clock.set(datetime(2026, 11, 28, 23, 30, tzinfo=UTC))  # 00:30 on the 29th in Brazzaville
    cash_in(client, app, counter, bruno, 1_000)
    today = get(client, app, boss, f"/admin/reports/daily?date={TODAY}").get_json()
    tomorrow = get(client, app, boss, "/admin/reports/daily?date=2026-11-29").get_json()
    assert "cashin" not in operations_of(today)
    assert operations_of(tomorrow)["cashin"]["count"] == 1


def test_the_daily_report_as_csv(client, app, people):
    awa, bruno, _counter, boss = people
    p2p(client, app, awa, bruno, 5_000)
    for response in (
        get(client, app, boss, f"/admin/reports/daily?date={TODAY}&format=csv"),
        get(
            client, app, boss, f"/admin/reports/daily?date={TODAY}", headers={"Accept": "text/csv"}
        ),
    ):
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "postcash-daily-2026-11-28.csv" in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows[0] == ["section", "name", "count", "amount", "fees", "commissions"]
        assert ["operation", "p2p", "1", "5000", "50", "0"] in rows
        assert ["ledger", "fees:p2p", "", "", "50", ""] in rows
        assert ["customers", "new_customers", "2", "", "", ""] in rows


@pytest.mark.parametrize("raw", ["28-11-2026", "2026-02-30", "0001-01-01", "yesterday"])
def test_a_bad_date_is_a_validation_error(client, app, people, raw):
    boss = people[3]
    response = get(client, app, boss, f"/admin/reports/daily?date={raw}")
    assert response.status_code == 400
    assert response.get_json()["code"] == "validation_error"
    assert "date" in response.get_json()["errors"]


def test_an_unknown_format_is_a_validation_error(client, app, people):
    response = get(client, app, people[3], "/admin/reports/daily?format=xml")
    assert response.status_code == 400 and "format" in response.get_json()["errors"]


def test_packages_add_their_operations_as_sources(client, app, people, monkeypatch):
    monkeypatch.setattr(daily_module, "_SOURCES", {})
    register_source(
        "lottery",
        lambda session, bounds, scope: [DayTotals(0, "lottery", "other", 3, 900, 9, 0)],
    )
    ops = operations_of(get(client, app, people[3], "/admin/reports/daily").get_json())
    assert ops["lottery"] == {
        "operation": "lottery",
        "count": 3,
        "amount": 900,
        "fees": 9,
        "commissions": 0,
    }


# --- /admin/reconciliations ----------------------------------------------------------


def run_reconciliation(client, app, boss, day=None):
    body = {"date": day} if day else {}
    return client.post(
        f"{API}/admin/reconciliations", json=body, headers=factories.headers_for(app, boss)
    )


def test_an_admin_runs_a_reconciliation_and_reads_it_back(client, app, runtime, people):
    boss = people[3]
    created = run_reconciliation(client, app, boss)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["date"], body["version"], body["status"], body["trigger"]) == (
        "2026-11-27",
        1,
        "ok",
        "admin",
    )
    assert body["report"]["sections"]["safeguarding"]["ok"] is True
    read = get(client, app, boss, "/admin/reconciliations/2026-11-27").get_json()
    assert read["id"] == body["id"] and read["report"] == body["report"]
    with transaction(runtime) as session:
        event = session.query(AuditEvent).filter_by(action="reconciliation.run").one()
        assert (event.actor_id, event.target_id) == (boss.id, "2026-11-27")


def test_a_rerun_is_the_next_version_and_both_stay_readable(client, app, people):
    boss = people[3]
    first = run_reconciliation(client, app, boss, TODAY).get_json()
    second = run_reconciliation(client, app, boss, TODAY).get_json()
    assert second["version"] == 2
    assert [v["version"] for v in second["versions"]] == [1, 2]
    latest = get(client, app, boss, f"/admin/reconciliations/{TODAY}").get_json()
    assert latest["id"] == second["id"]
    older = get(client, app, boss, f"/admin/reconciliations/{TODAY}?version=1").get_json()
    assert older["id"] == first["id"]


def test_reconciliations_are_listed_newest_first_in_pages(client, app, people):
    boss = people[3]
    for day in ("2026-11-25", "2026-11-26", "2026-11-27"):
        run_reconciliation(client, app, boss, day)
    page = get(client, app, boss, "/admin/reconciliations?limit=2").get_json()
    assert [item["date"] for item in page["items"]] == ["2026-11-27", "2026-11-26"]
    rest = get(client, app, boss, f"/admin/reconciliations?cursor={page['next_cursor']}").get_json()
    assert [item["date"] for item in rest["items"]] == ["2026-11-25"]
    assert rest["next_cursor"] is None


def test_a_day_never_reconciled_is_not_found(client, app, people):
    response = get(client, app, people[3], "/admin/reconciliations/2026-11-01")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_a_bad_cursor_or_day_is_a_validation_error(client, app, people):
    boss = people[3]
    assert get(client, app, boss, "/admin/reconciliations?cursor=bm9wZQ").status_code == 400
    assert get(client, app, boss, "/admin/reconciliations/nope").status_code == 400
    assert run_reconciliation(client, app, boss, "2026-13-01").status_code == 400


def test_reconciliations_are_for_admins_only(client, app, people):
    awa, _bruno, counter, _boss = people
    assert get(client, app, awa, "/admin/reconciliations").status_code == 403
    assert run_reconciliation(client, app, counter).status_code == 403
