"""Counter receipts (issue 16): one per operation, for the agent who performed it.

Awa Mabiala (100 000 FCFA) comes to the Poto-Poto counter; every operation goes
through the same domain services as REST, then its receipt is read back by
reference: the figures, the cash in words, Brazzaville time, the A4 PDF and
the 80 mm page. Another counter's agent cannot see it (``not_found``).
"""

from io import BytesIO

import pytest
from flask import render_template
from pypdf import PdfReader
from sqlalchemy import select

from app.agents import cash
from app.agents.staff import get_agent
from app.db import transaction
from app.errors import NotFound
from app.receipts import (
    END_OF_DAY_TEMPLATE,
    THERMAL_TEMPLATE,
    CounterOperation,
    receipt_filename,
    receipt_for,
    receipt_pdf,
    thermal_context,
)
from app.receipts import model as receipt_model
from app.remittances.counter import pay_out, send_cash
from app.transfers.models import Transfer
from app.transfers.withdrawals import create_withdrawal
from tests import factories

JEAN = "+242069990001"
MARIE = "+242055550001"


@pytest.fixture
def counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=200_000, username="guichet.pp")


@pytest.fixture
def other_counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(
            session,
            float_balance=200_000,
            post_office="Bureau de poste de Bacongo",
            post_office_code="BZV-BC",
        )


def cash_in(runtime, counter, awa, amount=15_000):
    with transaction(runtime) as session:
        agent = get_agent(session, counter.id)
        return cash.cash_in(session, agent, msisdn=awa.msisdn, amount=amount).reference


def cash_out(runtime, counter, awa, amount=10_000):
    with transaction(runtime) as session:
        code = create_withdrawal(session, session.merge(awa), amount=amount).code
    with transaction(runtime) as session:
        agent = get_agent(session, counter.id)
        return cash.cash_out(session, agent, msisdn=awa.msisdn, code=code).reference


def send(runtime, counter, amount=15_000):
    sender = {"name": "Marie Nkounkou", "msisdn": MARIE}
    if amount > 100_000:  # REMITTANCE_CASH_ID_THRESHOLD
        sender |= {"id_type": "passport", "id_number": "OA1234567"}
    with transaction(runtime) as session:
        remittance = send_cash(
            session,
            get_agent(session, counter.id),
            sender=sender,
            recipient={"name": "Jean Okemba", "msisdn": JEAN},
            amount=amount,
        )
        return remittance.reference


def payout(app, runtime, counter):
    code = factories.sms_code(app, JEAN)
    with transaction(runtime) as session:
        return pay_out(
            session,
            get_agent(session, counter.id),
            code=code,
            recipient_id_type="national_id",
            recipient_id_number="CG123456",
        ).reference


def receipt(runtime, who, reference, **kwargs):
    with transaction(runtime) as session:
        return receipt_for(session, get_staff(session, who), reference, **kwargs)


def get_staff(session, who):
    from app.agents.models import StaffUser

    return session.get(StaffUser, who.id)


def test_a_cash_in_receipt_says_who_where_what_and_how_much(runtime, counter, awa):
    reference = cash_in(runtime, counter, awa, 15_000)

    r = receipt(runtime, counter, reference)

    assert r.operator == "Société des Postes et de l'Épargne du Congo"
    assert r.service == "PostCash"
    assert (r.post_office, r.post_office_code) == ("Bureau de poste de Poto-Poto", "BZV-PP")
    assert r.agent == "guichet.pp"
    assert (r.operation, r.operation_label) == ("cashin", "Dépôt d'espèces")
    assert r.reference == reference
    assert (r.amount, r.fee, r.total) == (15_000, 0, 15_000)
    assert (r.amount_text, r.fee_text, r.total_text) == ("15 000 FCFA", "0 FCFA", "15 000 FCFA")
    assert (r.cash_direction, r.cash, r.cash_label) == ("in", 15_000, "Espèces reçues")
    assert r.cash_words == "quinze mille francs CFA"
    assert r.counterparty == awa.msisdn[:6] + "*****" + awa.msisdn[-2:]
    assert r.counterparty_name == "Awa M."  # the display name, as SMS receipts show it


def test_the_date_is_brazzaville_time_in_french(runtime, counter, awa):
    # The frozen clock reads 28 November 2026 09:00 UTC: 10:00 in Brazzaville.
    r = receipt(runtime, counter, cash_in(runtime, counter, awa))

    assert r.at_local == "28 novembre 2026 à 10:00"
    assert r.timezone == "Africa/Brazzaville"


