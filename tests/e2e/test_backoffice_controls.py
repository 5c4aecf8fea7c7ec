"""The back office's controls: reconciliation runs and their offenders, the trial
balance, the ledger behind it, the audit trail and its chain verification.

Head office only: operators and auditors read everything here, an operator may
start a reconciliation, a supervisor opens none of it. The clock stands at 28
November 2026 (Brazzaville); "yesterday" is the 27th.
"""

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select, text

from app import audit, ledger
from app.audit.models import AuditEvent
from app.db import jobs, transaction
from app.reconciliation import versions_of
from app.reconciliation.checks import HOLD_GRACE
from app.reconciliation.service import LOCK_SPACE, reconcile
from tests import factories
from tests.concurrency import together
from tests.e2e.backoffice_support import hidden, post, sign_in, text_of
from tests.integration.test_audit import around_the_guards

YESTERDAY = date(2026, 11, 27)
RUNS = "/backoffice/controls/reconciliations"
BALANCE = "/backoffice/controls/trial-balance"
AUDIT = "/backoffice/controls/audit"


@pytest.fixture
def operator(runtime):
    with transaction(runtime) as session:
        return factories.head_office(session, role="operator", username="ops.controle")


@pytest.fixture
def auditor(runtime):
    with transaction(runtime) as session:
        return factories.head_office(session, role="auditor", username="audit.controle")


@pytest.fixture
def as_operator(client, operator):
    assert sign_in(client, operator.username).status_code == 303
    return client


@pytest.fixture
def as_auditor(client, auditor):
    assert sign_in(client, auditor.username).status_code == 303
    return client


def run_form(client, day="2026-11-27"):
    page = client.get(RUNS)
    return post(client, RUNS, key=hidden(page, "key"), day=day), hidden(page, "key")


def stored_runs(runtime, day=YESTERDAY):
    with transaction(runtime) as session:
        return [(r.version, r.trigger, r.triggered_by) for r in versions_of(session, day)]


# -- reconciliation -----------------------------------------------------------------------


def test_the_runs_are_listed_newest_first_with_their_status(runtime, as_operator):
    with transaction(runtime) as session:
        reconcile(session, date(2026, 11, 26), trigger="schedule")
        reconcile(session, YESTERDAY, trigger="schedule")
    page = text_of(as_operator.get(RUNS))
    assert page.index("2026-11-27") < page.index("2026-11-26")
    assert "Conforme" in page and "planification" in page


def test_the_day_that_just_ended_is_summed_up_above_the_runs(runtime, as_auditor):
    assert "La journée d'hier (2026-11-27) n'a pas encore été réconciliée" in text_of(
        as_auditor.get(RUNS)
    )
    with transaction(runtime) as session:
        jobs.enqueue(session, "workers.no_such_module.run")
    with transaction(runtime) as session:
        reconcile(session, YESTERDAY, trigger="schedule")
    words = text_of(as_auditor.get(RUNS))
    assert "Journée d'hier (2026-11-27), version 1 : Écarts (1 écart(s))." in words


def test_an_operator_runs_the_reconciliation_now_and_lands_on_its_report(
    runtime, as_operator, operator
):
    response, _key = run_form(as_operator)
    assert response.status_code == 303
    assert stored_runs(runtime) == [(1, "admin", operator.id)]
    report = as_operator.get(response.headers["Location"])
    words = text_of(report)
    assert "Réconciliation du 2026-11-27 terminée : conforme." in words
    for check in ("trial_balance", "ledger_invariants", "safeguarding", "expired_holds"):
        assert f"{check} — conforme" in words
    with transaction(runtime) as session:
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reconciliation.run")
        ).all()
        assert (event.actor_role, event.actor_id, event.target_id) == (
            "operator",
            operator.id,
            "2026-11-27",
        )


def test_the_same_run_form_sent_twice_runs_once(runtime, as_operator):
    first, key = run_form(as_operator)
    again = post(as_operator, RUNS, key=key, day="2026-11-27")
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert len(stored_runs(runtime)) == 1


def test_the_same_run_form_posted_twice_at_once_runs_once(app, runtime, as_operator):
    page = as_operator.get(RUNS)
    form = {"csrf_token": hidden(page, "csrf_token"), "key": hidden(page, "key")}
    form["day"] = "2026-11-27"
    cookie = as_operator.get_cookie("postcash_backoffice", path="/backoffice")
    twins = [app.test_client() for _ in range(2)]
    for twin in twins:
        twin.set_cookie(cookie.key, cookie.value, path="/backoffice")
    answers = together(2, lambda i: twins[i].post(RUNS, data=form))
    statuses = sorted(a.status_code for a in answers)
    # The other one found the first's run, or (PostgreSQL) found the day still running.
    assert statuses in ([303, 303], [303, 409]), statuses
    assert len(stored_runs(runtime)) == 1


