"""Bulk disbursements: the pension fund pays November's pensions.

"Caisse de retraite" is prefunded with 1 000 000 FCFA. Awa has a wallet; Jean
(+242069990001) has none and collects cash at the post office; Bruno's basic
wallet already holds 190 000 of its 200 000 cap.
"""

import io

import pytest
from sqlalchemy import func, select

from app.customers.models import Customer
from app.db import transaction
from app.disbursements import validation
from app.errors import ValidationFailed
from app.ledger import chart
from app.ledger.models import Entry
from tests import factories
from tests.e2e.cyber_support import API, api_key
from tests.e2e.payments_support import available, sms_to, wallet_of

JEAN = "+242069990001"
MOISE = "+242069990002"


@pytest.fixture
def fund(runtime):
    with transaction(runtime) as session:
        client, key = factories.payer(session, balance=1_000_000, name="Caisse de retraite")
    return client, key


@pytest.fixture
def people(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session)
        bruno = factories.customer(session, balance=190_000, first_name="Bruno", last_name="Ngoma")
        chantal = factories.customer(session, first_name="Chantal", last_name="Ibara")
    return awa, bruno, chantal


def submit(client, fund, body=None, key=None, **kwargs):
    _client, api = fund
    return client.post(
        f"{API}/disbursements/batches",
        json=body,
        headers=api_key(api, key or factories.key()),
        **kwargs,
    )


def approve(client, fund, batch_id):
    return client.post(f"{API}/disbursements/batches/{batch_id}/approve", headers=api_key(fund[1]))


def get(client, fund, path):
    return client.get(f"{API}/disbursements/batches/{path}", headers=api_key(fund[1]))


def pensions(people):
    awa, bruno, chantal = people
    return {
        "reference": "PENSIONS-2026-11",
        "items": [
            {"msisdn": awa.msisdn, "name": "Awa Mabiala", "amount": 25_000, "reference": "P-001"},
            {"msisdn": "12", "name": "Nobody", "amount": 1_000, "reference": "P-002"},
            {"msisdn": awa.msisdn, "name": "Awa Mabiala", "amount": 25_000, "reference": "P-003"},
            {"msisdn": bruno.msisdn, "name": "Bruno Ngoma", "amount": 20_000, "reference": "P-004"},
            {"msisdn": JEAN, "name": "Jean Okemba", "amount": 30_000, "reference": "P-005"},
            {"msisdn": chantal.msisdn, "name": "Chantal Ibara", "amount": 0, "reference": "P-006"},
            {"msisdn": "+242069990003", "name": "", "amount": 1_000, "reference": "P-007"},
            {"msisdn": MOISE, "name": "Moise Kaya", "amount": 150_000, "reference": "P-008"},
        ],
    }


def test_a_batch_is_checked_line_by_line_before_anything_moves(client, runtime, fund, people):
    response = submit(client, fund, pensions(people))

    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["total"], body["valid"], body["valid_amount"]) == (
        "validated",
        8,
        2,
        55_000,
    )
    assert body["rejected"] == [
        {"line": 2, "code": "invalid_msisdn"},
        {"line": 3, "code": "duplicate"},
        {"line": 4, "code": "limit_exceeded"},
        {"line": 6, "code": "invalid_amount"},
        {"line": 7, "code": "invalid_name"},
        {"line": 8, "code": "limit_exceeded"},
    ]
    assert available(runtime, chart.payer(fund[0].id)) == 1_000_000


def test_approval_pays_each_valid_line_into_the_wallet_or_for_cash_pickup(
    client, app, runtime, fund, people
):
    awa = people[0]
    batch_id = submit(client, fund, pensions(people)).get_json()["id"]

    response = approve(client, fund, batch_id)

    assert (response.status_code, response.get_json()) == (
        202,
        {"id": batch_id, "status": "processing"},
    )
    progress = get(client, fund, batch_id).get_json()
    assert (progress["status"], progress["total"], progress["processed"]) == ("completed", 8, 8)
    assert (progress["completed"], progress["rejected"], progress["paid_amount"]) == (2, 6, 55_000)
    assert wallet_of(runtime, awa) == 25_000
    assert available(runtime, chart.REMIT_PAYABLE) == 30_000
    assert available(runtime, chart.payer(fund[0].id)) == 1_000_000 - 55_000
    assert "Caisse de retraite" in sms_to(app, awa.msisdn)[-1]
    assert "P-001" in sms_to(app, awa.msisdn)[-1]
    assert factories.sms_code(app, JEAN)  # the cash-pickup code, by SMS only


