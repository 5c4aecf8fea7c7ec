"""Payments in the back office (/backoffice/payments): search, a payment's page, and a
reversal proposed by one operator and approved by another.

A remittance's payout code appears on no page, ever.
"""

import re

import pytest
from sqlalchemy import select

from app import ledger
from app.db import transaction
from app.helpdesk.models import ReversalProposal
from app.ledger import chart
from app.transfers.models import Transfer
from tests import factories
from tests.desk_support import cash_remittance, form_key, paid_p2p
from tests.e2e.backoffice_support import post, sign_in, text_of


@pytest.fixture
def people(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=100_000, msisdn="+242061234567")
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
    return awa, bruno


@pytest.fixture
def operators(runtime):
    with transaction(runtime) as session:
        return (
            factories.head_office(session, role="operator", username="ops.maker"),
            factories.head_office(session, role="operator", username="ops.checker"),
        )


def signed_in(app, staff):
    client = app.test_client()
    assert sign_in(client, staff.username).status_code == 303
    return client


@pytest.fixture
def maker(app, operators):
    return signed_in(app, operators[0])


@pytest.fixture
def checker(app, operators):
    return signed_in(app, operators[1])


def pay(runtime, sender, recipient, amount):
    with transaction(runtime) as session:
        transfer = paid_p2p(session, session.merge(sender), session.merge(recipient), amount)
        return transfer.id, transfer.reference


def search(client, **fields):
    return post(client, "/backoffice/payments", **fields)


def references_on(page):
    return set(re.findall(r"\bPC[2-9A-HJ-NP-Z]{8}\b", text_of(page)))


def test_the_latest_transfers_are_listed_newest_first(maker, runtime, people, clock):
    awa, bruno = people
    _first_id, first = pay(runtime, awa, bruno, 1_000)
    clock.advance(minutes=5)
    _second_id, second = pay(runtime, awa, bruno, 2_000)
    text = text_of(maker.get("/backoffice/payments"))
    assert text.index(second) < text.index(first)


def test_a_reference_finds_its_transfer(maker, runtime, people):
    awa, bruno = people
    _id, wanted = pay(runtime, awa, bruno, 1_000)
    _other_id, _other = pay(runtime, awa, bruno, 2_000)
    page = search(maker, kind="transfers", reference=wanted.lower())
    assert references_on(page) == {wanted}


def test_a_number_in_any_format_finds_the_payments_of_either_party(maker, runtime, people):
    awa, bruno = people
    _id, awas = pay(runtime, awa, bruno, 1_000)
    with transaction(runtime) as session:
        carine = factories.customer(session, balance=10_000, first_name="Carine")
    _id, _other = pay(runtime, carine, bruno, 1_000)
    assert references_on(search(maker, msisdn="06 123 45 67")) == {awas}


def test_a_range_of_days_and_a_status_narrow_the_search(app, operators, runtime, people, clock):
    awa, bruno = people
    _id, old = pay(runtime, awa, bruno, 1_000)
    clock.advance(days=3)
    recent_id, recent = pay(runtime, awa, bruno, 1_000)
    maker = signed_in(app, operators[0])  # three days later: a new session
    today = clock.now().date().isoformat()
    assert references_on(search(maker, since=today, until=today)) == {recent}
    with transaction(runtime) as session:
        session.get(Transfer, recent_id).status = "failed"  # only to tell statuses apart
    assert references_on(search(maker, status="completed")) == {old}


def test_results_come_a_page_at_a_time(maker, runtime, people):
    awa, bruno = people
    made = {pay(runtime, awa, bruno, 100)[1] for _ in range(21)}
    first = search(maker)
    cursor = re.search(r'name="cursor" value="([^"]+)"', first.get_data(as_text=True)).group(1)
    second = search(maker, cursor=cursor, kind="transfers")
    assert len(references_on(first)) == 20 and len(references_on(second)) == 1
    assert references_on(first) | references_on(second) == made


def test_a_bad_filter_is_named_in_french_never_a_500(maker):
    response = search(maker, msisdn="abc", since="hier", status="perdu")
    assert response.status_code == 400
    text = text_of(response)
    assert "le numéro de téléphone" in text and "le premier jour" in text and "l'état" in text


def test_a_remittance_page_never_shows_its_code(maker, app, runtime):
    recipient = factories.new_msisdn()
    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=100_000)
        remittance = cash_remittance(session, agent, recipient, 20_000)
        remittance_id, reference = remittance.id, remittance.reference
        code_hash = remittance.code_hash
    code = factories.sms_code(app, recipient)
    pages = [
        maker.get(f"/backoffice/payments/remittances/{remittance_id}"),
        search(maker, kind="remittances", reference=reference),
        search(maker, kind="remittances", msisdn=recipient),
        search(maker, kind="remittances"),
    ]
    assert reference in text_of(pages[0]) and "jamais affiché" in text_of(pages[0])
    assert all(reference in text_of(page) for page in pages[1:])
    for page in pages:
        body = page.get_data(as_text=True)
        assert code not in body and code not in re.sub(r"\D", "", body)
        assert code_hash not in body


