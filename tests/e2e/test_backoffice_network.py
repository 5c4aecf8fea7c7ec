"""The back office's network pages: offices, staff, float requests and the float map,
each as the role that uses it sees it; a supervisor sees their own office only."""

import re

import pytest
from sqlalchemy import func, select

from app import ledger
from app.agents import float_requests
from app.agents.models import FloatRequest, StaffUser
from app.audit import list_events
from app.db import transaction
from app.ledger import chart
from app.ledger.models import Entry
from app.network.demo import seed_demo_network
from app.network.models import Office
from app.web import once
from tests import factories
from tests.e2e.backoffice_support import post, sign_in, text_of
from tests.e2e.counter_support import sign_in as counter_sign_in

KEY = re.compile(r'name="key" value="([^"]+)"')


def key_of(page):
    found = KEY.findall(page.get_data(as_text=True))
    assert found, "no one-time key on the page"
    return found[0]


@pytest.fixture
def network(runtime):
    with transaction(runtime) as session:
        seed_demo_network(session)


@pytest.fixture
def operator(runtime, network):
    with transaction(runtime) as session:
        return factories.head_office(session, username="ops.siege")


@pytest.fixture
def chief(runtime, network):
    with transaction(runtime) as session:
        return factories.supervisor(session, username="chef.potopoto")


@pytest.fixture
def agent(runtime, network):
    with transaction(runtime) as session:
        return factories.agent(session, username="agent.potopoto", float_balance=100_000)


@pytest.fixture
def tie_tie_agent(runtime, network):
    with transaction(runtime) as session:
        return factories.agent(
            session,
            username="agent.tietie",
            post_office="Bureau de poste de Tié-Tié",
            post_office_code="PNR-TP",
        )


def as_operator(client, operator):
    assert sign_in(client, operator.username).status_code == 303
    return client


def count(runtime, model, *where):
    with transaction(runtime) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


# -- offices ------------------------------------------------------------------------------


def test_the_operator_lists_the_network_and_filters_it(client, operator):
    as_operator(client, operator)
    everything = text_of(client.get("/backoffice/network/offices"))
    assert "Bureau de poste de Poto-Poto" in everything and "Centre d'impression" in everything
    pointe_noire = text_of(
        client.get("/backoffice/network/offices?department=PNR&kind=post_office")
    )
    assert "Tié-Tié" in pointe_noire and "Poto-Poto" not in pointe_noire
    found = text_of(client.get("/backoffice/network/offices?q=makelekele"))
    assert "Makélékélé" in found and "Bacongo" not in found


def test_an_office_page_shows_its_hours_services_agents_and_float(client, operator, agent):
    as_operator(client, operator)
    page = text_of(client.get("/backoffice/network/offices/BZV-PP"))
    assert "Avenue de la Paix, Poto-Poto" in page
    assert "Lundi 07:30\N{EN DASH}15:30" in page and "Dimanche fermé" in page
    assert "espèces, transferts, épargne, courrier" in page
    assert "agent.potopoto" in page
    assert "100 000 FCFA pour 1 agent(s) ; seuil d'alerte 500 000 FCFA" in page
    assert "sous le seuil" in page


def test_a_print_centre_page_lists_the_offices_it_serves(client, operator):
    as_operator(client, operator)
    page = text_of(client.get("/backoffice/network/offices/PNR-CI"))
    assert "Bureau de poste de Dolisie" in page and "Bureau de poste de Tié-Tié" in page


def test_the_operator_creates_an_office_once_per_form(client, runtime, operator):
    as_operator(client, operator)
    key = key_of(client.get("/backoffice/network/offices/new"))
    form = {
        "key": key,
        "code": "BZV-MF",
        "name": "Bureau de poste de Mfilou",
        "kind": "post_office",
        "department_code": "BZV",
        "town": "Brazzaville",
        "address": "Mfilou",
        "latitude": "-4.25",
        "longitude": "15.22",
        "opening_hours": "mon 08:00-15:00",
        "services": "cash",
        "print_centre_code": "BZV-CI",
    }
    first = post(client, "/backoffice/network/offices/new", **form)
    again = post(client, "/backoffice/network/offices/new", **form)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert first.headers["Location"].endswith("/backoffice/network/offices/BZV-MF")
    assert count(runtime, Office, Office.code == "BZV-MF") == 1


