"""Commands by text message (API.md "SMS"), driven through POST /sms/inbound only.

Awa (French) holds 100 000 FCFA; Bruno (Lingala) holds nothing. A P2P of
5 000 costs 50; by SMS a transfer is capped at 25 000 and a day at 50 000.
"""

import pytest

from app.db import transaction
from app.ledger import chart
from app.transfers.models import Transfer
from tests import factories
from tests.e2e.payments_support import available, wallet_of
from tests.e2e.sms_support import answer, ask, code_in, texts_to


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(
            session, first_name="Bruno", last_name="Ngoma", language="ln", balance=0
        )


def transfers(runtime):
    from sqlalchemy import select

    with transaction(runtime) as session:
        rows = session.scalars(select(Transfer)).all()
        return [(t.status, t.channel, t.amount) for t in rows]


def send(client, app, who, to, amount):
    """ENVOI, and the code the answer carries."""
    return code_in(answer(client, app, who.msisdn, f"ENVOI {to.msisdn} {amount}"))


# --- SOLDE ---------------------------------------------------------------------------


def test_solde_answers_the_available_balance(client, app, awa):
    assert answer(client, app, awa.msisdn, "SOLDE") == (
        "PostCash : votre solde disponible est de 100 000 FCFA."
    )


def test_solde_says_how_much_a_pending_transfer_holds_back(client, app, awa, bruno):
    send(client, app, awa, bruno, 5_000)
    reply = answer(client, app, awa.msisdn, "SOLDE")
    assert "94 950 FCFA" in reply and "5 050 FCFA sont réservés" in reply


# --- ENVOI, OUI, NON -------------------------------------------------------------------


def test_envoi_reserves_the_money_and_answers_once_with_name_fee_total_and_code(
    client, app, runtime, awa, bruno
):
    (reply,) = ask(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 5000")
    code = code_in(reply)
    assert reply == (
        "PostCash: envoi de 5 000 FCFA à Bruno N., frais 50 FCFA, total 5 050 FCFA. "
        f"Répondez OUI {code} pour confirmer (5 min) ou NON."
    )
    assert wallet_of(runtime, awa) == 100_000 - 5_050
    assert transfers(runtime) == [("pending_confirmation", "sms", 5_000)]


def test_oui_with_the_code_completes_and_the_receipts_are_the_answer(
    client, app, runtime, awa, bruno
):
    code = send(client, app, awa, bruno, 5_000)
    (receipt,) = ask(client, app, awa.msisdn, f"OUI {code}")
    assert "5 000 FCFA" in receipt and "94 950 FCFA" in receipt and "Bruno N." in receipt
    assert wallet_of(runtime, awa) == 94_950
    assert wallet_of(runtime, bruno) == 5_000
    assert available(runtime, chart.fees("p2p")) == 50
    assert "ozwi 5 000 FCFA" in texts_to(app, bruno.msisdn)[-1]  # in Bruno's Lingala
    assert transfers(runtime) == [("completed", "sms", 5_000)]


def test_non_cancels_the_pending_transfer_and_releases_the_money(client, app, runtime, awa, bruno):
    send(client, app, awa, bruno, 5_000)
    assert answer(client, app, awa.msisdn, "NON") == (
        "PostCash : l'envoi de 5 000 FCFA à Bruno N. est annulé. "
        "L'argent réservé est de nouveau disponible."
    )
    assert wallet_of(runtime, awa) == 100_000
    assert transfers(runtime) == [("cancelled", "sms", 5_000)]


def test_non_after_the_code_expired_says_so_and_releases_the_money(
    client, app, runtime, clock, awa, bruno
):
    send(client, app, awa, bruno, 5_000)
    clock.advance(minutes=6)
    assert "avait déjà expiré" in answer(client, app, awa.msisdn, "NON")
    assert wallet_of(runtime, awa) == 100_000
    assert transfers(runtime) == [("expired", "sms", 5_000)]


def test_a_wrong_code_says_how_many_tries_are_left_and_keeps_the_transfer(
    client, app, runtime, awa, bruno
):
    code = send(client, app, awa, bruno, 5_000)
    wrong = "000000" if code != "000000" else "111111"
    assert answer(client, app, awa.msisdn, f"OUI {wrong}") == (
        "Code incorrect. Il vous reste 2 essai(s)."
    )
    assert transfers(runtime) == [("pending_confirmation", "sms", 5_000)]
    answer(client, app, awa.msisdn, f"OUI {code}")
    assert wallet_of(runtime, bruno) == 5_000


def test_a_third_wrong_code_fails_the_transfer_and_releases_the_money(
    client, app, runtime, awa, bruno
):
    code = send(client, app, awa, bruno, 5_000)
    wrong = "000000" if code != "000000" else "111111"
    answer(client, app, awa.msisdn, f"OUI {wrong}")
    answer(client, app, awa.msisdn, f"OUI {wrong}")
    assert answer(client, app, awa.msisdn, f"OUI {wrong}") == (
        "Trop de codes incorrects : opération annulée."
    )
    assert transfers(runtime) == [("failed", "sms", 5_000)]
    assert wallet_of(runtime, awa) == 100_000
    assert "aucun envoi en attente" in answer(client, app, awa.msisdn, f"OUI {code}")


def test_a_code_of_the_wrong_length_is_explained_and_costs_no_try(client, app, runtime, awa, bruno):
    code = send(client, app, awa, bruno, 5_000)
    assert "OUI suivi du code à 6 chiffres" in answer(client, app, awa.msisdn, "OUI 12345")
    answer(client, app, awa.msisdn, f"OUI {code}")
    assert transfers(runtime) == [("completed", "sms", 5_000)]


def test_oui_with_nothing_pending_says_so(client, app, awa):
    assert answer(client, app, awa.msisdn, "OUI 123456") == (
        "PostCash : aucun envoi en attente de confirmation. "
        "Pour envoyer, écrivez ENVOI numéro montant."
    )


def test_oui_confirms_only_a_transfer_started_by_sms(client, app, runtime, awa, bruno):
    with transaction(runtime) as session:
        from app.transfers.p2p import create_p2p

        create_p2p(session, awa, to=bruno.msisdn, amount=5_000, channel="api")
    assert "aucun envoi en attente" in answer(client, app, awa.msisdn, "OUI 123456")


# --- Limits ----------------------------------------------------------------------------


def test_over_the_sms_cap_per_transfer_is_refused_and_nothing_is_reserved(
    client, app, runtime, awa, bruno
):
    assert answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 30000") == (
        "PostCash : par SMS, 25 000 FCFA au plus par envoi. "
        "Pour plus, utilisez l'application ou le menu USSD avec votre PIN."
    )
    assert transfers(runtime) == []
    assert wallet_of(runtime, awa) == 100_000


