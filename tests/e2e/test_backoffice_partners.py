"""The back office's partners area, page by page: organisations, keys, prefunding,
undeliverable callbacks and disbursement batches, with the Flask test client.

Operators act; a second operator approves what the first recorded; auditors
read; supervisors do not see the area.
"""

from __future__ import annotations

import csv
import io
import logging
import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.api_keys import ApiClient, authenticate_api_key
from app.clock import clock
from app.db import transaction
from app.disbursements.models import DisbursementBatch
from app.errors import Unauthorized
from app.ledger import chart
from app.payments.models import Biller, CallbackDelivery
from tests import factories
from tests.e2e.backoffice_support import csrf, post, sign_in, text_of
from tests.e2e.cyber_support import receiver
from tests.e2e.payments_support import available, wallet_of

SECRET = re.compile(r'id="api-key" readonly value="([^"]+)"')


def operator_client(app, runtime, username):
    with transaction(runtime) as session:
        staff = factories.head_office(session, role="operator", username=username)
    client = app.test_client()
    assert sign_in(client, staff.username).status_code == 303
    return client, staff


@pytest.fixture
def maker(app, runtime):
    return operator_client(app, runtime, "ops.saisie")


@pytest.fixture
def checker(app, runtime):
    return operator_client(app, runtime, "ops.controle")


def act(client, path, key=None, **fields):
    """A form that changes something: CSRF and its once-only key."""
    return post(client, path, key=key or factories.key("form"), **fields)


def key_works(runtime, key):
    with transaction(runtime) as session:
        try:
            authenticate_api_key(session, key)
        except Unauthorized:
            return False
    return True


def client_named(runtime, name):
    with transaction(runtime) as session:
        return session.scalar(select(ApiClient).where(ApiClient.name == name))


# -- organisations ---------------------------------------------------------------------------


def test_a_new_partners_key_is_shown_on_the_answer_to_the_creation_only(runtime, maker, caplog):
    client, _staff = maker
    caplog.set_level(logging.DEBUG)
    form_key = factories.key("form")
    created = act(
        client, "/backoffice/partners/partner/new", form_key, name="Transfert Express", country="FR"
    )
    assert created.status_code == 200
    (api_key,) = SECRET.findall(created.get_data(as_text=True))
    assert key_works(runtime, api_key)
    assert "Cache-Control" in created.headers and created.headers["Cache-Control"] == "no-store"
    assert api_key not in caplog.text

    partner = client_named(runtime, "Transfert Express")
    page = client.get(f"/backoffice/partners/clients/{partner.id}")
    assert api_key not in page.get_data(as_text=True)
    assert partner.key_prefix in text_of(page)


def test_the_same_creation_form_sent_twice_creates_one_partner_and_shows_no_key_again(
    runtime, maker
):
    client, _staff = maker
    form_key = factories.key("form")
    fields = {"name": "Transfert Express", "country": "FR"}
    act(client, "/backoffice/partners/partner/new", form_key, **fields)
    again = act(client, "/backoffice/partners/partner/new", form_key, **fields)
    assert again.status_code == 303
    with transaction(runtime) as session:
        named = session.scalars(
            select(ApiClient).where(ApiClient.name == "Transfert Express")
        ).all()
    assert len(named) == 1
    assert again.headers["Location"].endswith(f"/backoffice/partners/clients/{named[0].id}")


def test_a_merchant_gets_its_key_and_webhook_secret_once(runtime, maker):
    client, _staff = maker
    created = act(client, "/backoffice/partners/merchant/new", name="Boutique Mfoa", fee_rate="150")
    body = created.get_data(as_text=True)
    assert SECRET.search(body) and 'id="webhook-secret"' in body


def test_a_creation_form_with_mistakes_names_them_in_french(runtime, maker):
    client, _staff = maker
    refused = act(client, "/backoffice/partners/partner/new", name="Transfert", country="ZZ")
    assert refused.status_code == 400
    assert "Un code pays ISO à deux lettres" in text_of(refused)
    assert 'value="Transfert"' in refused.get_data(as_text=True)
    assert client_named(runtime, "Transfert") is None


