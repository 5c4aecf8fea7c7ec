"""A post-office supervisor at the counter (/counter): "Mon bureau" only.

A supervisor signs in like an agent (password + TOTP) and sees their own post
office's agents, each one's day and receipts; never another office's (404, like
an unknown id), never a money screen. An agent never sees "Mon bureau".
"""

import pytest
from sqlalchemy import func, select

from app.db import transaction
from app.ledger.models import Entry
from tests import factories
from tests.e2e.counter_support import csrf, hidden, operate, sign_in, text_of
from tests.e2e.payments_support import float_of, wallet_of

AGENTS_ONLY = "réservée aux agents du guichet"


@pytest.fixture
def counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=500_000, username="guichet.pp")


@pytest.fixture
def far_agent(runtime):
    """An agent of another post office (Moungali)."""
    with transaction(runtime) as session:
        return factories.agent(
            session,
            float_balance=300_000,
            username="guichet.mg",
            post_office="Bureau de poste de Moungali",
            post_office_code="BZV-MG",
        )


@pytest.fixture
def chef(runtime):
    with transaction(runtime) as session:
        return factories.supervisor(session, username="chef.pp")


def _operated(app, agent, customer, amount):
    """The agent signs in on their own browser and takes a cash-in; its receipt's reference."""
    browser = app.test_client()
    assert sign_in(browser, agent.username).status_code == 303
    done = operate(browser, "cash-in", msisdn=customer.msisdn, amount=amount)
    assert done.status_code == 303, text_of(done)
    return done.headers["Location"].split("/counter/receipts/")[1].split("?")[0]


@pytest.fixture
def own_reference(app, counter, awa):
    return _operated(app, counter, awa, 15_000)


@pytest.fixture
def far_reference(app, far_agent, awa):
    return _operated(app, far_agent, awa, 7_000)


@pytest.fixture
def supervising(client, chef):
    response = sign_in(client, chef.username)
    assert response.status_code == 303, text_of(response)
    return client


def test_a_supervisor_signs_in_with_totp_and_lands_on_mon_bureau(client, chef):
    response = sign_in(client, chef.username)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/counter/office")
    page = client.get("/counter/office")
    assert page.status_code == 200
    assert "Mon bureau — Bureau de poste de Poto-Poto" in text_of(page)


def test_a_wrong_totp_code_keeps_the_supervisor_out(client, chef):
    assert sign_in(client, chef.username, code="000000").status_code == 401
    assert client.get("/counter/office").status_code == 302


def test_the_supervisors_menu_is_mon_bureau_and_sign_out_only(supervising):
    body = supervising.get("/counter/office").get_data(as_text=True)
    nav = body.split('<nav aria-label="Menu">')[1].split("</nav>")[0]
    assert "/counter/office" in nav and "Mon bureau" in nav
    for other in ("/counter/cash-in", "/counter/register", "/counter/history", "/counter/till"):
        assert other not in nav
    assert "/counter/logout" in body


def test_mon_bureau_lists_its_own_agents_with_todays_figures(
    supervising, counter, far_agent, own_reference, far_reference
):
    page = text_of(supervising.get("/counter/office"))
    assert "guichet.pp" in page
    assert "guichet.mg" not in page
    # funded today, so opened at 0; now 500 000 - 15 000 + 30 of commission, one operation
    assert "guichet.pp 0 FCFA 485 030 FCFA 1 30 FCFA Ouverte" in page
    assert f"/counter/office/agents/{counter.id}" in supervising.get("/counter/office").get_data(
        as_text=True
    )


def test_the_supervisor_opens_an_agents_day_and_reprints_a_receipt(
    supervising, counter, own_reference
):
    day = supervising.get(f"/counter/office/agents/{counter.id}")
    assert day.status_code == 200
    assert own_reference in text_of(day)
    link = f"/counter/receipts/{own_reference}"
    assert link in day.get_data(as_text=True)
    receipt = supervising.get(link)
    assert receipt.status_code == 200
    assert "15 000 FCFA" in text_of(receipt) and own_reference in text_of(receipt)
    pdf = supervising.get(f"{link}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_another_offices_agent_is_not_found(supervising, far_agent, far_reference):
    response = supervising.get(f"/counter/office/agents/{far_agent.id}")
    assert response.status_code == 404
    assert "guichet.mg" not in text_of(response) and far_reference not in text_of(response)


def test_another_offices_receipt_is_not_found(supervising, far_reference):
    for path in (f"/counter/receipts/{far_reference}", f"/counter/receipts/{far_reference}/pdf"):
        response = supervising.get(path)
        assert response.status_code == 404
        assert far_reference not in text_of(response)


def test_a_money_screen_is_refused_to_a_supervisor(supervising):
    response = supervising.get("/counter/cash-in")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/counter/office")
    page = supervising.get("/counter/office")
    assert AGENTS_ONLY in text_of(page)


def test_a_money_post_by_a_supervisor_moves_nothing(supervising, runtime, awa, counter):
    before = wallet_of(runtime, awa), float_of(runtime, counter), _entries(runtime)
    token = hidden(supervising.get("/counter/office"), "csrf_token")
    for path in ("/counter/cash-in", "/counter/cash-in/confirm"):
        response = supervising.post(
            path,
            data={"csrf_token": token, "msisdn": awa.msisdn, "amount": "15000"},
        )
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/counter/office")
    assert (wallet_of(runtime, awa), float_of(runtime, counter), _entries(runtime)) == before


def _entries(runtime):
    with transaction(runtime) as session:
        return session.scalar(select(func.count()).select_from(Entry))


@pytest.mark.parametrize("path", ["/counter/register", "/counter/history", "/counter/till"])
def test_agent_only_pages_are_refused_to_a_supervisor(supervising, path):
    response = supervising.get(path)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/counter/office")


def test_an_agent_is_refused_from_mon_bureau(client, counter):
    sign_in(client, counter.username)
    for path in ("/counter/office", f"/counter/office/agents/{counter.id}"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/counter/")
    page = client.get("/counter/")
    assert "réservée aux superviseurs" in text_of(page)
    assert csrf(client)
