"""The counter's float page: an agent asks for a top-up or to return excess float; the
request waits for head office, and a double submit asks once."""

import re

from sqlalchemy import func, select

from app import ledger
from app.agents.models import FloatRequest
from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.e2e.counter_support import sign_in, text_of

KEY = re.compile(r'name="key" value="([^"]+)"')


def ask(client, **fields):
    page = client.get("/counter/float")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))[1]
    data = {"csrf_token": token, "key": KEY.findall(page.get_data(as_text=True))[0], **fields}
    return client.post("/counter/float", data=data), data


def requests(runtime):
    with transaction(runtime) as session:
        return session.scalar(select(func.count()).select_from(FloatRequest))


def test_an_agent_asks_for_a_top_up_once_per_form(client, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=20_000)
    assert sign_in(client, agent.username).status_code == 303
    first, data = ask(client, kind="topup", amount="150000", note="Paie des fonctionnaires")
    again = client.post("/counter/float", data=data)
    assert first.status_code == again.status_code == 303
    assert requests(runtime) == 1
    page = text_of(client.get("/counter/float"))
    assert "150 000 FCFA" in page and "en attente" in page
    with transaction(runtime) as session:
        assert ledger.balance(session, chart.float_account(agent.id)).available == 20_000


def test_returning_more_than_the_float_holds_is_refused_in_french(client, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=20_000)
    sign_in(client, agent.username)
    refused, _data = ask(client, kind="return", amount="50000")
    assert refused.status_code == 422
    assert "inférieur au montant à restituer" in text_of(refused)
    assert requests(runtime) == 0


def test_a_wrong_amount_is_shown_next_to_the_field(client, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session)
    sign_in(client, agent.username)
    refused, _data = ask(client, kind="topup", amount="beaucoup")
    assert refused.status_code == 400
    assert "Un montant entier en FCFA" in text_of(refused)


def test_a_supervisor_is_sent_to_their_office_page(client, runtime):
    with transaction(runtime) as session:
        chief = factories.supervisor(session)
    sign_in(client, chief.username)
    assert client.get("/counter/float").status_code == 303