@pytest.mark.postgres_only
def test_a_day_already_being_reconciled_is_refused_with_a_message(runtime, as_operator):
    with runtime.database.engine.begin() as other:  # another run holds the day
        other.execute(
            text("SELECT pg_advisory_xact_lock(:s, :d)"),
            {"s": LOCK_SPACE, "d": YESTERDAY.toordinal()},
        )
        response, _key = run_form(as_operator)
    assert response.status_code == 409
    assert "Une réconciliation du 2026-11-27 est déjà en cours" in text_of(response)
    assert stored_runs(runtime) == []


@pytest.mark.parametrize("day", ["2026-13-01", "demain", "2026-11-29"])
def test_a_day_that_is_not_a_past_day_is_refused(runtime, as_operator, day):
    response, _key = run_form(as_operator, day=day)
    assert response.status_code == 400
    assert "Date invalide" in text_of(response)
    assert stored_runs(runtime) == []


def test_an_empty_run_form_says_it_expired(as_operator):
    response = post(as_operator, RUNS)
    assert response.status_code == 400
    assert "Formulaire expiré" in text_of(response)


def test_a_hold_past_its_expiry_is_named_with_a_link_to_its_entry(runtime, client, operator, clock):
    with transaction(runtime) as session:
        payer = factories.wallet(session, 10_000)
        held = ledger.hold_entry(
            session,
            key=factories.key(),
            kind="p2p",
            legs=[ledger.debit(payer, 4_000), ledger.credit(factories.wallet(session), 4_000)],
            expires_at=clock.now(),
            reference="PCHOLD01",
        )
    clock.advance(seconds=HOLD_GRACE.total_seconds() + 60)
    with transaction(runtime) as session:
        run_id = reconcile(session, YESTERDAY, trigger="schedule").id
    sign_in(client, operator.username)  # after the clock moved: the session is fresh
    page = client.get(f"{RUNS}/{run_id}")
    words = text_of(page)
    assert "expired_holds — en échec" in words
    assert "1 hold(s) past expiry not released" in words
    link = f"/backoffice/controls/ledger/entries/{held.id}"
    assert f'href="{link}"' in page.get_data(as_text=True)
    entry = text_of(client.get(link))
    assert "PCHOLD01" in entry and "pending" in entry and payer in entry


def test_a_job_failed_for_good_is_named_in_its_check(runtime, as_operator):
    with transaction(runtime) as session:
        jobs.enqueue(session, "workers.no_such_module.run")
    with transaction(runtime) as session:
        run_id = reconcile(session, YESTERDAY, trigger="schedule").id
    words = text_of(as_operator.get(f"{RUNS}/{run_id}"))
    assert "outbox_jobs — en échec" in words
    assert "workers.no_such_module.run" in words
    assert "trial_balance — conforme" in words


def test_a_run_that_does_not_exist_is_not_found(as_operator):
    assert as_operator.get(f"{RUNS}/999999").status_code == 404


def test_an_auditor_reads_the_runs_without_the_run_form_and_cannot_run(runtime, as_auditor):
    page = as_auditor.get(RUNS)
    assert page.status_code == 200
    assert 'id="run-now"' not in page.get_data(as_text=True)
    refused = post(as_auditor, RUNS, key="k" * 32, day="2026-11-27")
    assert refused.status_code == 403
    assert "Votre rôle ne permet pas" in text_of(refused)
    assert stored_runs(runtime) == []


@pytest.mark.parametrize(
    "path",
    [
        RUNS,
        BALANCE,
        f"{BALANCE}?format=csv",
        f"{BALANCE}/wallet",
        AUDIT,
        f"{AUDIT}/verify",
        "/backoffice/controls/ledger/accounts/trust:bank",
    ],
)
def test_a_supervisor_opens_none_of_the_controls(client, runtime, path):
    with transaction(runtime) as session:
        chief = factories.supervisor(session)
    sign_in(client, chief.username)
    assert client.get(path).status_code == 403
    assert "Contrôles" not in text_of(client.get("/backoffice/"))


# -- trial balance ----------------------------------------------------------------------------