def test_over_the_sms_cap_per_day_is_refused(client, app, runtime, awa, bruno):
    send(client, app, awa, bruno, 25_000)
    send(client, app, awa, bruno, 25_000)
    assert "50 000 FCFA au plus par jour" in answer(
        client, app, awa.msisdn, f"ENVOI {bruno.msisdn} 1000"
    )
    assert len(transfers(runtime)) == 2


def test_more_than_the_balance_is_refused(client, app, runtime, bruno, awa):
    assert answer(client, app, bruno.msisdn, f"TINDA {awa.msisdn} 1000") == (
        "Mbongo na yo ekoki te mpo na likambo oyo."
    )
    assert transfers(runtime) == []


def test_sending_to_oneself_is_refused_in_gsm_7(client, app, awa):
    # "vous-même": GSM-7 has no "ê", so the phone shows it without the accent.
    assert "votre propre numéro" in answer(client, app, awa.msisdn, f"ENVOI {awa.msisdn} 1000")


def test_sending_to_a_number_without_an_account_is_refused(client, app, runtime, awa):
    reply = answer(client, app, awa.msisdn, "ENVOI 069999999 1000")
    assert reply == "Destinataire introuvable : ce numéro n'a pas de compte PostCash."
    assert transfers(runtime) == []


def test_envoi_without_an_amount_explains_how_to_write_it(client, app, awa, bruno):
    assert "ENVOI 061234567 5000" in answer(client, app, awa.msisdn, f"ENVOI {bruno.msisdn}")


# --- RELEVE, AIDE, anything else -------------------------------------------------------