def test_a_wrong_field_is_shown_in_french_next_to_it(client, runtime, operator):
    as_operator(client, operator)
    key = key_of(client.get("/backoffice/network/offices/new"))
    page = post(
        client,
        "/backoffice/network/offices/new",
        key=key,
        code="bad code",
        name="Bureau",
        department_code="BZV",
        town="Brazzaville",
        opening_hours="lundi matin",
    )
    assert page.status_code == 400
    words = text_of(page)
    assert "De 2 à 20 majuscules" in words and "Au format « mon 07:30-15:30" in words
    assert count(runtime, Office, Office.code == "BAD CODE") == 0


def test_a_status_change_needs_a_reason_and_is_audited(client, runtime, operator):
    as_operator(client, operator)
    page = client.get("/backoffice/network/offices/BZV-TL")
    refused = post(
        client, "/backoffice/network/offices/BZV-TL/status", key=key_of(page), status="closed"
    )
    assert refused.status_code == 400 and "Certains champs" in text_of(refused)
    done = post(
        client,
        "/backoffice/network/offices/BZV-TL/status",
        key=key_of(client.get("/backoffice/network/offices/BZV-TL")),
        status="suspended",
        reason="Travaux de toiture",
    )
    assert done.status_code == 303
    assert "suspendu" in text_of(client.get(done.headers["Location"]))
    with transaction(runtime) as session:
        event = list_events(session, action="office.status").items[0]
    assert event.actor_id == operator.id and event.after["reason"] == "Travaux de toiture"


def test_the_threshold_is_set_on_the_office_page(client, runtime, operator):
    as_operator(client, operator)
    page = client.get("/backoffice/network/offices/BZV-PP")
    done = post(
        client,
        "/backoffice/network/offices/BZV-PP/threshold",
        key=key_of(page),
        float_threshold="50000",
    )
    assert done.status_code == 303
    with transaction(runtime) as session:
        assert session.get(Office, "BZV-PP").float_threshold == 50_000


# -- a supervisor's scope -------------------------------------------------------------------


def test_a_supervisor_sees_their_own_office_only(client, chief, agent, tie_tie_agent):
    assert sign_in(client, chief.username).status_code == 303
    listed = text_of(client.get("/backoffice/network/offices"))
    assert "Poto-Poto" in listed and "Tié-Tié" not in listed
    assert client.get("/backoffice/network/offices/PNR-TP").status_code == 404
    assert client.get(f"/backoffice/network/staff/{tie_tie_agent.id}").status_code == 404
    staff = text_of(client.get("/backoffice/network/staff"))
    assert "agent.potopoto" in staff and "agent.tietie" not in staff
    levels = text_of(client.get("/backoffice/network/float/map"))
    assert "Poto-Poto" in levels and "Tié-Tié" not in levels


def test_a_supervisor_reads_their_agents_day(client, runtime, chief, agent, awa):
    from app.agents import cash

    with transaction(runtime) as session:
        cash.cash_in(session, session.get(StaffUser, agent.id), msisdn=awa.msisdn, amount=7_000)
    assert sign_in(client, chief.username).status_code == 303
    page = client.get(f"/backoffice/network/staff/{agent.id}")
    assert page.status_code == 200
    words = text_of(page)
    assert "7 000 FCFA" in words and "caisse ouverte" in words
    assert "Désactiver" not in words  # reads only


# -- staff ------------------------------------------------------------------------------------