def test_a_cash_out_receipt_shows_the_fee_and_the_cash_handed_over(runtime, counter, awa):
    r = receipt(runtime, counter, cash_out(runtime, counter, awa, 10_000))

    assert (r.operation, r.operation_label) == ("cashout", "Retrait d'espèces")
    assert (r.amount, r.fee, r.total) == (10_000, 300, 10_300)
    assert (r.cash_direction, r.cash, r.cash_label) == ("out", 10_000, "Espèces remises")
    assert r.cash_words == "dix mille francs CFA"
    assert r.total_words == "dix mille trois cents francs CFA"


def test_a_cash_remittance_receipt_names_the_recipient(runtime, counter):
    r = receipt(runtime, counter, send(runtime, counter, 15_000))

    assert (r.operation, r.operation_label) == ("remittance_send", "Envoi de mandat en espèces")
    assert (r.amount, r.fee, r.total, r.cash) == (15_000, 500, 15_500, 15_500)
    assert r.cash_words == "quinze mille cinq cents francs CFA"
    assert r.counterparty_name == "Marie Nkounkou"
    assert r.details == (("Bénéficiaire", "Jean Okemba +24206*****01"),)


def test_a_payout_receipt_is_for_the_paying_counter(app, runtime, counter, other_counter):
    reference = send(runtime, other_counter, 15_000)
    payout(app, runtime, counter)

    r = receipt(runtime, counter, reference)

    assert (r.operation, r.operation_label) == ("remittance_payout", "Paiement de mandat")
    assert (r.amount, r.fee, r.cash, r.cash_direction) == (15_000, 0, 15_000, "out")
    assert r.counterparty_name == "Jean Okemba"
    assert r.details == (("Expéditeur", "Marie Nkounkou +24205*****01"),)
    assert receipt(runtime, other_counter, reference).operation == "remittance_send"


def test_a_remittance_sent_and_paid_at_one_counter_has_two_receipts(app, runtime, clock, counter):
    reference = send(runtime, counter)
    clock.advance(hours=2)
    payout(app, runtime, counter)

    assert receipt(runtime, counter, reference).operation == "remittance_payout"
    sent = receipt(runtime, counter, reference, operation="remittance_send")
    assert sent.operation == "remittance_send"


def test_a_reversed_operations_reprint_says_it_was_cancelled(app, runtime, counter, awa):
    from app.transfers.reversal import reverse_transfer

    reference = cash_in(runtime, counter, awa)
    with transaction(runtime) as session:
        admin = factories.admin(session)
        transfer_id = session.scalar(select(Transfer.id).where(Transfer.reference == reference))
        reverse_transfer(session, transfer_id, reason="wrong number", admin_id=admin.id)

    r = receipt(runtime, counter, reference)

    assert r.reversed and r.status == "reversed"
    with app.test_request_context():
        page = render_template(THERMAL_TEMPLATE, **thermal_context(r))
    assert "OPÉRATION ANNULÉE" in page
    assert "OPÉRATION ANNULÉE" in pdf_text(receipt_pdf(r))[1]


def test_another_agents_receipt_does_not_exist_for_them(runtime, counter, other_counter, awa):
    reference = cash_in(runtime, counter, awa)

    with pytest.raises(NotFound):
        receipt(runtime, other_counter, reference)


def test_an_admin_reprints_any_counters_receipt_with_that_counters_office(runtime, counter, awa):
    reference = cash_in(runtime, counter, awa)
    with transaction(runtime) as session:
        admin = factories.admin(session)

    r = receipt(runtime, admin, reference)

    assert (r.agent, r.post_office_code) == ("guichet.pp", "BZV-PP")


@pytest.mark.parametrize("reference", ["PCNOSUCH22", "", "x" * 500])
def test_an_unknown_reference_is_not_found(runtime, counter, reference):
    with pytest.raises(NotFound):
        receipt(runtime, counter, reference)


def test_a_customers_own_transfer_has_no_counter_receipt(runtime, counter, awa):
    with transaction(runtime) as session:
        pending = create_withdrawal(session, session.merge(awa), amount=5_000)
        reference = pending.transfer.reference

    with pytest.raises(NotFound):
        receipt(runtime, counter, reference)


def test_a_reference_is_found_whatever_its_case_and_spaces(runtime, counter, awa):
    reference = cash_in(runtime, counter, awa)

    assert receipt(runtime, counter, f"  {reference.lower()} ").reference == reference


