"""Float requests: asked by an agent, their supervisor or an operator; decided by an
operator who is not the requester; approval moves the money through the ledger once."""

import pytest
from sqlalchemy import func, select

from app import ledger
from app.agents import float_requests
from app.agents.staff import get_staff
from app.audit import list_events
from app.db import transaction
from app.errors import Forbidden, InsufficientFunds, InvalidState, NotFound, ValidationFailed
from app.ledger import chart
from app.ledger.models import Entry
from tests import factories
from tests.concurrency import RACERS, race


def float_of(session, agent):
    return ledger.balance(session, chart.float_account(agent.id)).available


def trust_bank(session):
    return ledger.balance(session, chart.TRUST_BANK).posted


def entries(session, kind):
    return session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == kind))


def test_an_agent_asks_a_top_up_of_their_own_float_and_nothing_moves_yet(session):
    agent = factories.agent(session, float_balance=10_000)
    made = float_requests.request_float(
        session, requester=agent, agent_id=agent.id, kind="topup", amount="50 000"
    )
    assert (made.status, made.amount, made.post_office_code) == ("pending", 50_000, "BZV-PP")
    assert float_of(session, agent) == 10_000
    assert [e.action for e in list_events(session, action="float.request").items] == [
        "float.request"
    ]


def test_an_agent_cannot_ask_for_another_agents_float(session):
    agent = factories.agent(session)
    other = factories.agent(session)
    with pytest.raises(NotFound):
        float_requests.request_float(
            session, requester=agent, agent_id=other.id, kind="topup", amount=1_000
        )


def test_a_supervisor_asks_for_an_agent_of_their_office_only(session):
    chief = factories.supervisor(session)
    ours = factories.agent(session)
    theirs = factories.agent(session, post_office="Bureau de Tié-Tié", post_office_code="PNR-TP")
    made = float_requests.request_float(
        session, requester=chief, agent_id=ours.id, kind="topup", amount=5_000
    )
    assert made.requested_by_role == "supervisor"
    with pytest.raises(NotFound):
        float_requests.request_float(
            session, requester=chief, agent_id=theirs.id, kind="topup", amount=5_000
        )


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "", "1.5", True, 100_000_001])
def test_an_amount_that_is_not_a_positive_whole_number_is_refused(session, amount):
    agent = factories.agent(session)
    with pytest.raises(ValidationFailed) as refused:
        float_requests.request_float(
            session, requester=agent, agent_id=agent.id, kind="topup", amount=amount
        )
    assert "amount" in refused.value.extra["errors"]


def test_a_return_of_more_than_the_float_holds_is_refused_at_once(session):
    agent = factories.agent(session, float_balance=20_000)
    with pytest.raises(InsufficientFunds):
        float_requests.request_float(
            session, requester=agent, agent_id=agent.id, kind="return", amount=20_001
        )


def test_an_approved_top_up_moves_trust_bank_money_into_the_float(session):
    agent = factories.agent(session, float_balance=10_000)
    operator = factories.head_office(session)
    made = float_requests.request_float(
        session, requester=agent, agent_id=agent.id, kind="topup", amount=40_000
    )
    bank = trust_bank(session)
    done = float_requests.approve(session, made.id, decider=operator)
    assert (done.status, done.decided_by) == ("approved", operator.id)
    assert done.entry_id is not None
    assert float_of(session, agent) == 50_000
    assert trust_bank(session) == bank + 40_000
    assert list_events(session, action="float.request_approve").items[0].actor_id == operator.id


def test_an_approved_return_moves_float_back_to_the_trust_bank(session):
    agent = factories.agent(session, float_balance=300_000)
    operator = factories.head_office(session)
    made = float_requests.request_float(
        session, requester=agent, agent_id=agent.id, kind="return", amount=200_000
    )
    bank = trust_bank(session)
    float_requests.approve(session, made.id, decider=operator)
    assert float_of(session, agent) == 100_000
    assert trust_bank(session) == bank - 200_000
    assert entries(session, "float_return") == 1