def test_customer_wallets_are_one_line_with_their_count_and_system_accounts_one_by_one(
    runtime, as_operator
):
    with transaction(runtime) as session:
        for amount in (10_000, 2_500, 500):
            factories.wallet(session, amount)
    page = as_operator.get(BALANCE)
    words = text_of(page)
    assert "Balance équilibrée" in words
    assert re.search(r"Porte-monnaie des clients passif 3 [\d  ]+ FCFA 13 000 FCFA", words)
    assert "trust:bank Compte de cantonnement (banque) actif 1" in words
    assert "fees:p2p" in words


def test_the_safeguarding_position_stands_beside_the_balance(runtime, as_auditor):
    with transaction(runtime) as session:
        factories.wallet(session, 9_000)
    words = text_of(as_auditor.get(BALANCE))
    assert (
        "Cantonnement (XAF) conforme : banque de cantonnement 9 000 FCFA moins frais conservés "
        "0 FCFA = monnaie électronique en circulation 9 000 FCFA."
    ) in words


def test_the_totals_are_the_ledgers_own(runtime, as_operator):
    with transaction(runtime) as session:
        factories.wallet(session, 7_000)
        rows, balanced = ledger.trial_balance(session)
    debits = sum(r.debits for r in rows)
    response = as_operator.get(BALANCE, query_string={"format": "csv"})
    assert response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    (total,) = [line for line in lines if line[1] == "TOTAL"]
    assert int(total[5]) == int(total[6]) == debits
    assert int(total[7]) == int(total[8])
    assert lines[-1][:3] == ["", "balanced", "yes"] and balanced
    assert any(line[2] == "wallet" and line[4] == "1" for line in lines)


def test_the_wallets_line_opens_on_each_wallet_and_its_statement(runtime, as_auditor):
    with transaction(runtime) as session:
        code = factories.wallet(session, 4_200)
    group = as_auditor.get(f"{BALANCE}/wallet")
    assert code in text_of(group)
    account = as_auditor.get(f"/backoffice/controls/ledger/accounts/{code}")
    words = text_of(account)
    assert "Solde 4 200 FCFA" in words
    assert "Écritures comptabilisées" in words and "4 200 FCFA" in words


def test_an_unknown_account_or_kind_is_not_found(as_operator):
    assert as_operator.get("/backoffice/controls/ledger/accounts/wallet:nobody").status_code == 404
    assert as_operator.get(f"{BALANCE}/nothing").status_code == 404
    assert as_operator.get("/backoffice/controls/ledger/entries/99999").status_code == 404


# -- audit trail ------------------------------------------------------------------------------


def record(runtime, **fields):
    values = {"actor_role": "admin", "actor_id": "7", "action": "float.topup"}
    values.update(fields)
    with transaction(runtime) as session:
        return audit.record(session, **values).id


def test_the_trail_is_filtered_by_action_actor_and_target(runtime, as_auditor):
    record(runtime, action="customer.freeze", target_type="customer", target_id="c-1")
    record(runtime, action="customer.freeze", target_type="customer", target_id="c-2")
    record(runtime, action="float.topup", actor_id="99", target_type="agent", target_id="a-1")
    words = text_of(as_auditor.get(AUDIT, query_string={"action": "customer.freeze"}))
    assert "c-1" in words and "c-2" in words and "a-1" not in words
    words = text_of(as_auditor.get(AUDIT, query_string={"actor_id": "99"}))
    assert "a-1" in words and "c-1" not in words
    words = text_of(
        as_auditor.get(AUDIT, query_string={"target_type": "customer", "target_id": "c-2"})
    )
    assert "c-2" in words and "c-1" not in words