def test_rotating_a_key_shows_the_new_one_once_and_the_old_one_stops_working(runtime, maker):
    client, _staff = maker
    with transaction(runtime) as session:
        payer, old_key = factories.payer(session, name="Caisse de retraite")
    rotated = act(
        client, f"/backoffice/partners/clients/{payer.id}/key", reason="Clé divulguée par e-mail"
    )
    (new_key,) = SECRET.findall(rotated.get_data(as_text=True))
    assert key_works(runtime, new_key) and not key_works(runtime, old_key)
    with transaction(runtime) as session:
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "api_client.rotate_key")
        )
        assert event.after["reason"] == "Clé divulguée par e-mail"
        assert new_key not in str(event.after)


def test_disabling_needs_a_reason(runtime, maker):
    client, _staff = maker
    with transaction(runtime) as session:
        payer, key = factories.payer(session, name="Caisse de retraite")
    refused = act(client, f"/backoffice/partners/clients/{payer.id}/status", action="disable")
    assert refused.status_code == 400
    assert text_of(refused).count("Indiquez un motif") == 1  # beside that form's field only
    assert key_works(runtime, key)


def test_a_disabled_organisations_key_is_refused_until_enabled_again(runtime, maker):
    client, _staff = maker
    with transaction(runtime) as session:
        partner, key = factories.api_client(session, "partner", name="Transfert Express")
    path = f"/backoffice/partners/clients/{partner.id}/status"
    act(client, path, action="disable", reason="Contrat suspendu")
    assert not key_works(runtime, key)
    assert "Désactivé" in text_of(client.get("/backoffice/partners/partner?status=disabled"))
    act(client, path, action="enable", reason="Contrat repris")
    assert key_works(runtime, key)


def test_a_biller_taken_off_the_customers_list_keeps_its_key(runtime, maker):
    client, _staff = maker
    with transaction(runtime) as session:
        created = factories.biller(session, code="E2C")
    path = f"/backoffice/partners/clients/{created.biller.client_id}/biller"
    act(client, path, action="disable", reason="Contrat terminé")
    with transaction(runtime) as session:
        assert session.get(Biller, "E2C").status == "disabled"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "biller.disable"))
        assert event.after["reason"] == "Contrat terminé"
    assert key_works(runtime, created.api_key)


def test_each_kind_is_listed_on_its_own_page(runtime, maker):
    client, _staff = maker
    with transaction(runtime) as session:
        factories.api_client(session, "partner", name="Transfert Express")
        factories.sender(session, name="Direction des Impôts")
    partners = text_of(client.get("/backoffice/partners/partner"))
    senders = text_of(client.get("/backoffice/partners/sender"))
    assert "Transfert Express" in partners and "Direction des Impôts" not in partners
    assert "Direction des Impôts" in senders


def test_an_auditor_reads_the_lists_without_any_form(app, runtime):
    with transaction(runtime) as session:
        auditor = factories.head_office(session, role="auditor")
        partner, _key = factories.api_client(session, "partner", name="Transfert Express")
    client = app.test_client()
    sign_in(client, auditor.username)
    page = client.get(f"/backoffice/partners/clients/{partner.id}")
    assert page.status_code == 200
    assert 'method="post" action="/backoffice/partners' not in page.get_data(as_text=True)


def test_a_supervisor_does_not_open_the_partners_area(app, runtime):
    with transaction(runtime) as session:
        supervisor = factories.supervisor(session)
    client = app.test_client()
    sign_in(client, supervisor.username)
    assert client.get("/backoffice/partners").status_code == 403
    assert client.get("/backoffice/batches").status_code == 403


# -- prefunding --------------------------------------------------------------------------------


def test_a_deposit_recorded_by_one_operator_is_credited_when_another_approves(
    runtime, maker, checker
):
    first, _ = maker
    second, _ = checker
    with transaction(runtime) as session:
        payer, _key = factories.payer(session, name="Caisse de retraite")
    recorded = act(
        first,
        f"/backoffice/partners/clients/{payer.id}/prefunding",
        amount="2 500 000",
        bank_reference="VIR-77",
        reason="Virement BGFI du 7 décembre",
    )
    assert recorded.status_code == 303
    assert available(runtime, chart.payer(payer.id)) == 0

    mine = first.get("/backoffice/partners/prefunding")
    assert "Votre saisie" in text_of(mine)
    request_id = re.search(r'id="request-([0-9a-f-]{36})"', mine.get_data(as_text=True))[1]
    refused = act(first, f"/backoffice/partners/prefunding/{request_id}/approve")
    assert refused.status_code == 403
    assert "un autre opérateur doit l'approuver" in text_of(refused)
    assert available(runtime, chart.payer(payer.id)) == 0

    approved = act(second, f"/backoffice/partners/prefunding/{request_id}/approve")
    assert approved.status_code == 303
    assert available(runtime, chart.payer(payer.id)) == 2_500_000
    assert "Approuvé" in text_of(second.get("/backoffice/partners/prefunding"))