def test_per_line_results_say_what_happened_to_each_line(client, fund, people):
    batch_id = submit(client, fund, pensions(people)).get_json()["id"]
    approve(client, fund, batch_id)

    lines = get(client, fund, f"{batch_id}/lines").get_json()["items"]

    by_line = {line["line"]: line for line in lines}
    assert by_line[1]["status"] == "completed" and by_line[1]["transfer_id"]
    assert by_line[5]["status"] == "completed" and by_line[5]["remittance_id"]
    assert (by_line[4]["status"], by_line[4]["code"]) == ("rejected", "limit_exceeded")
    assert by_line[5]["msisdn"] == JEAN


def test_lines_page_with_a_cursor_and_filter_by_status(client, fund, people):
    batch_id = submit(client, fund, pensions(people)).get_json()["id"]

    page1 = get(client, fund, f"{batch_id}/lines?limit=5").get_json()
    page2 = get(client, fund, f"{batch_id}/lines?limit=5&cursor={page1['next_cursor']}").get_json()
    valid = get(client, fund, f"{batch_id}/lines?status=valid").get_json()
    bad = get(client, fund, f"{batch_id}/lines?status=lost")

    assert [x["line"] for x in page1["items"] + page2["items"]] == list(range(1, 9))
    assert page2["next_cursor"] is None
    assert [x["line"] for x in valid["items"]] == [1, 5]
    assert bad.status_code == 400


def test_the_statement_shows_who_paid(client, app, fund, people):
    awa = people[0]
    batch_id = submit(client, fund, pensions(people)).get_json()["id"]
    approve(client, fund, batch_id)

    lines = client.get(f"{API}/me/transactions", headers=factories.headers_for(app, awa))

    line = lines.get_json()["items"][0]
    assert (line["type"], line["direction"], line["amount"]) == ("disbursement", "credit", 25_000)
    assert line["counterparty"]["name"] == "Caisse de retraite"


def test_a_csv_upload_is_checked_like_json(client, runtime, fund, people):
    awa = people[0]
    csv = f"msisdn,name,amount,reference\n{awa.msisdn},Awa Mabiala,5000,S-1\n12,X,1,S-2\n"

    response = submit(
        client,
        fund,
        data={"reference": "SALAIRES-11", "file": (io.BytesIO(csv.encode()), "salaires.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 201
    body = response.get_json()
    assert (body["total"], body["valid"], body["rejected"]) == (
        2,
        1,
        [{"line": 2, "code": "invalid_msisdn"}],
    )


def test_a_csv_body_names_its_reference_in_the_query(client, fund, people):
    awa = people[0]
    _client, key = fund

    response = client.post(
        f"{API}/disbursements/batches?reference=SALAIRES-11",
        data=f"msisdn,name,amount\n{awa.msisdn},Awa Mabiala,5 000\n",
        content_type="text/csv",
        headers=api_key(key, factories.key()),
    )

    assert response.status_code == 201
    assert (response.get_json()["valid"], response.get_json()["valid_amount"]) == (1, 5_000)


def test_a_csv_from_a_french_spreadsheet_is_read(client, fund, people):
    awa = people[0]
    csv = f"msisdn;name;amount\r\n{awa.msisdn};Awa Mabiala;12\u202f500\r\n"

    response = client.post(
        f"{API}/disbursements/batches?reference=PENSIONS-11",
        data=csv.encode(),
        content_type="text/csv",
        headers=api_key(fund[1], factories.key()),
    )

    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["valid"], response.get_json()["valid_amount"]) == (1, 12_500)


def test_a_csv_without_the_columns_is_refused(client, fund):
    response = submit(
        client,
        fund,
        data={"reference": "X", "file": (io.BytesIO(b"number;sum\n1;2\n"), "x.csv")},
        content_type="multipart/form-data",
    )

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")
    assert "file" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        {"reference": "X", "items": []},
        {"reference": "", "items": [{"msisdn": JEAN, "name": "Jean", "amount": 1}]},
        {"items": [{"msisdn": JEAN, "name": "Jean", "amount": 1}]},
        {"reference": "X", "items": "lines"},
    ],
)
def test_a_malformed_batch_is_a_validation_error(client, fund, body):
    response = submit(client, fund, body)

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


HUGE = b'"' + b"9" * 200_000 + b'",A,1\n'  # a field beyond the csv module's limit


def test_an_unreadable_csv_is_refused(client, fund):
    response = submit(
        client,
        fund,
        data={"reference": "X", "file": (io.BytesIO(b"msisdn,name,amount\n" + HUGE), "x.csv")},
        content_type="multipart/form-data",
    )

    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


