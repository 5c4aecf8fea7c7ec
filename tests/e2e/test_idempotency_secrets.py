"""What the idempotency table keeps may not give away a code: requests are kept as a keyed
HMAC, answers sealed; a replay still answers with the code, and records of before the rule
are still honoured until they expire."""

import hashlib
import json

from sqlalchemy import select, update

from app.agents.staff import get_agent
from app.api.idempotency import IdempotencyRecord
from app.db import transaction
from app.remittances.counter import send_cash
from app.remittances.models import AWAITING, Remittance
from tests import factories
from tests.e2e.payments_support import API, post


def stored(runtime):
    with transaction(runtime) as session:
        return session.scalars(select(IdempotencyRecord)).all()


def test_a_refused_claim_does_not_leave_its_code_under_a_plain_hash(client, app, runtime):
    with transaction(runtime) as session:
        counter = factories.agent(session, float_balance=200_000)
        awa = factories.customer(session, balance=195_000)  # basic: the wallet holds 200 000
        send_cash(
            session,
            get_agent(session, counter.id),
            sender={"name": "Marie Nkounkou", "msisdn": "+242055550001"},
            recipient={"name": "Awa Mabiala", "msisdn": awa.msisdn},
            amount=30_000,
        )
    code = factories.sms_code(app, awa.msisdn)
    response = post(client, app, awa, "/remittances/claim", {"code": code})
    assert (response.status_code, response.get_json()["code"]) == (422, "limit_exceeded")
    with transaction(runtime) as session:
        assert session.scalar(select(Remittance.status)) == AWAITING  # the code is still money
    plain = hashlib.sha256(
        f"POST {API}/remittances/claim\n".encode()
        + json.dumps({"code": code}, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    assert plain not in {record.request_hash for record in stored(runtime)}


def test_a_withdrawal_answer_is_kept_sealed_and_replayed_with_its_code(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=50_000)
    first = post(client, app, awa, "/withdrawals", {"amount": 10_000}, key="cash-1")
    again = post(client, app, awa, "/withdrawals", {"amount": 10_000}, key="cash-1")
    code = first.get_json()["code"]
    assert (again.headers["Idempotent-Replayed"], again.get_json()["code"]) == ("true", code)
    (record,) = stored(runtime)
    assert code not in record.response_body and "10000" not in record.response_body


def test_a_record_written_before_the_rule_still_replays(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=50_000)
    first = post(client, app, awa, "/withdrawals", {"amount": 10_000}, key="cash-2")
    legacy_hash = hashlib.sha256(
        f"POST {API}/withdrawals\n".encode()
        + json.dumps({"amount": 10_000}, separators=(",", ":")).encode()
    ).hexdigest()
    with transaction(runtime) as session:
        session.execute(
            update(IdempotencyRecord).values(
                request_hash=legacy_hash, response_body=first.get_data(as_text=True)
            )
        )
    again = post(client, app, awa, "/withdrawals", {"amount": 10_000}, key="cash-2")
    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())


def test_a_clear_record_with_an_accent_still_replays(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=50_000)
    body = {"type": "p2p", "to": "+242069999999", "amount": 5_000, "référence": "loyer"}
    first = post(client, app, awa, "/transfers", body, key="legacy-accent")
    assert first.status_code == 400, first.get_json()
    clear = first.get_data(as_text=True)
    assert not clear.isascii()  # what the code before sealing stored, as it stored it
    legacy_hash = hashlib.sha256(
        f"POST {API}/transfers\n".encode()
        + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    with transaction(runtime) as session:
        session.execute(
            update(IdempotencyRecord).values(request_hash=legacy_hash, response_body=clear)
        )
    again = post(client, app, awa, "/transfers", body, key="legacy-accent")
    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())
