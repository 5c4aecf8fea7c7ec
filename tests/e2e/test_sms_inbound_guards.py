"""What protects the SMS channel: each message handled once, each number answered a bounded
number of times, unknown and locked numbers told what to do, and the gateway always
acknowledged, whatever it posts."""

from contextlib import suppress

import pytest
from sqlalchemy.exc import OperationalError

from app.customers.models import Customer
from app.customers.service import verify_pin
from app.db import transaction
from app.errors import DomainError
from app.sms.inbound import commands, routes
from tests import factories
from tests.e2e.payments_support import wallet_of
from tests.e2e.sms_support import answer, ask, code_in, inbox, text, texts_to

STRANGER = "+242069876543"


@pytest.fixture
def config_overrides():
    return {"SMS_REPLIES_PER_HOUR": 4}


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno", last_name="Ngoma")


# --- Each provider message once ------------------------------------------------------


def test_a_repeated_provider_id_is_not_run_or_answered_twice(client, app, runtime, awa, bruno):
    envoi = f"ENVOI {bruno.msisdn} 5000"
    assert len(ask(client, app, awa.msisdn, envoi, provider_id="ATXid_1")) == 1
    assert ask(client, app, awa.msisdn, envoi, provider_id="ATXid_1") == []
    assert wallet_of(runtime, awa) == 100_000 - 5_050
    (row,) = inbox(runtime)
    assert (row.provider_id, row.command, row.outcome) == ("ATXid_1", "send", "replied")


def test_a_repeated_confirmation_sends_one_receipt(client, app, runtime, awa, bruno):
    code = code_in(answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000"))
    assert len(ask(client, app, awa.msisdn, f"OUI {code}", provider_id="ATXid_2")) == 1
    assert ask(client, app, awa.msisdn, f"OUI {code}", provider_id="ATXid_2") == []
    assert len(texts_to(app, bruno.msisdn)) == 2  # welcome, one receipt
    assert wallet_of(runtime, bruno) == 5_000


def test_the_code_is_never_stored_in_clear(client, app, runtime, awa, bruno):
    code = code_in(answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000"))
    answer(client, app, awa.msisdn, f"oui {code[:3]} {code[3:]}")
    stored = {row.command: row.text for row in inbox(runtime)}
    assert stored["confirm"] == "oui *** ***"


# --- Who is answered -------------------------------------------------------------------


def test_an_unknown_number_gets_the_registration_hint(client, app, runtime):
    assert answer(client, app, STRANGER, "SOLDE") == (
        "PostCash : ce numéro n'a pas de compte PostCash. "
        "Ouvrez-en un au guichet de la poste avec votre pièce d'identité."
    )
    (row,) = inbox(runtime)
    assert (row.from_msisdn, row.customer_id, row.outcome) == (STRANGER, None, "replied")


def test_an_unknown_number_writing_lingala_gets_the_hint_in_lingala(client, app):
    assert answer(client, app, STRANGER, "Mbongo").startswith(
        "PostCash: nimero oyo ezali na compte PostCash te."
    )


def test_a_locked_account_gets_the_unlock_hint_and_nothing_moves(client, app, runtime, awa, bruno):
    with transaction(runtime) as session:
        customer = session.get(Customer, awa.id)
        for _ in range(3):
            with suppress(DomainError):
                verify_pin(session, customer, "0000")
    assert answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000").startswith(
        "PostCash : compte bloqué jusqu'au "
    )
    assert wallet_of(runtime, awa) == 100_000


def test_a_lock_only_an_agent_lifts_gets_the_counter_hint(client, app, runtime, awa, bruno):
    with transaction(runtime) as session:
        session.get(Customer, awa.id).status = "locked"  # pin_locked_until None: an agent
    assert answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000") == (
        "PostCash : votre compte est bloqué après trop de PIN incorrects. "
        "Passez au guichet de la poste avec votre pièce d'identité pour le débloquer."
    )
    assert "bloqué" in answer(client, app, awa.msisdn, "SOLDE")
    assert wallet_of(runtime, awa) == 100_000


def test_a_number_of_another_country_is_stored_and_not_answered(client, app, runtime):
    assert ask(client, app, "+33612345678", "SOLDE") == []
    (row,) = inbox(runtime)
    assert row.outcome == "ignored"


# --- Pumping ---------------------------------------------------------------------------