def test_oversized_fields_are_rejected_lines_not_errors(client, fund):
    item = {"msisdn": "9" * 500, "name": "N" * 500, "amount": 1, "reference": "R" * 500}

    response = submit(client, fund, {"reference": "X", "items": [item, {**item, "msisdn": JEAN}]})

    assert response.get_json()["rejected"] == [
        {"line": 1, "code": "invalid_msisdn"},
        {"line": 2, "code": "invalid_name"},
    ]


@pytest.mark.parametrize("amount", ["\u00b2", "\u0663\u0660\u0660\u0660", "5\u00b2"])
def test_an_amount_in_other_digits_is_a_rejected_line(client, fund, amount):
    item = {"msisdn": JEAN, "name": "Jean Okemba", "amount": amount}
    response = submit(client, fund, {"reference": "X", "items": [item]})
    assert response.get_json()["rejected"] == [{"line": 1, "code": "invalid_amount"}]


@pytest.mark.parametrize("query", ["cursor=\u00b2", "cursor=9999999999"])
def test_a_cursor_or_limit_in_other_digits_is_a_validation_error(client, fund, people, query):
    batch_id = submit(client, fund, pensions(people)).get_json()["id"]
    response = get(client, fund, f"{batch_id}/lines?{query}")
    assert (response.status_code, response.get_json()["code"]) == (400, "validation_error")


def test_a_line_that_is_not_an_object_is_rejected(client, fund):
    response = submit(client, fund, {"reference": "X", "items": ["oops", 3]})

    assert response.get_json()["rejected"] == [
        {"line": 1, "code": "invalid_line"},
        {"line": 2, "code": "invalid_line"},
    ]


def test_more_than_the_line_limit_is_refused(runtime, monkeypatch):
    monkeypatch.setattr(validation, "MAX_LINES", 3)

    with pytest.raises(ValidationFailed), transaction(runtime) as session:
        validation.check_lines(session, [{}] * 4)


def test_approval_needs_enough_prefunding(client, runtime, people):
    with transaction(runtime) as session:
        poor = factories.payer(session, balance=10_000)
    batch_id = submit(client, poor, pensions(people)).get_json()["id"]

    response = approve(client, poor, batch_id)

    assert (response.status_code, response.get_json()["code"]) == (422, "insufficient_funds")
    assert get(client, poor, batch_id).get_json()["status"] == "validated"


def test_a_batch_without_a_valid_line_cannot_be_approved(client, fund):
    batch_id = submit(
        client, fund, {"reference": "X", "items": [{"msisdn": "1", "name": "A", "amount": 1}]}
    ).get_json()["id"]

    response = approve(client, fund, batch_id)

    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_state")


def test_approving_twice_pays_once(client, runtime, fund, people):
    batch_id = submit(client, fund, pensions(people)).get_json()["id"]

    approve(client, fund, batch_id)
    again = approve(client, fund, batch_id)

    assert (again.status_code, again.get_json()["status"]) == (202, "completed")
    assert wallet_of(runtime, people[0]) == 25_000


def test_the_same_reference_and_lines_return_the_first_batch(client, fund, people):
    first = submit(client, fund, pensions(people))
    again = submit(client, fund, pensions(people))

    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]


def test_a_reference_reused_for_other_lines_is_a_conflict(client, fund, people):
    submit(client, fund, pensions(people))
    other = pensions(people)
    other["items"] = other["items"][:1]

    response = submit(client, fund, other)

    assert (response.status_code, response.get_json()["code"]) == (409, "conflict")


def test_an_idempotency_key_is_required(client, fund, people):
    response = client.post(
        f"{API}/disbursements/batches", json=pensions(people), headers=api_key(fund[1])
    )

    assert (response.status_code, response.get_json()["code"]) == (400, "idempotency_key_missing")


def test_only_payers_submit_batches(client, runtime, people):
    with transaction(runtime) as session:
        _merchant, key = factories.api_client(session, "merchant")

    assert client.post(f"{API}/disbursements/batches", json={}).status_code == 401
    response = client.post(
        f"{API}/disbursements/batches", json={}, headers=api_key(key, factories.key())
    )
    assert (response.status_code, response.get_json()["code"]) == (403, "forbidden")


def test_another_payer_sees_nothing_and_an_admin_sees_all(client, app, runtime, fund, people):
    batch_id = submit(client, fund, pensions(people)).get_json()["id"]
    with transaction(runtime) as session:
        other = factories.payer(session)
        admin = factories.admin(session)

    assert get(client, other, batch_id).status_code == 404
    assert approve(client, other, batch_id).status_code == 404
    seen = client.get(
        f"{API}/disbursements/batches/{batch_id}", headers=factories.headers_for(app, admin)
    )
    assert seen.get_json()["total"] == 8


