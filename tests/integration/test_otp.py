"""OTP challenges: one code, one operation, five minutes, three tries, used once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import transaction
from app.errors import (
    InvalidOtp,
    InvalidState,
    NotFound,
    OtpAttemptsExceeded,
    OtpExpired,
    RateLimited,
)
from app.notify import SmsMessage, record_delivery_report
from app.notify.gateways import recording_outbox
from app.otp import (
    Challenge,
    OtpSecret,
    expire_challenge,
    issue_challenge,
    otp_view,
    resend_challenge,
    verify_challenge,
)
from tests.concurrency import RACERS, together

MSISDN = "+242061234567"
SUBJECT = "customer-1"
SEND_5000_TO_A = {"op": "p2p", "amount": 5000, "to": "+242069999901"}
SEND_5000_TO_B = {"op": "p2p", "amount": 5000, "to": "+242069999902"}
P2P_PARAMS = {"amount": "5 000 FCFA", "recipient": "Awa Nkounkou"}


def issue(binding=SEND_5000_TO_A, **options):
    values = {
        "subject_id": SUBJECT,
        "msisdn": MSISDN,
        "language": "fr",
        "purpose": "p2p",
        "binding": binding,
        "params": P2P_PARAMS,
    }
    values.update(options)
    with transaction() as session:
        issued = issue_challenge(session, **values)
        return issued.challenge.id, issued.code


def verify(challenge_id, code, binding=SEND_5000_TO_A):
    with transaction() as session:
        return verify_challenge(session, challenge_id, code, binding).status


def load(runtime, challenge_id):
    with runtime.unit_of_work() as uow:
        challenge = uow.session.get(Challenge, challenge_id)
        uow.session.expunge(challenge)
        return challenge


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_code_is_sent_by_sms_in_the_customers_language(runtime):
    _, code = issue(language="ln")
    ((to, text),) = recording_outbox(runtime)
    assert to == MSISDN
    assert text == (
        f"PostCash: code ya sekele {code} mpo na kotinda 5 000 FCFA epai ya Awa Nkounkou. "
        "Ekosala kaka miniti 5. Koyebisa yango moto moko te."
    )


def test_the_code_has_six_digits(runtime):
    _, code = issue()
    assert len(code) == 6
    assert code.isdigit()


def test_the_stored_sms_never_shows_the_code(runtime):
    challenge_id, code = issue()
    with runtime.unit_of_work() as uow:
        message = uow.session.get(SmsMessage, load(runtime, challenge_id).sms_message_id)
        assert code not in message.body
        assert message.purpose == "otp"


def test_the_subjects_seed_is_stored_encrypted(runtime):
    issue()
    with runtime.unit_of_work() as uow:
        secret = uow.session.get(OtpSecret, SUBJECT)
        assert secret.next_counter == 1
        assert len(secret.secret_encrypted) > 32
        assert secret.secret_encrypted.startswith("gAAAA")  # a Fernet token, not base32


def test_the_right_code_confirms_the_operation_it_was_issued_for(runtime):
    challenge_id, code = issue()
    assert verify(challenge_id, code) == "used"


def test_spaces_typed_inside_the_code_are_ignored(runtime):
    challenge_id, code = issue()
    assert verify(challenge_id, f" {code[:3]} {code[3:]} ") == "used"


def test_a_code_for_one_operation_does_not_confirm_another(runtime):
    challenge_id, code = issue(binding=SEND_5000_TO_A)
    with pytest.raises(InvalidOtp) as refused:
        verify(challenge_id, code, binding=SEND_5000_TO_B)
    assert refused.value.extra == {"attempts_left": 2}


def test_a_wrong_code_says_how_many_tries_are_left(runtime):
    challenge_id, code = issue()
    with pytest.raises(InvalidOtp) as refused:
        verify(challenge_id, wrong(code))
    assert refused.value.to_problem()["attempts_left"] == 2
    assert refused.value.status == 422
    assert load(runtime, challenge_id).attempts == 1


def test_the_third_wrong_code_kills_the_challenge(runtime):
    challenge_id, code = issue()
    for left in (2, 1):
        with pytest.raises(InvalidOtp) as refused:
            verify(challenge_id, wrong(code))
        assert refused.value.extra["attempts_left"] == left
    with pytest.raises(OtpAttemptsExceeded):
        verify(challenge_id, wrong(code))
    assert load(runtime, challenge_id).status == "failed"


def test_the_right_code_is_refused_once_the_challenge_failed(runtime):
    challenge_id, code = issue()
    for _ in range(3):
        with pytest.raises((InvalidOtp, OtpAttemptsExceeded)):
            verify(challenge_id, wrong(code))
    with pytest.raises(OtpAttemptsExceeded):
        verify(challenge_id, code)


def test_a_code_is_used_once(runtime):
    challenge_id, code = issue()
    verify(challenge_id, code)
    with pytest.raises(OtpExpired):
        verify(challenge_id, code)


def test_a_code_expires_after_five_minutes(runtime, clock):
    challenge_id, code = issue()
    clock.advance(minutes=5)
    with pytest.raises(OtpExpired):
        verify(challenge_id, code)
    assert load(runtime, challenge_id).status == "expired"


def test_a_code_is_valid_until_its_last_second(runtime, clock):
    challenge_id, code = issue()
    clock.advance(minutes=4, seconds=59)
    assert verify(challenge_id, code) == "used"


def test_a_longer_life_and_more_tries_can_be_asked_for(runtime, clock):
    challenge_id, code = issue(
        purpose="withdrawal", ttl=900, max_attempts=5, params={"amount": "1"}
    )
    assert "Valable 15 min." in recording_outbox(runtime)[0][1]
    for _ in range(4):
        with pytest.raises(InvalidOtp):
            verify(challenge_id, wrong(code))
    clock.advance(minutes=14)
    assert verify(challenge_id, code) == "used"


def test_a_challenge_issued_without_sms_sends_nothing(runtime):
    _, code = issue(send=False)
    assert recording_outbox(runtime) == []
    assert code.isdigit()


def test_each_challenge_gets_its_own_counter(runtime):
    first_id, _ = issue()
    second_id, _ = issue()
    assert load(runtime, first_id).counter != load(runtime, second_id).counter


def test_a_code_of_one_challenge_does_not_open_another(runtime):
    _, first_code = issue()
    second_id, second_code = issue()
    if first_code != second_code:  # HOTP codes of two counters may collide (1 in a million)
        with pytest.raises(InvalidOtp):
            verify(second_id, first_code)
    assert verify(second_id, second_code) == "used"


def test_verifying_an_unknown_challenge_is_not_found(runtime):
    with pytest.raises(NotFound):
        verify("no-such-challenge", "123456")


def test_otp_view_shows_expiry_and_tries_left(runtime, clock):
    challenge_id, code = issue()
    with pytest.raises(InvalidOtp):
        verify(challenge_id, wrong(code))
    view = otp_view(load(runtime, challenge_id))
    assert view == {"expires_at": "2026-11-28T09:05:00+00:00", "attempts_left": 2}
    assert otp_view(None) is None


def test_an_expired_operation_closes_its_challenge(runtime):
    challenge_id, code = issue()
    with transaction() as session:
        expire_challenge(session, challenge_id)
    with pytest.raises(OtpExpired):
        verify(challenge_id, code)


def resend(challenge_id, language="fr"):
    with transaction() as session:
        return resend_challenge(session, challenge_id, msisdn=MSISDN, language=language).sends


def test_a_resend_during_the_cooldown_is_refused(runtime, clock):
    challenge_id, _ = issue()
    clock.advance(seconds=59)
    with pytest.raises(RateLimited) as refused:
        resend(challenge_id)
    assert refused.value.extra == {"retry_after": 1}
    assert len(recording_outbox(runtime)) == 1


def test_after_the_cooldown_the_same_code_is_sent_again(runtime, clock):
    challenge_id, code = issue()
    clock.advance(seconds=60)
    assert resend(challenge_id, language="ln") == 2
    first, second = recording_outbox(runtime)
    assert code in first[1]
    assert code in second[1]
    assert "miniti 4" in second[1]  # the time left, not the original five minutes
    assert verify(challenge_id, code) == "used"


def test_a_failed_delivery_allows_a_resend_at_once(runtime):
    challenge_id, _ = issue()
    with transaction() as session:
        record_delivery_report(
            session, provider_message_id="rec-1", status="Failed", failure_reason="DeliveryFailure"
        )
    assert resend(challenge_id) == 2
    assert len(recording_outbox(runtime)) == 2


def test_a_used_code_is_not_resent(runtime, clock):
    challenge_id, code = issue()
    verify(challenge_id, code)
    clock.advance(minutes=2)
    with pytest.raises(OtpExpired):
        resend(challenge_id)


def test_an_expired_code_is_not_resent(runtime, clock):
    challenge_id, _ = issue()
    clock.advance(minutes=6)
    with pytest.raises(OtpExpired):
        resend(challenge_id)
    assert load(runtime, challenge_id).status == "expired"


def test_a_code_that_was_never_sent_cannot_be_resent(runtime):
    challenge_id, _ = issue(send=False)
    with pytest.raises(InvalidState):
        resend(challenge_id)


def test_one_challenge_costs_at_most_four_sms(runtime, clock):
    challenge_id, _ = issue()
    for _ in range(3):
        clock.advance(seconds=60)
        resend(challenge_id)
    clock.advance(seconds=60)
    with pytest.raises(RateLimited):
        resend(challenge_id)
    assert len(recording_outbox(runtime)) == 4


@pytest.mark.postgres_only
def test_racing_verifications_of_one_code_succeed_once(app, runtime):
    challenge_id, code = issue()

    def confirm(_i):
        with app.app_context():
            try:
                return verify(challenge_id, code)
            except OtpExpired:
                return "refused"

    outcomes = together(RACERS, confirm)
    assert sorted(map(str, outcomes)) == ["refused"] * (RACERS - 1) + ["used"], outcomes


@pytest.mark.postgres_only
def test_racing_first_challenges_of_a_subject_get_different_counters(app, runtime):
    def first_challenge(_i):
        with app.app_context():
            return issue(send=False)[0]

    issued = together(RACERS, first_challenge)
    assert not any(isinstance(o, Exception) for o in issued), issued
    with runtime.unit_of_work() as uow:
        counters = uow.session.scalars(select(Challenge.counter)).all()
    assert sorted(counters) == list(range(RACERS))