def test_a_new_agent_gets_a_password_and_a_qr_code_shown_once(client, runtime, operator):
    as_operator(client, operator)
    key = key_of(client.get("/backoffice/network/staff/new?office=BZV-BC"))
    form = {"key": key, "username": "agent.bacongo", "role": "agent", "office": "BZV-BC"}
    shown = post(client, "/backoffice/network/staff/new", **form)
    assert shown.status_code == 200
    body = shown.get_data(as_text=True)
    assert "<svg" in body and 'aria-label="QR code d&#39;enrôlement de agent.bacongo"' in body
    assert "ne seront plus jamais affichées" in text_of(shown)
    assert shown.headers["Cache-Control"] == "no-store"
    again = post(client, "/backoffice/network/staff/new", **form)
    assert again.status_code == 303 and "<svg" not in again.get_data(as_text=True)
    with transaction(runtime) as session:
        made = session.scalar(select(StaffUser).where(StaffUser.username == "agent.bacongo"))
        assert (made.post_office_code, made.post_office) == ("BZV-BC", "Bureau de poste de Bacongo")
        assert ledger.balance(session, chart.float_account(made.id)).available == 0
    assert again.headers["Location"].endswith(f"/backoffice/network/staff/{made.id}")


def test_a_taken_username_is_refused_in_french(client, operator, agent):
    as_operator(client, operator)
    key = key_of(client.get("/backoffice/network/staff/new"))
    page = post(
        client,
        "/backoffice/network/staff/new",
        key=key,
        username="agent.potopoto",
        role="agent",
        office="BZV-PP",
    )
    assert page.status_code == 409 and "existe déjà" in text_of(page)


def test_resetting_a_password_shows_the_new_one_once_and_ends_the_sessions(
    client, app, runtime, operator, agent
):
    counter = app.test_client()
    assert counter_sign_in(counter, agent.username).status_code == 303
    assert counter.get("/counter/till").status_code == 200
    as_operator(client, operator)
    page = client.get(f"/backoffice/network/staff/{agent.id}")
    shown = post(
        client, f"/backoffice/network/staff/{agent.id}/password", key=key_of(page), reason="Oubli"
    )
    assert shown.status_code == 200
    password = re.search(r'id="new-password">([^<]+)<', shown.get_data(as_text=True))[1]
    with transaction(runtime) as session:
        event = list_events(session, action="staff.password_reset").items[0]
    assert event.target_id == agent.id and password not in str(event.after)
    assert counter.get("/counter/till").status_code == 302  # signed out at once


def test_disabling_an_agent_needs_a_reason(client, runtime, operator, agent):
    as_operator(client, operator)
    url = f"/backoffice/network/staff/{agent.id}"
    refused = post(client, f"{url}/disable", key=key_of(client.get(url)), reason="")
    assert refused.status_code == 400
    done = post(client, f"{url}/disable", key=key_of(client.get(url)), reason="Départ")
    assert done.status_code == 303
    assert "désactivé" in text_of(client.get(url))


def test_moving_an_agent_to_another_office(client, runtime, operator, agent):
    as_operator(client, operator)
    url = f"/backoffice/network/staff/{agent.id}"
    done = post(
        client, f"{url}/move", key=key_of(client.get(url)), office="BZV-OZ", reason="Renfort"
    )
    assert done.status_code == 303
    with transaction(runtime) as session:
        assert session.get(StaffUser, agent.id).post_office_code == "BZV-OZ"


# -- float ------------------------------------------------------------------------------------


def test_a_supervisor_asks_and_an_operator_approves(app, client, runtime, chief, operator, agent):
    assert sign_in(client, chief.username).status_code == 303
    page = client.get("/backoffice/network/float")
    asked = post(
        client,
        "/backoffice/network/float/requests",
        key=key_of(page),
        agent_id=agent.id,
        kind="topup",
        amount="250000",
        note="Jour de paie",
    )
    assert asked.status_code == 303
    mine = text_of(client.get("/backoffice/network/float"))
    assert "Jour de paie" in mine and "Valider" not in mine  # a supervisor asks, never decides
    with transaction(runtime) as session:
        request_id = session.scalar(select(FloatRequest.id))
    checker = app.test_client()
    assert sign_in(checker, operator.username).status_code == 303
    board = checker.get("/backoffice/network/float")
    assert "Jour de paie" in text_of(board)
    done = post(
        checker,
        f"/backoffice/network/float/requests/{request_id}/approve",
        key=key_of(board),
    )
    assert done.status_code == 303
    with transaction(runtime) as session:
        assert ledger.balance(session, chart.float_account(agent.id)).available == 350_000
        assert session.get(FloatRequest, request_id).status == "approved"


