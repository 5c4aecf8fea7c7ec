"""Payments (head office): search transfers and remittances, a payment's page, and a
reversal proposed by one operator and approved by another (``helpdesk.reversals``).

The search is a POST (``changes_nothing``: auditors search too) so a phone
number typed as a filter never sits in a URL; the next page is the same form
with the cursor in a hidden field. ``GET /payments`` lists the latest transfers.

A remittance's page shows what ``helpdesk.payments.remittance_facts`` gives,
never its payout code (not stored) nor the code's hash.

Supervisors do not open these pages (see ``customers.py``: the head office's
Operations); operators act, auditors read.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for

from app.db import transaction
from app.errors import DomainError
from app.helpdesk import payments, reversals
from app.remittances.models import STATUSES as REMITTANCE_STATUSES
from app.transfers.models import STATUSES as TRANSFER_STATUSES
from app.web.backoffice.access import AUDITOR, HEAD_OFFICE, OPERATOR
from app.web.backoffice.blueprint import Page, allow, blueprint
from app.web.backoffice.desk import acting, explain, new_key, submit_once

FILTERS = ("kind", "reference", "msisdn", "since", "until", "status", "cursor")


@blueprint.route("/payments", methods=["GET", "POST"])
@allow(OPERATOR, AUDITOR, changes_nothing=True)
def payments_search() -> Page:
    typed = {name: request.form.get(name, "") for name in FILTERS}
    if request.method == "GET":
        typed = {name: "" for name in FILTERS}
    error = None
    status = 200
    with transaction() as db:
        try:
            query = payments.clean_query(db, typed)
            found = payments.search(db, query)
        except DomainError as exc:
            query, found = payments.PaymentQuery(), payments.PaymentPage([], None)
            error, status = explain(exc), exc.status
        page = render_template(
            "backoffice/payments/search.html",
            typed=typed,
            query=query,
            found=found,
            transfer_statuses=TRANSFER_STATUSES,
            remittance_statuses=REMITTANCE_STATUSES,
            error=error,
        )
    return page, status


@blueprint.route("/payments/transfers/<transfer_id>")
@allow(*HEAD_OFFICE)
def transfer(transfer_id: str) -> Page:
    return _transfer_page(transfer_id)


def _transfer_page(transfer_id: str, *, error: str | None = None, status: int = 200) -> Page:
    with transaction() as db:
        row = payments.get_transfer(db, transfer_id)
        proposals = reversals.proposals_of(db, row.id)
        names = _staff_names(db, proposals)
        page = render_template(
            "backoffice/payments/transfer.html",
            t=row,
            parties=payments.transfer_parties(db, row),
            proposals=proposals,
            names=names,
            once_key=new_key,
            error=error,
        )
    return page, status


def _staff_names(db: Any, proposals: list[Any]) -> dict[str, str]:
    from app.agents.models import StaffUser

    ids = {p.proposed_by for p in proposals} | {p.decided_by for p in proposals if p.decided_by}
    return {i: member.username for i in ids if (member := db.get(StaffUser, i)) is not None}


@blueprint.route("/payments/remittances/<remittance_id>")
@allow(*HEAD_OFFICE)
def remittance(remittance_id: str) -> Page:
    with transaction() as db:
        facts = payments.remittance_facts(db, payments.get_remittance(db, remittance_id))
        return render_template("backoffice/payments/remittance.html", r=facts)


@blueprint.route("/payments/reversals")
@allow(*HEAD_OFFICE)
def reversal_queue() -> Page:
    with transaction() as db:
        waiting = reversals.open_proposals(db)
        names = _staff_names(db, [p for p, _t in waiting])
        return render_template(
            "backoffice/payments/reversals.html", waiting=waiting, names=names, once_key=new_key
        )


@blueprint.route("/payments/transfers/<transfer_id>/reversal", methods=["POST"])
@allow(OPERATOR)
def reversal_propose(transfer_id: str) -> Page:
    target = url_for("backoffice.transfer", transfer_id=transfer_id)

    def act(db: Any) -> None:
        reversals.propose(db, transfer_id, reason=request.form.get("reason") or "", by=acting())

    def refused(message: str, status: int) -> Page:
        return _transfer_page(transfer_id, error=message, status=status)

    return submit_once(target, act, "bo.payments.done.proposed", refused)


@blueprint.route("/payments/reversals/<proposal_id>/approve", methods=["POST"])
@allow(OPERATOR)
def reversal_approve(proposal_id: str) -> Page:
    def act(db: Any) -> None:
        reversals.approve(db, proposal_id, by=acting(), ip=request.remote_addr)

    return _decide(proposal_id, act, "bo.payments.done.approved")


@blueprint.route("/payments/reversals/<proposal_id>/reject", methods=["POST"])
@allow(OPERATOR)
def reversal_reject(proposal_id: str) -> Page:
    def act(db: Any) -> None:
        reversals.reject(db, proposal_id, reason=request.form.get("reason") or "", by=acting())

    return _decide(proposal_id, act, "bo.payments.done.rejected")


def _decide(proposal_id: str, act: Any, done: str) -> Page:
    with transaction() as db:
        transfer_id = reversals.get_proposal(db, proposal_id).transfer_id
    target = url_for("backoffice.transfer", transfer_id=transfer_id)

    def refused(message: str, status: int) -> Page:
        return _transfer_page(transfer_id, error=message, status=status)

    return submit_once(target, act, done, refused)
