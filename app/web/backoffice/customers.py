"""Customer service (head office): find a customer, read their file, act on it.

Search by number, name or reference is a POST (``changes_nothing``: an auditor
searches too), so no phone number sits in a URL, a browser history or an access
log; a single customer found opens at ``/backoffice/customers/<id>``.

Actions, each with a reason and audited by the domain service it calls (the
services REST's admin endpoints use): freeze and unfreeze
(``customers.freezing``), unlock a PIN lock and KYC review, upgrade or refuse
(``customers.service``), end the app sessions. Operators act; auditors read.

Supervisors do not open these pages: a customer is the whole network's, not one
office's, and a post office's agents already find their customers at the
counter (``/counter``); the issue lists customer service under the head office's
Operations. A supervisor's request is refused (403) like any other role's.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from app.customers.freezing import freeze_customer, unfreeze_customer
from app.customers.models import ID_TYPES, KYC_TIERS
from app.customers.service import end_sessions, refuse_kyc, unlock_customer, upgrade_kyc
from app.db import transaction
from app.helpdesk.customers import customer_file, find_customers
from app.web.backoffice.access import AUDITOR, HEAD_OFFICE, OPERATOR
from app.web.backoffice.blueprint import Page, allow, blueprint
from app.web.backoffice.desk import acting, new_key, submit_once

MAX_TYPED = 60


@blueprint.route("/customers", methods=["GET", "POST"])
@allow(OPERATOR, AUDITOR, changes_nothing=True)
def customers() -> Page:
    if request.method == "GET":
        return render_template("backoffice/customers/search.html", query="", found=None)
    query = (request.form.get("q") or "").strip()[:MAX_TYPED]
    with transaction() as db:
        result = find_customers(db, query)
        if len(result.customers) == 1 and result.how in ("number", "reference"):
            target = url_for("backoffice.customer", customer_id=result.customers[0].id)
            return redirect(target, code=303)
        page = render_template(
            "backoffice/customers/search.html", query=query, found=result, searched=True
        )
    return page, 200 if result.customers or result.how == "nothing" else 404


@blueprint.route("/customers/<customer_id>")
@allow(*HEAD_OFFICE)
def customer(customer_id: str) -> Page:
    return _file_page(customer_id)


def _file_page(
    customer_id: str, *, error: str | None = None, status: int = 200, form: Any = None
) -> Page:
    with transaction() as db:
        file = customer_file(db, customer_id)
        page = render_template(
            "backoffice/customers/customer.html",
            file=file,
            c=file["customer"],
            once_key=new_key,
            tiers=KYC_TIERS,
            id_types=ID_TYPES,
            error=error,
            form=form or {},
        )
    return page, status


def _act(customer_id: str, act: Any, done: str) -> Page:
    target = url_for("backoffice.customer", customer_id=customer_id)

    def refused(message: str, status: int) -> Page:
        return _file_page(customer_id, error=message, status=status, form=request.form)

    return submit_once(target, act, done, refused)


def _reason() -> str:
    return request.form.get("reason") or ""


@blueprint.route("/customers/<customer_id>/freeze", methods=["POST"])
@allow(OPERATOR)
def customer_freeze(customer_id: str) -> Page:
    def act(db: Any) -> None:
        freeze_customer(db, customer_id, reason=_reason(), by=acting())

    return _act(customer_id, act, "bo.customers.done.freeze")


@blueprint.route("/customers/<customer_id>/unfreeze", methods=["POST"])
@allow(OPERATOR)
def customer_unfreeze(customer_id: str) -> Page:
    def act(db: Any) -> None:
        unfreeze_customer(db, customer_id, reason=_reason(), by=acting())

    return _act(customer_id, act, "bo.customers.done.unfreeze")


@blueprint.route("/customers/<customer_id>/unlock", methods=["POST"])
@allow(OPERATOR)
def customer_unlock(customer_id: str) -> Page:
    def act(db: Any) -> None:
        unlock_customer(db, customer_id, by=acting(), reason=_reason())

    return _act(customer_id, act, "bo.customers.done.unlock")


@blueprint.route("/customers/<customer_id>/kyc", methods=["POST"])
@allow(OPERATOR)
def customer_kyc(customer_id: str) -> Page:
    """KYC review: ``decision=upgrade`` raises the tier on the document seen,
    ``decision=refuse`` records the refusal and its reason (nothing else changes)."""
    form = request.form
    refusing = form.get("decision") == "refuse"

    def act(db: Any) -> None:
        if refusing:
            refuse_kyc(db, customer_id, reason=_reason(), by=acting())
        else:
            upgrade_kyc(
                db,
                customer_id,
                tier=form.get("tier") or "",
                id_type=form.get("id_type") or "",
                id_number=form.get("id_number") or "",
                by=acting(),
                reason=_reason(),
            )

    done = "bo.customers.done.kyc_refusal" if refusing else "bo.customers.done.kyc_upgrade"
    return _act(customer_id, act, done)


@blueprint.route("/customers/<customer_id>/sessions/end", methods=["POST"])
@allow(OPERATOR)
def customer_sessions_end(customer_id: str) -> Page:
    def act(db: Any) -> None:
        end_sessions(db, customer_id, reason=_reason(), by=acting())

    return _act(customer_id, act, "bo.customers.done.sessions")
