"""USSD "9 Épargne" → "5 Likelemba": my groups (whose turn, who is late), invitations.

Awa creates "Tontine de Bacongo" with Bruno and Chantal (10 000 FCFA a week).
Bruno answers on his feature phone: 9 Épargne → 5 Likelemba → 2 Invitations → the group →
1 Accepter → PIN. The screens call ``app.likelemba.service`` as REST does.
"""

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.ussd_support import Phone
from tests.likelemba_support import formed, people, run_job, view


@pytest.fixture
def trio(runtime):
    return people(runtime, 3)


def test_the_savings_menu_offers_likelemba(client, trio):
    screen = Phone(client, trio[0].msisdn).run("9")
    assert "5 Likelemba" in screen


def test_an_invitation_is_accepted_with_the_pin(client, runtime, trio):
    group_id = formed(runtime, trio, accept=False)
    phone = Phone(client, trio[1].msisdn)
    phone.run("9", "5", "2")
    assert "Tontine de Bacongo" in phone.screen
    summary = phone.send("1")
    assert "Awa M. vous invite au likelemba Tontine de Bacon" in summary
    assert "votre tour: 2" in summary and "1 Accepter" in summary and "2 Refuser" in summary
    assert "Entrez votre PIN" in phone.send("1")
    done = phone.send(factories.PIN)
    assert done.startswith("END ") and "rejoint" in done
    assert [m["accepted"] for m in view(runtime, group_id)["members"]] == [True, True, False]


def test_a_wrong_pin_accepts_nothing(client, runtime, trio):
    group_id = formed(runtime, trio, accept=False)
    done = Phone(client, trio[1].msisdn).run("9", "5", "2", "1", "1", "9999")
    assert done.startswith("END ")
    assert [m["accepted"] for m in view(runtime, group_id)["members"]] == [True, False, False]


def test_the_last_acceptance_starts_the_group_and_says_when_the_first_pull_is(
    client, runtime, trio
):
    group_id = formed(runtime, trio, accept=False)
    Phone(client, trio[1].msisdn).run("9", "5", "2", "1", "1", factories.PIN)
    done = Phone(client, trio[2].msisdn).run("9", "5", "2", "1", "1", factories.PIN)
    assert "1re cotisation le" in done
    assert view(runtime, group_id)["status"] == "active"


def test_an_invitation_is_declined_without_a_pin(client, runtime, trio):
    group_id = formed(runtime, trio, accept=False)
    done = Phone(client, trio[2].msisdn).run("9", "5", "2", "1", "2")
    assert done.startswith("END ") and "annulé" in done
    assert view(runtime, group_id)["status"] == "cancelled"


def test_no_invitation_says_so(client, trio):
    screen = Phone(client, trio[0].msisdn).run("9", "5", "2")
    assert "Aucune invitation en attente." in screen


def test_my_group_shows_whose_turn_is_next_and_who_is_late(client, runtime, clock, trio):
    with transaction(runtime) as session:  # her wallet is empty
        chantal = factories.customer(session, first_name="Chantal")
    group_id = formed(runtime, [*trio[:2], chantal])
    clock.advance(days=7)
    run_job()
    clock.advance(days=2)
    run_job()  # 48 h later Chantal is still short: late
    assert view(runtime, group_id)["late"] == [chantal.msisdn]
    phone = Phone(client, trio[1].msisdn)
    phone.run("9", "5", "1")
    assert "1 Tontine de Bacongo" in phone.screen
    detail = phone.send("1")
    assert "Tontine de Bacongo (en cours)" in detail
    assert "Tour 1: Awa M." in detail
    assert "En retard: Chantal M." in detail
    assert "Pot: 20 000 FCFA" in detail


def test_the_detail_in_lingala(client, runtime, trio):
    with transaction(runtime) as session:
        bruno = factories.customer(session, balance=50_000, language="ln", first_name="Bruno")
    formed(runtime, [trio[0], bruno, trio[2]])
    detail = Phone(client, bruno.msisdn).run("9", "5", "1", "1")
    assert "(ezali kotambola)" in detail and "Moto moko te aumeli." in detail


def test_a_group_no_longer_open_to_me_is_an_end_screen_not_an_error(client, runtime, trio):
    group_id = formed(runtime, trio, accept=False)
    phone = Phone(client, trio[1].msisdn)
    phone.run("9", "5", "2", "1")
    with transaction(runtime) as session:  # Chantal declines meanwhile
        from app.customers.service import get_customer
        from app.likelemba import service

        service.decline(session, get_customer(session, trio[2].id), group_id)
    phone.send("1")
    done = phone.send(factories.PIN)
    assert done.startswith("END ") and "n'attend pas cette réponse" in done


def test_the_mini_statement_names_contributions_and_the_pot(client, runtime, clock, trio):
    formed(runtime, trio)
    clock.advance(days=7)
    run_job()  # Awa pays her 10 000 and receives the pot of 30 000
    screen = Phone(client, trio[0].msisdn).run("6", factories.PIN)
    assert "+30 000 Pot likelemba Tontine de B" in screen
    assert "-10 000 Likelemba Tontine de B" in screen