def test_staff_are_named_and_found_by_their_username(runtime, as_auditor, operator):
    record(
        runtime, actor_role="operator", actor_id=operator.id, target_type="agent", target_id="a-7"
    )
    record(
        runtime, actor_role="admin", actor_id="someone-else", target_type="agent", target_id="a-8"
    )
    page = as_auditor.get(AUDIT, query_string={"actor_id": "ops.controle"})
    words = text_of(page)
    assert "operator: ops.controle" in words
    assert "a-7" in words and "a-8" not in words
    export = as_auditor.get(AUDIT, query_string={"actor_id": "ops.controle", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [r["target_id"] for r in rows] == ["a-7"]


def test_the_trail_is_filtered_by_days_in_brazzaville_time(runtime, client, auditor, clock):
    record(runtime, target_type="agent", target_id="le-28")
    clock.advance(days=1)
    record(runtime, target_type="agent", target_id="le-29")
    sign_in(client, auditor.username)
    as_auditor = client
    words = text_of(as_auditor.get(AUDIT, query_string={"since": "2026-11-29"}))
    assert "le-29" in words and "le-28" not in words
    words = text_of(
        as_auditor.get(AUDIT, query_string={"since": "2026-11-28", "until": "2026-11-28"})
    )
    assert "le-28" in words and "le-29" not in words


def test_the_trail_is_paged_newest_first(runtime, as_auditor):
    ids = [record(runtime, target_type="agent", target_id=f"t-{i}") for i in range(55)]
    first = as_auditor.get(AUDIT, query_string={"action": "float.topup"})
    body = first.get_data(as_text=True)
    assert body.index(">t-54<") < body.index(">t-53<")
    assert ">t-4<" not in body
    more = re.search(r'href="([^"]*before=\d+[^"]*)"', body)
    assert more is not None
    older = as_auditor.get(more[1].replace("&amp;", "&")).get_data(as_text=True)
    assert ">t-4<" in older and ">t-0<" in older and ">t-5<" not in older
    assert len(ids) == 55


@pytest.mark.parametrize(
    "query",
    [
        {"since": "hier"},
        {"until": "2026-02-30"},
        {"since": "2026-11-28", "until": "2026-11-20"},
        {"action": "x" * 65},
    ],
)
def test_a_bad_filter_is_explained_in_french(as_auditor, query):
    response = as_auditor.get(AUDIT, query_string=query)
    assert response.status_code == 400
    words = text_of(response)
    assert "Date invalide" in words or "date de fin" in words or "64 caractères" in words


def test_no_secret_reaches_the_trail_or_its_export(runtime, as_auditor):
    record(
        runtime,
        action="staff.password_reset",
        target_type="staff",
        target_id="s-1",
        after={"pin": "4826", "password": "hunter2-secret", "otp_code": "918273", "note": "ok"},
    )
    page = as_auditor.get(AUDIT).get_data(as_text=True)
    export = as_auditor.get(AUDIT, query_string={"format": "csv"}).get_data(as_text=True)
    for shown in (page, export):
        assert "staff.password_reset" in shown and "note" in shown
        for secret in ("4826", "hunter2-secret", "918273"):
            assert secret not in shown


def test_the_export_holds_the_filtered_events_and_no_formula(runtime, as_auditor):
    record(runtime, action="customer.freeze", target_type="customer", target_id="=HYPERLINK(1)")
    record(runtime, action="customer.freeze", target_type="customer", target_id="+242061234567")
    record(runtime, action="float.topup", target_type="agent", target_id="a-1")
    response = as_auditor.get(AUDIT, query_string={"action": "customer.freeze", "format": "csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["target_id"] for r in rows] == ["+242061234567", "'=HYPERLINK(1)"]
    assert {r["action"] for r in rows} == {"customer.freeze"}


def test_an_intact_chain_is_verified_up_to_its_last_event(runtime, as_auditor):
    last = [record(runtime) for _ in range(3)][-1]
    with transaction(runtime) as session:
        last = audit.chain_summary(session)["last_id"]
    words = text_of(as_auditor.get(f"{AUDIT}/verify"))
    assert f"Chaîne intacte : {last} événement(s) vérifié(s) jusqu'au n° {last}" in words


@pytest.mark.audit_tampered
def test_an_edited_event_is_shown_as_the_first_broken_link(runtime, as_auditor):
    for _ in range(4):
        record(runtime)
    with transaction(runtime) as session:
        last = audit.chain_summary(session)["last_id"]
    with around_the_guards(runtime) as conn:
        conn.execute(text("UPDATE audit_events SET target_id = 'x' WHERE id = :i"), {"i": last - 1})
    response = as_auditor.get(f"{AUDIT}/verify")
    words = text_of(response)
    assert (
        f"Chaîne ROMPUE : 1 lien(s) en défaut. Vérifiée jusqu'au n° {last - 2} ; "
        f"premier défaut à l'événement n° {last - 1} (événement modifié)"
    ) in words


def test_the_audit_page_shows_the_chain_head(runtime, as_operator):
    record(runtime)
    with transaction(runtime) as session:
        summary = audit.chain_summary(session)
    assert summary["head_hash"] in text_of(as_operator.get(AUDIT))


def test_the_menu_leads_operators_and_auditors_to_the_controls(as_auditor):
    home = as_auditor.get("/backoffice/").get_data(as_text=True)
    assert 'href="/backoffice/controls/reconciliations"' in home


def test_yesterday_is_the_default_day_of_the_run_form(as_operator):
    page = as_operator.get(RUNS).get_data(as_text=True)
    assert 'value="2026-11-27"' in page