def test_an_operator_cannot_approve_their_own_request(client, runtime, operator, agent):
    as_operator(client, operator)
    post(
        client,
        "/backoffice/network/float/requests",
        key=key_of(client.get("/backoffice/network/float")),
        agent_id=agent.id,
        kind="topup",
        amount="1000",
    )
    with transaction(runtime) as session:
        request_id = session.scalar(select(FloatRequest.id))
    board = client.get("/backoffice/network/float")
    assert "un autre opérateur la valide" in text_of(board)
    refused = post(
        client, f"/backoffice/network/float/requests/{request_id}/approve", key=once.new_key()
    )
    assert refused.status_code == 403
    assert "ne peut pas la valider elle-même" in text_of(refused)
    with transaction(runtime) as session:
        assert session.get(FloatRequest, request_id).status == "pending"


def test_a_supervisor_cannot_ask_for_another_offices_agent(client, runtime, chief, tie_tie_agent):
    assert sign_in(client, chief.username).status_code == 303
    refused = post(
        client,
        "/backoffice/network/float/requests",
        key=key_of(client.get("/backoffice/network/float")),
        agent_id=tie_tie_agent.id,
        kind="topup",
        amount="1000",
    )
    assert refused.status_code == 404
    assert count(runtime, FloatRequest) == 0


def test_the_float_map_draws_each_office_and_flags_those_below_threshold(client, operator, agent):
    as_operator(client, operator)
    page = client.get("/backoffice/network/float/map")
    body = page.get_data(as_text=True)
    assert body.count("<circle") == 13  # the demo's post offices, print centres left out
    assert "Brazzaville" in body and "Pointe-Noire" in body
    poto_poto = re.search(r"<tr class=\"below\"><td><a [^>]+>Bureau de poste de Poto-Poto", body)
    assert poto_poto, "Poto-Poto (100 000 under 500 000) is flagged"
    assert "http://" not in body.replace("http://www.w3.org/2000/svg", "")


def test_an_auditor_reads_the_float_pages(client, runtime, network):
    with transaction(runtime) as session:
        auditor = factories.head_office(session, role="auditor")
    assert sign_in(client, auditor.username).status_code == 303
    assert client.get("/backoffice/network/float/map").status_code == 200
    board = client.get("/backoffice/network/float")
    assert board.status_code == 200 and "Nouvelle demande" not in text_of(board)


def test_an_approval_sent_twice_moves_the_money_once(app, client, runtime, operator, agent):
    with transaction(runtime) as session:
        maker = factories.head_office(session)
        made = float_requests.request_float(
            session,
            requester=session.get(StaffUser, maker.id),
            agent_id=agent.id,
            kind="return",
            amount=60_000,
        )
    as_operator(client, operator)
    key = key_of(client.get("/backoffice/network/float"))
    url = f"/backoffice/network/float/requests/{made.id}/approve"
    first = post(client, url, key=key)
    assert "Demande validée" in text_of(client.get(first.headers["Location"]))
    again = post(client, url, key=key)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    with transaction(runtime) as session:
        assert ledger.balance(session, chart.float_account(agent.id)).available == 40_000
    assert count(runtime, Entry, Entry.kind == "float_return") == 1


def test_the_staff_list_is_filtered_by_office(client, operator, agent, tie_tie_agent):
    as_operator(client, operator)
    listed = text_of(client.get("/backoffice/network/staff?office=pnr-tp"))
    assert "agent.tietie" in listed and "agent.potopoto" not in listed


def test_a_supervisor_asking_for_another_office_gets_nothing(client, chief, tie_tie_agent):
    assert sign_in(client, chief.username).status_code == 303
    assert "agent.tietie" not in text_of(client.get("/backoffice/network/staff?office=PNR-TP"))


def test_the_office_page_shows_each_agents_till(client, chief, agent):
    assert sign_in(client, chief.username).status_code == 303
    row = re.search(
        r"<tr><td><a [^>]+>agent.potopoto</a>.*?</tr>",
        client.get("/backoffice/network/offices/BZV-PP").get_data(as_text=True),
        re.S,
    )
    assert row and "caisse ouverte" in row[0] and "100 000 FCFA" in row[0]