def test_a_wallet_frozen_after_validation_is_rejected_at_payment(client, runtime, fund, people):
    awa = people[0]
    batch_id = submit(client, fund, pensions(people)).get_json()["id"]
    with transaction(runtime) as session:
        session.get(Customer, awa.id).status = "frozen"

    approve(client, fund, batch_id)

    line = get(client, fund, f"{batch_id}/lines?limit=1").get_json()["items"][0]
    assert (line["status"], line["code"]) == ("rejected", "account_frozen")
    assert wallet_of(runtime, awa) == 0
    assert available(runtime, chart.payer(fund[0].id)) == 1_000_000 - 30_000


def test_an_uncollected_cash_pickup_goes_back_to_the_payer(client, runtime, clock, fund, people):
    from workers.remittances import expire_due

    batch_id = submit(client, fund, pensions(people)).get_json()["id"]
    approve(client, fund, batch_id)
    clock.advance(days=31)

    assert expire_due() == 1
    assert available(runtime, chart.payer(fund[0].id)) == 1_000_000 - 25_000
    assert available(runtime, chart.REMIT_PAYABLE) == 0


def test_each_paid_line_has_one_entry(client, runtime, fund, people):
    batch_id = submit(client, fund, pensions(people)).get_json()["id"]
    approve(client, fund, batch_id)

    with transaction(runtime) as session:
        keys = session.scalar(
            select(func.count())
            .select_from(Entry)
            .where(Entry.idempotency_key.like(f"disbursement:{batch_id}:%"))
        )
    assert keys == 2


def test_a_prefunding_that_runs_out_mid_chunk_pays_the_lines_in_order_until_it_does(
    runtime, people
):
    # Approval found the money; the payer spent some since. Lines are decided in
    # their order: Awa and Jean (cash) are paid, Chantal's 50 000 no longer fits,
    # Bruno's 10 000 still does, and the payer ends at exactly zero.
    from app.disbursements import batches, processing
    from app.disbursements.models import DisbursementBatch, DisbursementLine
    from app.remittances.models import Remittance

    awa, bruno, chantal = people
    with transaction(runtime) as session:
        payer, _key = factories.payer(session, balance=70_000)
        items = [
            {"msisdn": awa.msisdn, "name": "Awa Mabiala", "amount": 30_000},
            {"msisdn": JEAN, "name": "Jean Okemba", "amount": 30_000},
            {"msisdn": chantal.msisdn, "name": "Chantal Ibara", "amount": 50_000},
            {"msisdn": bruno.msisdn, "name": "Bruno Ngoma", "amount": 10_000},
        ]
        batch, _created = batches.submit_batch(session, payer.id, reference="DRAIN", items=items)
        batch.status = "processing"  # as approval would, minus its check of the funds
        batch_id = batch.id

    with transaction(runtime) as session:
        assert processing.process_chunk(session, batch_id) is False

    with transaction(runtime) as session:
        lines = {
            ln.line: (ln.status, ln.code)
            for ln in session.scalars(
                select(DisbursementLine).where(DisbursementLine.batch_id == batch_id)
            )
        }
        remittances = session.scalars(
            select(Remittance).where(Remittance.partner_id == payer.id)
        ).all()
        done = session.get(DisbursementBatch, batch_id)
        assert (done.status, done.completed, done.rejected, done.paid_amount) == (
            "completed",
            3,
            1,
            70_000,
        )
    assert lines == {
        1: ("completed", None),
        2: ("completed", None),
        3: ("rejected", "insufficient_funds"),
        4: ("completed", None),
    }
    assert [(r.amount, r.recipient_msisdn, r.status) for r in remittances] == [
        (30_000, JEAN, "awaiting_payout")
    ]
    assert [wallet_of(runtime, p) for p in people] == [30_000, 200_000, 0]
    assert available(runtime, chart.payer(payer.id)) == 0


def test_running_the_receipts_job_again_texts_nobody_twice(client, app, runtime, fund, people):
    from app.disbursements.notifications import notify_lines

    awa = people[0]
    batch_id = submit(client, fund, pensions(people)).get_json()["id"]
    approve(client, fund, batch_id)
    texts = sms_to(app, awa.msisdn)

    with transaction(runtime) as session:
        assert notify_lines(session, batch_id, 1, 8) == 1

    assert sms_to(app, awa.msisdn) == texts
    assert "25 000" in texts[-1] and "P-001" in texts[-1]