def test_a_package_adds_its_counter_operations_with_a_source(runtime, monkeypatch, counter, clock):
    def savings(session, reference):
        if reference != "SV12345678":
            return []
        return [
            CounterOperation(
                operation="savings_deposit",
                reference=reference,
                agent_id=counter.id,
                amount=80_000,
                fee=0,
                cash=80_000,
                at=clock.now(),
                status="completed",
            )
        ]

    monkeypatch.setitem(receipt_model._SOURCES, "savings", savings)

    r = receipt(runtime, counter, "SV12345678")

    assert r.operation_label == "Dépôt d'épargne en espèces"
    assert r.cash_words == "quatre-vingt mille francs CFA"


# --- The A4 PDF ------------------------------------------------------------------


def pdf_text(data):
    reader = PdfReader(BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_one_a4_page_with_the_reference_amounts_and_words(runtime, counter):
    r = receipt(runtime, counter, send(runtime, counter, 15_000))

    data = receipt_pdf(r)

    assert data.startswith(b"%PDF-")
    pages, text = pdf_text(data)
    assert pages == 1
    page = PdfReader(BytesIO(data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    for expected in (
        r.reference,
        "Société des Postes et de l'Épargne du Congo",
        "Bureau de poste de Poto-Poto (BZV-PP)",
        "Envoi de mandat en espèces",
        "15 000 FCFA",
        "500 FCFA",
        "15 500 FCFA",
        "quinze mille cinq cents francs CFA",
        "28 novembre 2026 à 10:00",
        "Jean Okemba +24206*****01",
    ):
        assert expected in text, expected


def test_the_pdf_is_named_after_the_reference(runtime, counter, awa):
    reference = cash_in(runtime, counter, awa)

    assert receipt_filename(receipt(runtime, counter, reference)) == f"recu-{reference}.pdf"


def test_the_pdf_of_a_receipt_is_the_same_at_every_reprint(runtime, counter, awa):
    reference = cash_in(runtime, counter, awa)

    assert receipt_pdf(receipt(runtime, counter, reference)) == receipt_pdf(
        receipt(runtime, counter, reference)
    )


def test_a_very_large_amount_in_words_wraps_inside_the_page(runtime, counter):
    with transaction(runtime) as session:
        factories.fund(session, f"float:{counter.id}", 2_000_000_000)
    r = receipt(runtime, counter, send(runtime, counter, 999_999))

    _pages, text = pdf_text(receipt_pdf(r))

    words = " ".join(text.split())
    assert r.cash_words in words


# --- The 80 mm page ------------------------------------------------------------


def test_the_thermal_page_prints_at_80mm_with_the_qr_code_and_the_figures(
    app, runtime, counter, awa
):
    r = receipt(runtime, counter, cash_in(runtime, counter, awa, 15_000))

    with app.test_request_context():
        page = render_template(THERMAL_TEMPLATE, **thermal_context(r, back_url="/counter"))

    assert "@page { size: 80mm auto; margin: 0 }" in page
    assert page.count("<svg") == 1 and 'aria-label="' + r.reference + '"' in page
    for expected in (r.reference, "15 000 FCFA", "quinze mille francs CFA", "Dépôt d&#39;espèces"):
        assert expected in page, expected
    assert 'href="/counter"' in page
    assert "window.print()" in page


def test_names_on_the_thermal_page_are_escaped(app, runtime, counter):
    with transaction(runtime) as session:
        remittance = send_cash(
            session,
            get_agent(session, counter.id),
            sender={"name": "Marie <b>Nkounkou</b>", "msisdn": MARIE},
            recipient={"name": "Jean Okemba", "msisdn": JEAN},
            amount=5_000,
        )
        reference = remittance.reference
    r = receipt(runtime, counter, reference)

    with app.test_request_context():
        page = render_template(THERMAL_TEMPLATE, **thermal_context(r))

    assert "<b>Nkounkou" not in page


def test_the_end_of_day_template_is_shipped(app):
    assert app.jinja_env.get_template(END_OF_DAY_TEMPLATE) is not None


@pytest.fixture
def supervisor(runtime):
    with transaction(runtime) as session:
        return factories.supervisor(session)


def test_a_supervisor_reprints_a_receipt_of_an_agent_of_their_office(
    runtime, counter, awa, supervisor
):
    reference = cash_in(runtime, counter, awa)

    assert receipt(runtime, supervisor, reference).agent == "guichet.pp"


def test_a_supervisor_cannot_read_another_offices_receipt(runtime, other_counter, awa, supervisor):
    reference = cash_in(runtime, other_counter, awa)

    with pytest.raises(NotFound):
        receipt(runtime, supervisor, reference)


def test_a_supervisor_cannot_perform_a_cash_operation(runtime, awa, supervisor):
    with transaction(runtime) as session, pytest.raises(NotFound):
        cash.cash_in(session, get_agent(session, supervisor.id), msisdn=awa.msisdn, amount=1_000)
