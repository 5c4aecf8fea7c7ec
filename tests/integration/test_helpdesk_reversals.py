"""A reversal proposed by one operator and approved by another (app/helpdesk/reversals.py).

The reversal is the one REST's admin runs (``transfers.reversal``); these tests
are about the four eyes around it: who may decide, when a proposal is refused,
and that two approvals at once reverse the payment once.
"""

import pytest
from sqlalchemy import func, select

from app import ledger
from app.audit.models import AuditEvent
from app.db import transaction
from app.errors import DomainError, InsufficientFunds
from app.helpdesk import reversals
from app.helpdesk.models import ReversalProposal
from app.ledger import chart
from app.ledger.models import Entry
from tests import factories
from tests.concurrency import RACERS, race
from tests.desk_support import as_principal, paid_p2p


@pytest.fixture
def story(session):
    awa = factories.customer(session, balance=100_000)
    bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
    transfer = paid_p2p(session, awa, bruno, 5_000)
    maker = factories.head_office(session, role="operator")
    checker = factories.head_office(session, role="operator")
    return awa, bruno, transfer, maker, checker


def available(session, who):
    return ledger.balance(session, chart.wallet(who.id)).available


def test_a_proposal_moves_no_money(session, story):
    _awa, bruno, transfer, maker, _checker = story
    proposal = reversals.propose(
        session, transfer.id, reason="Mauvais numéro", by=as_principal(maker)
    )
    assert proposal.status == "proposed" and proposal.proposed_by == maker.id
    assert transfer.status == "completed"
    assert available(session, bruno) == 5_000


def test_another_operator_approves_and_the_payment_is_reversed(session, story):
    awa, bruno, transfer, maker, checker = story
    before = available(session, awa)
    proposal = reversals.propose(
        session, transfer.id, reason="Mauvais numéro", by=as_principal(maker)
    )
    reversals.approve(session, proposal.id, by=as_principal(checker))
    assert transfer.status == "reversed"
    assert proposal.status == "approved" and proposal.decided_by == checker.id
    assert proposal.open_transfer_id is None
    assert available(session, bruno) == 0
    assert available(session, awa) == before + transfer.amount + transfer.fee


def test_the_proposer_can_never_approve_their_own_proposal(session, story):
    _awa, bruno, transfer, maker, _checker = story
    proposal = reversals.propose(
        session, transfer.id, reason="Mauvais numéro", by=as_principal(maker)
    )
    with pytest.raises(DomainError) as refused:
        reversals.approve(session, proposal.id, by=as_principal(maker))
    assert refused.value.code == "forbidden" and refused.value.extra["why"] == "own_proposal"
    assert transfer.status == "completed" and available(session, bruno) == 5_000


def test_the_proposer_cannot_reject_their_own_proposal_either(session, story):
    _awa, _bruno, transfer, maker, _checker = story
    proposal = reversals.propose(
        session, transfer.id, reason="Mauvais numéro", by=as_principal(maker)
    )
    with pytest.raises(DomainError) as refused:
        reversals.reject(session, proposal.id, reason="Finalement non", by=as_principal(maker))
    assert refused.value.extra["why"] == "own_proposal"


def test_a_rejection_keeps_the_payment_and_frees_the_transfer_for_a_new_proposal(session, story):
    _awa, bruno, transfer, maker, checker = story
    first = reversals.propose(session, transfer.id, reason="Mauvais numéro", by=as_principal(maker))
    reversals.reject(session, first.id, reason="Le client a confirmé", by=as_principal(checker))
    assert first.status == "rejected" and first.decision_reason == "Le client a confirmé"
    assert transfer.status == "completed" and available(session, bruno) == 5_000
    again = reversals.propose(
        session, transfer.id, reason="Fraude avérée", by=as_principal(checker)
    )
    assert again.status == "proposed"


def test_a_decided_proposal_cannot_be_decided_again(session, story):
    _awa, _bruno, transfer, maker, checker = story
    proposal = reversals.propose(
        session, transfer.id, reason="Mauvais numéro", by=as_principal(maker)
    )
    reversals.reject(session, proposal.id, reason="Non fondé", by=as_principal(checker))
    third = factories.head_office(session, role="operator")
    with pytest.raises(DomainError) as refused:
        reversals.approve(session, proposal.id, by=as_principal(third))
    assert refused.value.extra["why"] == "already_decided"


def test_a_second_proposal_for_the_same_transfer_is_refused_while_one_is_open(session, story):
    _awa, _bruno, transfer, maker, checker = story
    reversals.propose(session, transfer.id, reason="Mauvais numéro", by=as_principal(maker))
    with pytest.raises(DomainError) as refused:
        reversals.propose(session, transfer.id, reason="Doublon", by=as_principal(checker))
    assert refused.value.code == "conflict" and refused.value.extra["why"] == "already_open"


