"""The logs of a whole customer journey hold no secret and no full phone number.

Registration with its code, sign-in, a P2P transfer with its OTP, a withdrawal paid at the
counter with its code, a remittance paid out with its 10-digit code, a USSD
session and an SMS command all run with DEBUG logging to JSON; then the log
text is searched for every secret the journey used.
"""

from __future__ import annotations

import logging
import re

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.payments_support import API, confirm, otp_for, post, send_p2p
from tests.logs import json_log_stream

PIN = "4826"


@pytest.fixture
def captured_logs():
    with json_log_stream(logging.DEBUG) as stream:
        yield stream


def test_a_full_journey_logs_no_secret(client, app, runtime, captured_logs):
    awa_number, bruno_number = factories.new_msisdn(), factories.new_msisdn()
    registration_codes: list[str] = []
    for number, first in ((awa_number, "Awa"), (bruno_number, "Bruno")):
        created = client.post(
            f"{API}/customers",
            json={
                "msisdn": number,
                "first_name": first,
                "last_name": "Test",
                "pin": PIN,
                "language": "fr",
            },
        )
        assert created.status_code == 201, created.get_json()
        registration_codes.append(factories.sms_code(app, number, digits=6))
        verified = factories.verify(client, app, created.get_json(), registration_codes[-1])
        assert verified.status_code == 200, verified.get_json()
    login = client.post(f"{API}/auth/login", json={"msisdn": awa_number, "pin": PIN})
    token = login.get_json()["access_token"]
    with transaction(runtime) as session:
        from app.customers.service import find_by_msisdn

        awa = find_by_msisdn(session, awa_number)
        factories.fund(session, f"wallet:{awa.id}", 100_000)
        counter = factories.agent(session, float_balance=100_000)
    transfer = send_p2p(client, app, awa, bruno_number, 5_000).get_json()
    otp = otp_for(app, awa)
    assert confirm(client, app, awa, transfer["id"], otp).status_code == 200
    withdrawal = post(client, app, awa, "/withdrawals", {"amount": 2_000}).get_json()
    assert (
        post(
            client,
            app,
            counter,
            "/agent/cash-out",
            {"msisdn": awa_number, "code": withdrawal["code"]},
        ).status_code
        == 200
    )
    sent = post(
        client,
        app,
        awa,
        "/remittances",
        {"recipient": {"name": "Jean Test", "msisdn": bruno_number}, "amount": 3_000},
    )
    assert (
        post(
            client,
            app,
            awa,
            f"/remittances/{sent.get_json()['id']}/confirm",
            {"otp": otp_for(app, awa)},
            idempotent=False,
        ).status_code
        == 200
    )
    remittance_code = factories.sms_code(app, bruno_number, digits=10)
    payout = post(
        client,
        app,
        counter,
        "/agent/remittances/payout",
        {
            "code": remittance_code,
            "recipient_id_type": "national_id",
            "recipient_id_number": "CG123456",
        },
    )
    assert payout.status_code == 200, payout.get_json()["errors"]
    client.post(
        "/ussd",
        data={
            "sessionId": "log-run",
            "serviceCode": "*123#",
            "phoneNumber": awa_number,
            "text": "5*" + PIN,
        },
    )
    client.post(
        "/sms/inbound",
        data={
            "from": awa_number,
            "to": "20123",
            "text": "SOLDE",
            "date": "2026-11-28",
            "id": "log-run-1",
        },
    )

    text = captured_logs.getvalue()
    assert text, "the journey wrote no log at all"
    local = {n.removeprefix("+242") for n in (awa_number, bruno_number)}
    secrets_used = {
        PIN,
        *registration_codes,
        otp,
        withdrawal["code"],
        remittance_code,
        token,
        *local,
        awa_number,
        bruno_number,
    }
    leaked = {s for s in secrets_used if re.search(rf"(?<![0-9]){re.escape(s)}(?![0-9])", text)}
    assert not leaked, f"secrets or full numbers in the logs: {sorted(leaked)}"