def test_a_return_is_checked_again_at_approval_and_stays_pending_when_refused(runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=100_000)
        operator = factories.head_office(session)
        made = float_requests.request_float(
            session, requester=agent, agent_id=agent.id, kind="return", amount=80_000
        )
        # the agent pays out cash meanwhile: the float drops under the amount
        ledger.post_entry(
            session,
            key=factories.key(),
            kind="cashout_test",
            legs=[
                ledger.debit(chart.float_account(agent.id), 50_000),
                ledger.credit(chart.TRUST_BANK, 50_000),
            ],
        )
    with pytest.raises(InsufficientFunds), transaction(runtime) as session:
        float_requests.approve(session, made.id, decider=get_staff(session, operator.id))
    with transaction(runtime) as session:
        assert float_requests.get_request(session, made.id).status == "pending"
        assert float_of(session, agent) == 50_000


def test_the_requester_can_never_approve_their_own_request(session):
    operator = factories.head_office(session)
    agent = factories.agent(session)
    made = float_requests.request_float(
        session, requester=operator, agent_id=agent.id, kind="topup", amount=10_000
    )
    with pytest.raises(Forbidden):
        float_requests.approve(session, made.id, decider=operator)
    with pytest.raises(Forbidden):
        float_requests.reject(session, made.id, decider=operator, reason="my own")
    assert float_requests.get_request(session, made.id).status == "pending"
    assert float_of(session, agent) == 0


@pytest.mark.parametrize("role", ["supervisor", "agent", "auditor"])
def test_only_an_operator_decides(session, role):
    agent = factories.agent(session)
    made = float_requests.request_float(
        session, requester=agent, agent_id=agent.id, kind="topup", amount=10_000
    )
    decider = {
        "supervisor": lambda: factories.supervisor(session),
        "agent": lambda: factories.agent(session),
        "auditor": lambda: factories.head_office(session, role="auditor"),
    }[role]()
    with pytest.raises(Forbidden):
        float_requests.approve(session, made.id, decider=decider)


def test_a_decided_request_cannot_be_decided_again(session):
    agent = factories.agent(session)
    first, second = factories.head_office(session), factories.head_office(session)
    made = float_requests.request_float(
        session, requester=agent, agent_id=agent.id, kind="topup", amount=10_000
    )
    float_requests.approve(session, made.id, decider=first)
    with pytest.raises(InvalidState):
        float_requests.approve(session, made.id, decider=second)
    with pytest.raises(InvalidState):
        float_requests.reject(session, made.id, decider=second, reason="too late")
    assert float_of(session, agent) == 10_000


def test_a_rejection_needs_a_reason_and_moves_nothing(session):
    agent = factories.agent(session)
    operator = factories.head_office(session)
    made = float_requests.request_float(
        session, requester=agent, agent_id=agent.id, kind="topup", amount=10_000
    )
    with pytest.raises(ValidationFailed):
        float_requests.reject(session, made.id, decider=operator, reason=" ")
    done = float_requests.reject(session, made.id, decider=operator, reason="Pas de dépôt reçu")
    assert (done.status, done.decision_note) == ("rejected", "Pas de dépôt reçu")
    assert float_of(session, agent) == 0
    event = list_events(session, action="float.request_reject").items[0]
    assert event.after["reason"] == "Pas de dépôt reçu"


def test_operators_approving_at_once_make_one_entry(app, runtime):
    with transaction(runtime) as session:
        agent = factories.agent(session)
        deciders = [factories.head_office(session).id for _ in range(3)]
        made = float_requests.request_float(
            session, requester=agent, agent_id=agent.id, kind="topup", amount=70_000
        )
    outcomes = race(
        app,
        runtime,
        RACERS,  # three operators, each pressing many times
        lambda session, i: (
            float_requests.approve(
                session, made.id, decider=get_staff(session, deciders[i % 3])
            ).status
        ),
    )
    assert sorted(str(o) for o in outcomes).count("approved") == 1, outcomes
    assert all(o in ("approved", "invalid_state") for o in outcomes), outcomes
    with transaction(runtime) as session:
        assert float_of(session, agent) == 70_000
        assert entries(session, "float_topup") == 1
        assert len(list_events(session, action="float.request_approve").items) == 1