def test_past_the_hourly_replies_a_number_gets_silence_and_nothing_is_done(
    client, app, runtime, awa, bruno
):
    for _ in range(4):
        assert len(ask(client, app, awa.msisdn, "SOLDE")) == 1
    assert ask(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000") == []
    assert wallet_of(runtime, awa) == 100_000
    assert sorted(row.outcome for row in inbox(runtime)) == ["replied"] * 4 + ["silenced"]


def test_the_hourly_replies_are_counted_over_a_sliding_hour(client, app, clock, awa):
    for _ in range(4):
        answer(client, app, awa.msisdn, "SOLDE")
        clock.advance(minutes=10)
    assert ask(client, app, awa.msisdn, "SOLDE") == []  # 40 minutes after the first
    clock.advance(minutes=21)  # the first answer is now more than an hour old
    assert len(ask(client, app, awa.msisdn, "SOLDE")) == 1


def test_unknown_numbers_are_limited_too(client, app):
    for _ in range(4):
        answer(client, app, STRANGER, "AIDE")
    assert ask(client, app, STRANGER, "AIDE") == []


def test_the_limit_is_per_number(client, app, awa, bruno):
    for _ in range(5):
        ask(client, app, awa.msisdn, "SOLDE")
    assert len(ask(client, app, bruno.msisdn, "SOLDE")) == 1


# --- The gateway always gets a 200 -----------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"id": "ATXid_9"},
        {"id": "ATXid_9", "from": "not a number", "text": "SOLDE"},
        {"from": "+242061234567", "text": "SOLDE"},
    ],
)
def test_whatever_the_gateway_posts_it_gets_an_empty_200(client, form):
    response = client.post("/sms/inbound", data=form)
    assert (response.status_code, response.get_data()) == (200, b"")


def test_a_message_without_an_id_is_not_run(client, app, runtime, awa):
    client.post("/sms/inbound", data={"from": awa.msisdn, "text": "SOLDE"})
    assert inbox(runtime) == []
    assert len(texts_to(app, awa.msisdn)) == 1  # the welcome only


def test_a_bug_in_a_command_is_answered_with_the_error_text_and_undone(
    client, app, runtime, awa, bruno, monkeypatch
):
    def broken(session, customer, command):
        commands.send(session, customer, command)
        raise RuntimeError("bug")

    monkeypatch.setitem(commands.HANDLERS, "send", broken)
    envoi = f"ENVOI {bruno.msisdn} 5000"
    assert answer(client, app, awa.msisdn, envoi, provider_id="ATXid_7") == (
        "Une erreur est survenue. Veuillez réessayer plus tard."
    )
    assert wallet_of(runtime, awa) == 100_000
    assert ask(client, app, awa.msisdn, envoi, provider_id="ATXid_7") == []
    (row,) = inbox(runtime)
    assert row.outcome == "failed"


def test_a_message_that_cannot_even_be_stored_is_asked_for_again(
    client, app, runtime, awa, monkeypatch
):
    def unreachable(session, incoming, **kwargs):
        raise OperationalError("INSERT INTO inbound_sms", {}, ConnectionError("server gone"))

    monkeypatch.setattr(routes, "handle_inbound", unreachable)
    response = text(client, awa.msisdn, "SOLDE", provider_id="ATXid_9")
    assert (response.status_code, response.headers.get("Retry-After")) == (503, "60")
    assert inbox(runtime) == []


def test_a_message_asked_for_again_is_answered_once_when_it_comes_back(
    client, app, runtime, awa, monkeypatch
):
    handle = routes.handle_inbound
    monkeypatch.setattr(routes, "handle_inbound", lambda *a, **k: 1 / 0)
    assert text(client, awa.msisdn, "SOLDE", provider_id="ATXid_9").status_code == 503
    monkeypatch.setattr(routes, "handle_inbound", handle)
    assert "100" in answer(client, app, awa.msisdn, "SOLDE", provider_id="ATXid_9")
    assert ask(client, app, awa.msisdn, "SOLDE", provider_id="ATXid_9") == []
    (row,) = inbox(runtime)
    assert row.outcome == "replied"


def test_the_message_is_kept_with_its_routing_fields(client, runtime, awa):
    text(client, awa.msisdn, "Solde", provider_id="ATXid_5")
    (row,) = inbox(runtime)
    assert (row.text, row.to_code, row.provider_date) == ("Solde", "20880", "2026-11-28 10:00:00")
    assert row.link_id.startswith("link-")


# --- Control characters --------------------------------------------------------------


def test_a_nul_after_the_keyword_is_answered_like_the_keyword(client, app, runtime, awa):
    assert answer(client, app, awa.msisdn, "SOLDE\x00", provider_id="ATXid_4") == answer(
        client, app, awa.msisdn, "SOLDE", provider_id="ATXid_5"
    )
    assert [row.text for row in inbox(runtime)] == ["SOLDE", "SOLDE"]


def test_control_characters_are_dropped_from_every_field_before_it_is_stored(
    client, app, runtime, awa, bruno
):
    response = client.post(
        "/sms/inbound",
        data={
            "from": awa.msisdn + "\x00",
            "to": "20880\x00",
            "text": f"ENVOI\t{bruno.msisdn}\x1b 5000\x7f",
            "date": "2026-11-28\x0010:00:00",
            "id": "ATXid_\x006",
            "linkId": "link\x00",
        },
    )

    assert (response.status_code, response.get_data()) == (200, b"")
    (row,) = inbox(runtime)
    assert (row.provider_id, row.to_code, row.link_id) == ("ATXid_6", "20880", "link")
    assert row.command == "send"
    assert wallet_of(runtime, awa) == 100_000 - 5_050


def test_newlines_of_a_message_are_kept(client, runtime, awa):
    text(client, awa.msisdn, "Solde\nmerci", provider_id="ATXid_8")

    (row,) = inbox(runtime)
    assert row.text == "Solde\nmerci"