def test_releve_lists_the_last_three_operations_newest_first(
    client, app, runtime, clock, awa, bruno
):
    for amount in (1_000, 2_000, 3_000, 4_000):
        code = send(client, app, awa, bruno, amount)
        answer(client, app, awa.msisdn, f"OUI {code}")
        clock.advance(days=1)
    assert answer(client, app, awa.msisdn, "RELEVE") == (
        "PostCash, dernières opérations : 01/12 -4 050 Bruno N.; 30/11 -3 050 Bruno N.; "
        "29/11 -2 050 Bruno N. Solde 89 800 FCFA."
    )


def test_releve_of_a_new_account_says_there_is_nothing_yet(client, app, runtime):
    with transaction(runtime) as session:
        new = factories.customer(session)
    assert "aucune opération" in answer(client, app, new.msisdn, "RELEVE")


def test_releve_names_operations_without_a_counterparty(client, app, runtime, bruno):
    with transaction(runtime) as session:
        factories.fund(session, chart.wallet(bruno.id), 7_000)
    assert answer(client, app, bruno.msisdn, "MISALA") == (
        "PostCash, misala ya suka: 28/11 +7 000 Mosala. Mbongo na yo 7 000 FCFA."
    )


def test_aide_lists_the_commands_and_the_caps(client, app, awa):
    assert answer(client, app, awa.msisdn, "AIDE") == (
        "PostCash par SMS : SOLDE, RELEVE, ENVOI numéro montant, OUI code, NON, "
        "RENVOI (code non recu). Max 25 000 FCFA par envoi, 50 000 FCFA par jour."
    )


@pytest.mark.parametrize("gibberish", ["", "bonjour", "??", "ENVOYEZ-MOI 5000", "🙂"])
def test_anything_unreadable_gets_the_help_text(client, app, awa, gibberish):
    assert answer(client, app, awa.msisdn, gibberish).startswith("PostCash par SMS : SOLDE")


# --- Languages and typing --------------------------------------------------------------


def test_a_lingala_customer_is_answered_in_lingala(client, app, bruno):
    assert answer(client, app, bruno.msisdn, "SOLDE") == (
        "PostCash: mbongo na yo oyo okoki kosalela ezali 0 FCFA."
    )


@pytest.mark.parametrize(
    "words", [("MBONGO",), ("TINDA", "IYO", "TE"), ("BALANCE",), ("SEND", "YES", "NO")]
)
def test_lingala_and_english_synonyms_do_what_the_french_keywords_do(
    client, app, runtime, awa, bruno, words
):
    if len(words) == 1:
        assert "100 000 FCFA" in answer(client, app, awa.msisdn, words[0])
        return
    send_word, yes, no = words
    code = code_in(answer(client, app, awa.msisdn, f"{send_word} {bruno.msisdn} 1000"))
    answer(client, app, awa.msisdn, f"{yes} {code}")
    answer(client, app, awa.msisdn, f"{send_word} {bruno.msisdn} 2000")
    answer(client, app, awa.msisdn, no)
    assert sorted(transfers(runtime)) == [("cancelled", "sms", 2_000), ("completed", "sms", 1_000)]


@pytest.mark.parametrize("typed", ["solde", "  Solde  ", "SOLDÉ", "sôlde.", "Solde svp"])
def test_case_accents_spacing_and_extra_words_do_not_matter(client, app, awa, typed):
    assert "100 000 FCFA" in answer(client, app, awa.msisdn, typed)


def test_numbers_and_amounts_may_be_typed_in_pieces(client, app, runtime, awa, bruno):
    national = bruno.msisdn.removeprefix("+242")  # Congo keeps the trunk 0: "06..."
    spaced = f"{national[:2]} {national[2:5]} {national[5:7]} {national[7:]}"
    code = code_in(answer(client, app, awa.msisdn, f"envoi {spaced}  5.000F"))
    spaced_code = f"{code[:3]} {code[3:]}"
    answer(client, app, awa.msisdn, f"Oui{spaced_code}")
    assert transfers(runtime) == [("completed", "sms", 5_000)]


def test_a_reply_of_just_the_code_confirms_too(client, app, runtime, awa, bruno):
    code = send(client, app, awa, bruno, 5_000)
    answer(client, app, awa.msisdn, code)
    assert transfers(runtime) == [("completed", "sms", 5_000)]
