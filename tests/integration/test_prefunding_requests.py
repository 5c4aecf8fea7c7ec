"""Prefunding under maker-checker: one operator records a deposit, another approves it.

Nothing is credited before the approval; the requester can never approve; two
approvals racing credit the organisation once; a bank reference is recorded
once per organisation.
"""

import pytest
from sqlalchemy import func, select

from app import ledger
from app.audit.models import AuditEvent
from app.db import transaction
from app.errors import Conflict, InvalidState, NotFound, ValidationFailed
from app.ledger import chart
from app.ledger.models import Entry
from app.principal import Principal
from app.remittances.prefunding_requests import (
    OwnRequest,
    approve_prefunding,
    reject_prefunding,
    request_prefunding,
)
from tests import factories
from tests.concurrency import RACERS, race


@pytest.fixture
def people(runtime):
    """A partner with an empty prefunding account and three head-office operators."""
    with transaction(runtime) as session:
        partner, _key = factories.api_client(session, "partner")
        staff = [factories.head_office(session, role="operator") for _ in range(3)]
    maker, checker, other = (Principal(role="operator", id=s.id) for s in staff)
    return partner, maker, checker, other


def record(runtime, partner, by, *, amount=2_500_000, bank_reference="VIR-2026-001"):
    with transaction(runtime) as session:
        return request_prefunding(
            session,
            account_holder="partner",
            holder_id=partner.id,
            amount=amount,
            bank_reference=bank_reference,
            reason="Virement reçu sur le compte BGFI",
            by=by,
        )


def prefunding_of(runtime, partner):
    with transaction(runtime) as session:
        return ledger.balance(session, chart.partner(partner.id)).available


def entries_of(runtime, request_id):
    with transaction(runtime) as session:
        return session.scalar(
            select(func.count())
            .select_from(Entry)
            .where(Entry.idempotency_key == f"prefunding:request:{request_id}")
        )


def test_recording_a_deposit_credits_nothing(runtime, people):
    partner, maker, _checker, _other = people
    row = record(runtime, partner, maker)
    assert row.status == "pending"
    assert prefunding_of(runtime, partner) == 0


def test_the_requester_cannot_approve_their_own_request(runtime, people):
    partner, maker, _checker, _other = people
    row = record(runtime, partner, maker)
    with pytest.raises(OwnRequest), transaction(runtime) as session:
        approve_prefunding(session, row.id, by=maker)
    assert prefunding_of(runtime, partner) == 0


def test_another_operator_approves_and_the_ledger_is_credited_once(runtime, people):
    partner, maker, checker, other = people
    row = record(runtime, partner, maker)
    with transaction(runtime) as session:
        approved = approve_prefunding(session, row.id, by=checker)
        assert (approved.status, approved.decided_by) == ("approved", checker.id)
    with transaction(runtime) as session:
        again = approve_prefunding(session, row.id, by=other)
        assert again.decided_by == checker.id
    assert prefunding_of(runtime, partner) == 2_500_000
    assert entries_of(runtime, row.id) == 1


def test_approval_is_audited_with_the_requester_and_the_approver(runtime, people):
    partner, maker, checker, _other = people
    row = record(runtime, partner, maker)
    with transaction(runtime) as session:
        approve_prefunding(session, row.id, by=checker)
    with transaction(runtime) as session:
        events = session.execute(
            select(AuditEvent.action, AuditEvent.actor_id)
            .where(AuditEvent.target_id == partner.id)
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(e) for e in events if e[0].startswith("prefunding")] == [
        ("prefunding.request", maker.id),
        ("prefunding.credit", checker.id),
        ("prefunding.approve", checker.id),
    ]


def test_racing_approvals_credit_the_organisation_once(app, runtime, people):
    partner, maker, checker, other = people
    row = record(runtime, partner, maker)
    approvers = [checker, other]

    outcomes = race(
        app, runtime, RACERS, lambda s, i: approve_prefunding(s, row.id, by=approvers[i % 2]).status
    )

    assert outcomes == ["approved"] * RACERS
    assert entries_of(runtime, row.id) == 1
    assert prefunding_of(runtime, partner) == 2_500_000
    with transaction(runtime) as session:
        approvals = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "prefunding.approve", AuditEvent.target_id == partner.id)
        )
    assert approvals == 1


def test_the_same_bank_reference_is_refused_while_the_first_stands(runtime, people):
    partner, maker, checker, _other = people
    first = record(runtime, partner, maker)
    with pytest.raises(Conflict):
        record(runtime, partner, checker, bank_reference=" vir-2026-001 ")
    with transaction(runtime) as session:
        reject_prefunding(session, first.id, reason="Montant mal saisi", by=checker)
    assert record(runtime, partner, checker).status == "pending"


def test_a_rejected_request_cannot_be_approved(runtime, people):
    partner, maker, checker, other = people
    row = record(runtime, partner, maker)
    with transaction(runtime) as session:
        reject_prefunding(session, row.id, reason="Absent du relevé", by=checker)
    with pytest.raises(InvalidState), transaction(runtime) as session:
        approve_prefunding(session, row.id, by=other)
    assert prefunding_of(runtime, partner) == 0


def test_a_request_names_each_wrong_field(runtime, people):
    partner, maker, _checker, _other = people
    with pytest.raises(ValidationFailed) as caught, transaction(runtime) as session:
        request_prefunding(
            session,
            account_holder="partner",
            holder_id=partner.id,
            amount=0,
            bank_reference="",
            reason="",
            by=maker,
        )
    assert set(caught.value.extra["errors"]) == {"amount", "bank_reference", "reason"}


def test_a_payer_is_not_found_under_the_partner_kind(runtime, people):
    _partner, maker, _checker, _other = people
    with transaction(runtime) as session:
        payer, _key = factories.payer(session)
    with pytest.raises(NotFound), transaction(runtime) as session:
        request_prefunding(
            session,
            account_holder="partner",
            holder_id=payer.id,
            amount=1000,
            bank_reference="VIR-1",
            reason="Virement reçu",
            by=maker,
        )