def test_the_same_approval_form_sent_twice_credits_once(runtime, maker, checker):
    first, _ = maker
    second, _ = checker
    with transaction(runtime) as session:
        partner, _key = factories.api_client(session, "partner")
    act(
        first,
        f"/backoffice/partners/clients/{partner.id}/prefunding",
        amount="1000000",
        bank_reference="VIR-78",
        reason="Virement reçu",
    )
    page = second.get("/backoffice/partners/prefunding").get_data(as_text=True)
    request_id = re.search(r'id="request-([0-9a-f-]{36})"', page)[1]
    form_key = factories.key("form")
    for _ in range(2):
        act(second, f"/backoffice/partners/prefunding/{request_id}/approve", form_key)
    assert available(runtime, chart.partner(partner.id)) == 1_000_000


# -- undeliverable callbacks ------------------------------------------------------------------


def test_an_undeliverable_callback_is_listed_and_resent(runtime, maker):
    client, staff = maker
    with receiver() as hook:
        with transaction(runtime) as session:
            biller = factories.biller(session, code="E2C", webhook_url=hook.url).biller
            delivery = CallbackDelivery(
                target_type="biller",
                target_id=biller.code,
                subject_id="transfer-1",
                event="bill.paid",
                url=hook.url,
                payload={"id": "PC-123", "amount": 5000},
                status="undeliverable",
                attempts=3,
                last_error="HTTP 500",
                created_at=clock.now(),
            )
            session.add(delivery)
            session.flush()
            delivery_id = delivery.id
        listed = text_of(client.get("/backoffice/partners/callbacks"))
        assert "Energie Electrique du Congo" in listed and "HTTP 500" in listed

        resent = act(
            client,
            f"/backoffice/partners/callbacks/{delivery_id}/resend",
            reason="Serveur du facturier réparé",
        )
        assert resent.status_code == 303
        assert len(hook.requests) == 1
    with transaction(runtime) as session:
        assert session.get(CallbackDelivery, delivery_id).status == "delivered"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "callback.rearm"))
        assert (event.actor_id, event.after["reason"]) == (staff.id, "Serveur du facturier réparé")
    assert "Aucun rappel non livré." in text_of(client.get("/backoffice/partners/callbacks"))


# -- disbursement batches ---------------------------------------------------------------------


@pytest.fixture
def pension_fund(runtime):
    with transaction(runtime) as session:
        payer, _key = factories.payer(session, balance=1_000_000, name="Caisse de retraite")
        people = [
            factories.customer(session, first_name="Retraité", last_name="Test") for _ in range(2)
        ]
    return payer, people


def csv_of(people):
    rows = ["msisdn;name;amount;reference"]
    rows += [f"{p.msisdn};Retraité Test;{40_000 * i};P-{i}" for i, p in enumerate(people, 1)]
    rows.append("12;Personne;1000;P-9")
    return "\n".join(rows).encode()


def upload(client, payer, data, key=None):
    return client.post(
        "/backoffice/batches/new",
        data={
            "csrf_token": csrf(client),
            "key": key or factories.key("form"),
            "payer_id": payer.id,
            "reference": "PENSIONS-DEC",
            "file": (io.BytesIO(data), "pensions.csv"),
        },
        content_type="multipart/form-data",
    )


def only_batch(runtime):
    with transaction(runtime) as session:
        return session.scalar(select(DisbursementBatch))


def test_an_uploaded_csv_gets_its_validation_report(runtime, maker, pension_fund):
    client, _staff = maker
    payer, people = pension_fund
    uploaded = upload(client, payer, csv_of(people))
    assert uploaded.status_code == 303
    report = text_of(client.get(uploaded.headers["Location"]))
    assert "Lignes 3" in report and "Lignes acceptées 2" in report
    assert "Numéro invalide" in report
    assert "il attend l'approbation d'un autre opérateur" in report
    assert available(runtime, chart.payer(payer.id)) == 1_000_000