def test_a_proposal_for_a_reversed_transfer_is_refused(session, story):
    _awa, _bruno, transfer, maker, checker = story
    proposal = reversals.propose(
        session, transfer.id, reason="Mauvais numéro", by=as_principal(maker)
    )
    reversals.approve(session, proposal.id, by=as_principal(checker))
    with pytest.raises(DomainError) as refused:
        reversals.propose(session, transfer.id, reason="Encore", by=as_principal(maker))
    assert refused.value.extra["why"] == "already_reversed"


def test_a_proposal_for_a_payment_that_never_completed_is_refused(session, story):
    awa, bruno, _transfer, maker, _checker = story
    from app.transfers import p2p

    waiting = p2p.place_p2p(session, awa, to=bruno.msisdn, amount=1_000)
    with pytest.raises(DomainError) as refused:
        reversals.propose(session, waiting.id, reason="Mauvais numéro", by=as_principal(maker))
    assert refused.value.extra["why"] == "not_reversible"


def test_a_proposal_for_a_kind_never_reversed_is_refused(session, story):
    _awa, _bruno, transfer, maker, _checker = story
    transfer.type = "mail"  # a letter's payment: the mail package refuses every reversal
    session.flush()
    with pytest.raises(DomainError) as refused:
        reversals.propose(session, transfer.id, reason="Lettre", by=as_principal(maker))
    assert refused.value.extra["why"] == "not_reversible"
    assert "letter" in refused.value.detail


def test_a_proposal_needs_a_reason(session, story):
    _awa, _bruno, transfer, maker, _checker = story
    with pytest.raises(DomainError) as refused:
        reversals.propose(session, transfer.id, reason="  ", by=as_principal(maker))
    assert refused.value.code == "validation_error"
    assert session.scalar(select(func.count()).select_from(ReversalProposal)) == 0


def test_only_operators_propose(session, story):
    _awa, _bruno, transfer, _maker, _checker = story
    auditor = factories.head_office(session, role="auditor")
    with pytest.raises(DomainError) as refused:
        reversals.propose(session, transfer.id, reason="Mauvais numéro", by=as_principal(auditor))
    assert refused.value.code == "forbidden"


def test_an_approval_the_ledger_refuses_leaves_the_proposal_open(session, story):
    awa, bruno, transfer, maker, checker = story
    proposal = reversals.propose(
        session, transfer.id, reason="Mauvais numéro", by=as_principal(maker)
    )
    paid_p2p(session, bruno, awa, 4_000)  # Bruno spends it before the second operator looks
    with pytest.raises(InsufficientFunds):
        reversals.approve(session, proposal.id, by=as_principal(checker))
    assert proposal.status == "proposed" and transfer.status == "completed"


def test_each_step_is_audited(session, story):
    _awa, _bruno, transfer, maker, checker = story
    proposal = reversals.propose(
        session, transfer.id, reason="Mauvais numéro", by=as_principal(maker)
    )
    reversals.approve(session, proposal.id, by=as_principal(checker))
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.target_id == transfer.id).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("reversal.propose", maker.id),
        ("transfer.reversal", checker.id),
        ("reversal.approve", checker.id),
    ]
    assert events[0].after["reason"] == "Mauvais numéro"


@pytest.mark.postgres_only
def test_racing_approvals_reverse_the_payment_once(app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=100_000)
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
        transfer_id = paid_p2p(session, awa, bruno, 5_000).id
        maker = factories.head_office(session, role="operator")
        checkers = [factories.head_office(session, role="operator") for _ in range(2)]
        proposal = reversals.propose(
            session, transfer_id, reason="Mauvais numéro", by=as_principal(maker)
        ).id

    def approve(session, i):
        return reversals.approve(session, proposal, by=as_principal(checkers[i % 2])).status

    outcomes = race(app, runtime, RACERS, approve)  # two checkers, each pressing many times
    assert sorted(map(str, outcomes)) == ["invalid_state"] * (RACERS - 1) + ["reversed"]
    with transaction(runtime) as session:
        reversal_entries = session.scalar(
            select(func.count())
            .select_from(Entry)
            .where(Entry.idempotency_key == f"reversal:{transfer_id}")
        )
        assert reversal_entries == 1
        assert ledger.balance(session, chart.wallet(bruno.id)).available == 0
        approvals = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "reversal.approve", AuditEvent.target_id == transfer_id)
        )
        assert approvals == 1


@pytest.mark.postgres_only
def test_racing_proposals_leave_one_open(app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=100_000)
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
        transfer_id = paid_p2p(session, awa, bruno, 5_000).id
        makers = [factories.head_office(session, role="operator") for _ in range(2)]

    def propose(session, i):
        return reversals.propose(
            session, transfer_id, reason="Doublon", by=as_principal(makers[i % 2])
        ).status

    outcomes = race(app, runtime, RACERS, propose)
    assert sorted(map(str, outcomes)) == ["conflict"] * (RACERS - 1) + ["proposed"]
