"""``POST /transfers/{id}/otp``: the code that did not arrive is texted again.

Awa holds 100 000 FCFA and sends 5 000 to Bruno. Her code can be lost (an SMS
gone missing, or dropped after a Redis outage because it could not leave
before it died); she asks for it again from the app, as ``RENVOI`` does by SMS.
"""

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.payments_support import confirm, otp_for, post, send_p2p, sms_to, wallet_of
from tests.problems import problem


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno", last_name="Ngoma")


def codes_to(app, who):
    return [text for text in sms_to(app, who.msisdn) if "confirme l'envoi" in text]


def resend(client, app, who, transfer_id):
    return post(client, app, who, f"/transfers/{transfer_id}/otp", idempotent=False)


@pytest.fixture
def created(client, app, awa, bruno):
    return send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()["id"]


def test_the_same_code_is_texted_again_after_the_cooldown(client, app, awa, created, clock):
    code = otp_for(app, awa)
    clock.advance(seconds=61)

    response = resend(client, app, awa, created)

    assert response.status_code == 200
    assert response.get_json()["status"] == "pending_confirmation"
    texts = codes_to(app, awa)
    assert len(texts) == 2 and code in texts[-1]


def test_the_resent_code_confirms_the_transfer(client, app, runtime, awa, bruno, created, clock):
    clock.advance(seconds=61)
    resend(client, app, awa, created)
    confirmed = confirm(client, app, awa, created, otp_for(app, awa))
    assert confirmed.get_json()["status"] == "completed"
    assert wallet_of(runtime, bruno) == 5_000


def test_asking_again_within_the_cooldown_is_refused_with_the_wait(client, app, awa, created):
    response = resend(client, app, awa, created)
    problem(response, 429, "rate_limited")
    assert len(codes_to(app, awa)) == 1


def test_a_transfer_past_its_deadline_is_expired_and_its_funds_released(
    client, app, runtime, awa, created, clock
):
    clock.advance(hours=1)
    problem(resend(client, app, awa, created), 422, "invalid_state")
    assert wallet_of(runtime, awa) == 100_000


def test_someone_elses_transfer_is_not_found(client, app, bruno, created, clock):
    clock.advance(seconds=61)
    problem(resend(client, app, bruno, created), 404, "not_found")


def test_a_completed_transfer_has_no_code_to_resend(client, app, awa, created, clock):
    confirm(client, app, awa, created, otp_for(app, awa))
    clock.advance(seconds=61)
    problem(resend(client, app, awa, created), 422, "invalid_state")