def test_a_csv_without_the_columns_is_refused_whole(runtime, maker, pension_fund):
    client, _staff = maker
    payer, _people = pension_fund
    refused = upload(client, payer, b"numero,nom\n+242061234567,Awa\n")
    assert refused.status_code == 400
    assert "colonnes msisdn, name, amount" in text_of(refused)
    assert only_batch(runtime) is None


def test_the_same_upload_sent_twice_makes_one_batch(runtime, maker, pension_fund):
    client, _staff = maker
    payer, people = pension_fund
    form_key = factories.key("form")
    upload(client, payer, csv_of(people), form_key)
    again = upload(client, payer, csv_of(people), form_key)
    assert again.status_code == 303
    with transaction(runtime) as session:
        assert len(session.scalars(select(DisbursementBatch)).all()) == 1


def test_the_uploader_cannot_approve_on_the_page(runtime, maker, pension_fund):
    client, _staff = maker
    payer, people = pension_fund
    upload(client, payer, csv_of(people))
    batch = only_batch(runtime)
    refused = act(client, f"/backoffice/batches/{batch.id}/approve")
    assert refused.status_code == 403
    assert "un autre opérateur doit l'approuver" in text_of(refused)
    assert only_batch(runtime).status == "validated"


def test_a_second_operator_approves_and_the_results_download_line_by_line(
    runtime, maker, checker, pension_fund
):
    first, _ = maker
    second, _ = checker
    payer, people = pension_fund
    upload(first, payer, csv_of(people))
    batch = only_batch(runtime)
    approved = act(second, f"/backoffice/batches/{batch.id}/approve")
    assert approved.status_code == 303
    page = second.get(f"/backoffice/batches/{batch.id}")
    assert "Terminé" in text_of(page) and "2 payée(s)" in text_of(page)
    assert 'http-equiv="refresh"' not in page.get_data(as_text=True)
    assert [wallet_of(runtime, p) for p in people] == [40_000, 80_000]

    results = second.get(f"/backoffice/batches/{batch.id}/results.csv")
    assert results.mimetype == "text/csv"
    assert "attachment" in results.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(results.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["line"], r["status"], r["code"]) for r in rows] == [
        ("1", "completed", ""),
        ("2", "completed", ""),
        ("3", "rejected", "invalid_msisdn"),
    ]


def test_a_running_batch_page_reloads_itself_and_counts_paid_failed_pending(
    runtime, maker, checker, pension_fund, monkeypatch
):
    first, _ = maker
    second, _ = checker
    payer, people = pension_fund
    upload(first, payer, csv_of(people))
    batch = only_batch(runtime)
    monkeypatch.setattr(runtime.queue, "runner", lambda outbox_id: None)  # the worker is busy
    act(second, f"/backoffice/batches/{batch.id}/approve")
    page = first.get(f"/backoffice/batches/{batch.id}")
    body = page.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in body
    words = text_of(page)
    assert "0 payée(s)" in words and "0 en échec" in words and "2 en attente" in words


def test_an_operator_may_not_approve_a_batch_the_payer_sent_through_the_api(
    runtime, checker, pension_fund
):
    client, _staff = checker
    payer, people = pension_fund
    from app.disbursements.batches import submit_batch

    with transaction(runtime) as session:
        batch, _ = submit_batch(
            session,
            payer.id,
            reference="API",
            items=[{"msisdn": people[0].msisdn, "name": "Retraité Test", "amount": 1000}],
        )
    page = client.get(f"/backoffice/batches/{batch.id}")
    assert "c'est lui qui l'approuve" in text_of(page)
    refused = act(client, f"/backoffice/batches/{batch.id}/approve")
    assert refused.status_code == 422
    assert only_batch(runtime).status == "validated"


def test_a_batch_the_prefunding_does_not_cover_is_refused_in_french(runtime, maker, checker):
    first, _ = maker
    second, _ = checker
    with transaction(runtime) as session:
        payer, _key = factories.payer(session, balance=50_000, name="Caisse de retraite")
        people = [
            factories.customer(session, first_name="Retraité", last_name="Test") for _ in range(2)
        ]
    upload(first, payer, csv_of(people))
    batch = only_batch(runtime)
    refused = act(second, f"/backoffice/batches/{batch.id}/approve")
    assert refused.status_code == 422
    assert "Solde insuffisant" in text_of(refused)
    assert only_batch(runtime).status == "validated"
    assert available(runtime, chart.payer(payer.id)) == 50_000
