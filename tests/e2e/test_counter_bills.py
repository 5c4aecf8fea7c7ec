"""A walk-in customer's bill paid at the counter from its float (API.md "Agents").

The customer hands over the bill's amount and the fee (100 FCFA) in cash; the
counter's float pays the biller and ``fees:bill`` in one posted entry. No
wallet is touched and no customer SMS is sent: the receipt is on paper.
"""

import pytest

from app.db import transaction
from app.errors import InsufficientFunds, ValidationFailed
from app.ledger import chart
from app.payments import counter as bill_counter
from app.payments.errors import BillerNotFound
from app.payments.models import BillPayment
from app.transfers.models import Transfer
from tests import factories
from tests.e2e.payments_support import available, float_of, post


@pytest.fixture
def counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=100_000)


@pytest.fixture
def electricity(runtime):
    with transaction(runtime) as session:
        return factories.biller(session).biller.code


def pay(runtime, counter, biller, **overrides):
    values = {
        "biller_code": biller,
        "bill_reference": "01234567890",
        "amount": 15_000,
        "payer_name": "Joseph Mavoungou",
    }
    values.update(overrides)
    with transaction(runtime) as session:
        agent = session.get(type(counter), counter.id)
        transfer = bill_counter.pay_bill_in_cash(session, agent, **values)
        return transfer.id


def test_the_float_pays_the_biller_and_the_fee(runtime, counter, electricity):
    transfer_id = pay(runtime, counter, electricity)
    assert float_of(runtime, counter) == 100_000 - 15_100
    assert available(runtime, chart.biller(electricity)) == 15_000
    with transaction(runtime) as session:
        transfer = session.get(Transfer, transfer_id)
        bill = session.get(BillPayment, transfer_id)
        assert (transfer.type, transfer.status, transfer.channel) == ("bill", "completed", "agent")
        assert (transfer.amount, transfer.fee, transfer.agent_id) == (15_000, 100, counter.id)
        assert transfer.from_customer_id is None
        assert bill.paid_at is not None and bill.bill_reference == "01234567890"


def test_the_same_form_key_pays_once(runtime, counter, electricity):
    first = pay(runtime, counter, electricity, client_key="form-1")
    again = pay(runtime, counter, electricity, client_key="form-1")
    assert again == first
    assert float_of(runtime, counter) == 100_000 - 15_100


def test_a_float_too_small_pays_nothing(runtime, electricity):
    with transaction(runtime) as session:
        poor = factories.agent(session, float_balance=10_000)
    with pytest.raises(InsufficientFunds):
        pay(runtime, poor, electricity)
    assert float_of(runtime, poor) == 10_000
    assert available(runtime, chart.biller(electricity)) == 0


def test_a_reference_of_the_wrong_shape_is_refused(runtime, counter, electricity):
    with pytest.raises(ValidationFailed):
        pay(runtime, counter, electricity, bill_reference="12")
    assert float_of(runtime, counter) == 100_000


def test_an_unknown_biller_is_refused(runtime, counter):
    with pytest.raises(BillerNotFound):
        pay(runtime, counter, "NOPE")


def test_the_quote_shows_amount_fee_and_total(runtime, counter, electricity):
    with transaction(runtime) as session:
        agent = session.get(type(counter), counter.id)
        quote = bill_counter.quote_walk_in_bill(
            session,
            agent,
            biller_code=electricity,
            bill_reference="01234567890",
            amount=15_000,
            payer_name="Joseph Mavoungou",
            payer_msisdn="06 123 45 67",
        )
    assert (quote.amount, quote.fee, quote.total) == (15_000, 100, 15_100)
    assert quote.payer_msisdn == "+242061234567"


def test_rest_pays_a_walk_in_bill(client, app, runtime, counter, electricity):
    body = {
        "biller_code": electricity,
        "bill_reference": "01234567890",
        "amount": 15_000,
        "payer_name": "Joseph Mavoungou",
    }
    response = post(client, app, counter, "/agent/bill-payments", body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "completed"
    assert float_of(runtime, counter) == 100_000 - 15_100


def test_it_is_in_the_counters_day_report(client, app, runtime, counter, electricity):
    pay(runtime, counter, electricity)
    from app.agents.report import daily_report
    from app.clock import local_today

    with transaction(runtime) as session:
        agent = session.get(type(counter), counter.id)
        report = daily_report(session, agent, local_today())
    assert report["totals"]["bill"] == {"count": 1, "amount": 15_000, "fees": 100, "commission": 0}


def test_an_operator_reversal_gives_the_float_its_money_back(runtime, counter, electricity):
    from app.transfers.reversal import reverse_transfer

    transfer_id = pay(runtime, counter, electricity)
    with transaction(runtime) as session:
        admin = factories.admin(session)
        reverse_transfer(session, transfer_id, reason="paid the wrong bill", admin_id=admin.id)
    assert float_of(runtime, counter) == 100_000
    assert available(runtime, chart.biller(electricity)) == 0


def test_a_closed_till_pays_no_bill(runtime, counter, electricity):
    from app.agents.errors import TillClosed
    from app.agents.till import close_day

    with transaction(runtime) as session:
        close_day(session, session.get(type(counter), counter.id))
    with pytest.raises(TillClosed):
        pay(runtime, counter, electricity)
    assert float_of(runtime, counter) == 100_000