def test_one_operator_proposes_and_another_approves_the_reversal(maker, checker, runtime, people):
    awa, bruno = people
    transfer_id, _ref = pay(runtime, awa, bruno, 5_000)
    page = maker.get(f"/backoffice/payments/transfers/{transfer_id}")
    proposed = post(
        maker,
        f"/backoffice/payments/transfers/{transfer_id}/reversal",
        once=form_key(page, "propose"),
        reason="Envoyé au mauvais numéro",
    )
    assert proposed.status_code == 303
    own = maker.get(f"/backoffice/payments/transfers/{transfer_id}")
    assert "un autre opérateur doit la décider" in text_of(own)
    assert 'id="approve"' not in own.get_data(as_text=True)
    queue = text_of(checker.get("/backoffice/payments/reversals"))
    assert "Envoyé au mauvais numéro" in queue and "ops.maker" in queue
    theirs = checker.get(f"/backoffice/payments/transfers/{transfer_id}")
    with transaction(runtime) as session:
        proposal = session.scalar(select(ReversalProposal.id))
    approved = post(
        checker,
        f"/backoffice/payments/reversals/{proposal}/approve",
        once=form_key(theirs, "approve"),
    )
    assert approved.status_code == 303
    done = text_of(checker.get(approved.headers["Location"]))
    assert "contre-passé" in done and "ops.checker" in done
    with transaction(runtime) as session:
        assert session.get(Transfer, transfer_id).status == "reversed"
        assert ledger.balance(session, chart.wallet(bruno.id)).available == 0


def test_the_proposer_posting_an_approval_is_refused_in_plain_french(maker, runtime, people):
    awa, bruno = people
    transfer_id, _ref = pay(runtime, awa, bruno, 5_000)
    page = maker.get(f"/backoffice/payments/transfers/{transfer_id}")
    post(
        maker,
        f"/backoffice/payments/transfers/{transfer_id}/reversal",
        once=form_key(page, "propose"),
        reason="Fraude",
    )
    with transaction(runtime) as session:
        proposal = session.scalar(select(ReversalProposal.id))
    refused = post(maker, f"/backoffice/payments/reversals/{proposal}/approve", once="k" * 24)
    assert refused.status_code == 403
    assert "un autre opérateur doit l'approuver" in text_of(refused)
    with transaction(runtime) as session:
        assert session.get(Transfer, transfer_id).status == "completed"


def test_a_rejection_needs_a_reason_and_keeps_the_payment(maker, checker, runtime, people):
    awa, bruno = people
    transfer_id, _ref = pay(runtime, awa, bruno, 5_000)
    page = maker.get(f"/backoffice/payments/transfers/{transfer_id}")
    post(
        maker,
        f"/backoffice/payments/transfers/{transfer_id}/reversal",
        once=form_key(page, "propose"),
        reason="Doute",
    )
    with transaction(runtime) as session:
        proposal = session.scalar(select(ReversalProposal.id))
    theirs = checker.get(f"/backoffice/payments/transfers/{transfer_id}")
    url = f"/backoffice/payments/reversals/{proposal}/reject"
    assert post(checker, url, once=form_key(theirs, "reject"), reason="").status_code == 400
    theirs = checker.get(f"/backoffice/payments/transfers/{transfer_id}")
    rejected = post(checker, url, once=form_key(theirs, "reject"), reason="Client joint")
    assert rejected.status_code == 303
    assert "rejetée" in text_of(checker.get(rejected.headers["Location"]))
    with transaction(runtime) as session:
        assert session.get(Transfer, transfer_id).status == "completed"


def test_a_reversed_transfer_offers_no_new_proposal_and_refuses_one(maker, runtime, people):
    awa, bruno = people
    transfer_id, _ref = pay(runtime, awa, bruno, 5_000)
    page = maker.get(f"/backoffice/payments/transfers/{transfer_id}")
    with transaction(runtime) as session:
        session.get(Transfer, transfer_id).status = "reversed"  # as if by REST meanwhile
    refused = post(
        maker,
        f"/backoffice/payments/transfers/{transfer_id}/reversal",
        once=form_key(page, "propose"),
        reason="Mauvais numéro",
    )
    assert refused.status_code == 422
    assert "déjà annulé" in text_of(refused)
    assert 'id="propose"' not in refused.get_data(as_text=True)


def test_an_auditor_searches_and_reads_but_cannot_propose(app, runtime, people):
    awa, bruno = people
    transfer_id, reference = pay(runtime, awa, bruno, 5_000)
    with transaction(runtime) as session:
        auditor = factories.head_office(session, role="auditor")
    client = signed_in(app, auditor)
    assert references_on(search(client, reference=reference)) == {reference}
    page = client.get(f"/backoffice/payments/transfers/{transfer_id}")
    assert page.status_code == 200 and 'id="propose"' not in page.get_data(as_text=True)
    refused = post(
        client,
        f"/backoffice/payments/transfers/{transfer_id}/reversal",
        once="k" * 24,
        reason="Essai",
    )
    assert refused.status_code == 403


def test_a_supervisor_opens_no_payment_page(app, runtime, people):
    awa, bruno = people
    transfer_id, _ref = pay(runtime, awa, bruno, 5_000)
    with transaction(runtime) as session:
        boss = factories.supervisor(session)
    client = signed_in(app, boss)
    assert client.get("/backoffice/payments").status_code == 403
    assert client.get(f"/backoffice/payments/transfers/{transfer_id}").status_code == 403
    assert client.get("/backoffice/payments/reversals").status_code == 403
