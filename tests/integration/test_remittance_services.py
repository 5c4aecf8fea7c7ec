"""The domain functions other channels call: USSD sends with the PIN and claims a code."""

import pytest
from sqlalchemy import select

from app import ledger
from app.db import transaction
from app.errors import InvalidPin
from app.ledger import chart
from app.remittances import claims, wallet
from app.remittances.errors import ClientKeyReused
from app.remittances.models import Remittance
from tests import factories

JEAN = "+242069990001"


@pytest.fixture
def awa_balance():
    return 50_000


def send(runtime, awa, pin=factories.PIN, client_key=None, amount=10_000):
    with transaction(runtime) as session:
        sender = session.merge(awa)
        remittance = wallet.send_with_pin(
            session,
            sender,
            recipient_name="Jean Okemba",
            recipient_msisdn="06 999 0001",
            amount=amount,
            pin=pin,
            client_key=client_key,
        )
        return remittance.id, remittance.status


def test_with_the_pin_a_remittance_is_sent_at_once(app, runtime, awa):
    remittance_id, status = send(runtime, awa)

    assert status == "awaiting_payout"
    assert len(factories.sms_code(app, JEAN)) == 10
    with transaction(runtime) as session:
        assert session.get(Remittance, remittance_id).channel == "ussd"
        assert ledger.balance(session, chart.wallet(awa.id)).posted == 50_000 - 10_500


def test_a_wrong_pin_sends_nothing(runtime, awa):
    with pytest.raises(InvalidPin):
        send(runtime, awa, pin="9999")

    with transaction(runtime) as session:
        assert session.scalars(select(Remittance)).all() == []
        assert ledger.balance(session, chart.wallet(awa.id)).available == 50_000


def test_a_repeated_ussd_step_returns_the_first_remittance(runtime, awa):
    first, _ = send(runtime, awa, client_key="ussd-session-1:7")
    again, _ = send(runtime, awa, client_key="ussd-session-1:7")

    assert again == first
    with transaction(runtime) as session:
        assert ledger.balance(session, chart.wallet(awa.id)).posted == 50_000 - 10_500


def test_a_step_key_reused_for_another_remittance_is_refused(runtime, awa):
    with transaction(runtime) as session:
        sender = session.merge(awa)
        wallet.place_remittance(
            session,
            sender,
            recipient_name="Jean Okemba",
            recipient_msisdn=JEAN,
            amount=5_000,
            client_key="ussd-session-2:7",
        )

    with pytest.raises(ClientKeyReused), transaction(runtime) as session:
        wallet.place_remittance(
            session,
            session.merge(awa),
            recipient_name="Jean Okemba",
            recipient_msisdn=JEAN,
            amount=6_000,
            client_key="ussd-session-2:7",
        )


def test_the_recipient_claims_a_code_into_the_wallet(app, runtime, awa):
    with transaction(runtime) as session:
        jean = factories.customer(session, msisdn=JEAN)
    send(runtime, awa)

    with transaction(runtime) as session:
        remittance = claims.claim_to_wallet(
            session, session.merge(jean), factories.sms_code(app, JEAN)
        )
        assert (remittance.status, remittance.payout_method) == ("paid_out", "wallet")
        assert ledger.balance(session, chart.wallet(jean.id)).posted == 10_000
