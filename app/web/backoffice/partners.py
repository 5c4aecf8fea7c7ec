"""Partners, merchants, billers, payers and senders: the organisations that call our API.

Head office only: operators act, auditors read (their POSTs never reach a
handler). Each page calls the domain service REST's ``/admin`` calls:

* list per kind, create (``app.auth.onboarding``, ``app.payments.merchants`` /
  ``billers``): the API key (and a merchant's or biller's webhook secret) is
  shown on the answer to the creating POST only, never stored in clear, never
  logged, never flashed into the session cookie; a resubmitted form is sent to
  the organisation's page instead of creating a second one;
* disable, enable, rotate the key (``app.auth.client_access``), each with a
  reason, audited; a rotated key is shown once like a new one and the old key
  is refused from the commit on;
* prefunding under maker-checker (``app.remittances.prefunding_requests``): an
  operator records a deposit, another approves it and only then is the ledger
  credited; the requester's approval is refused by the service;
* undeliverable callbacks (``app.payments.callbacks``) with "renvoyer", which
  re-arms the delivery as ``POST /admin/callbacks/{id}/retry`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.agents.models import StaffUser
from app.audit.reasons import operator_reason
from app.auth import client_access, onboarding
from app.auth.api_keys import ApiClient, get_api_client, list_clients
from app.db import transaction
from app.errors import DomainError, NotFound, ValidationFailed
from app.ledger import chart
from app.payments import callbacks
from app.payments.biller_status import disable_biller, enable_biller
from app.payments.billers import create_biller
from app.payments.merchants import create_merchant
from app.payments.models import BILLER_CATEGORIES, Biller, CallbackDelivery, Merchant
from app.remittances import prefunding_requests as requests
from app.web.backoffice.access import AUDITOR, OPERATOR
from app.web.backoffice.blueprint import Page, allow, blueprint, notify
from app.web.backoffice.forms_once import me, new_key, problem, run_once

KINDS = ("partner", "merchant", "biller", "payer", "sender")
PREFUNDED = {"partner": chart.partner, "payer": chart.payer, "sender": chart.sender}
# What each kind's creation form asks for, in order (the services check the values).
FIELDS: dict[str, tuple[str, ...]] = {
    "partner": ("name", "country"),
    "payer": ("name",),
    "sender": ("name",),
    "merchant": ("name", "fee_rate", "callback_url"),
    "biller": (
        "code",
        "name",
        "category",
        "reference_pattern",
        "reference_hint",
        "reference_example",
        "fixed_amount",
        "webhook_url",
    ),
}
OPTIONAL = {"fee_rate", "callback_url", "reference_example", "fixed_amount", "webhook_url"}
INTEGERS = {"fee_rate", "fixed_amount"}
LIST_LIMIT = 200


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound("No such kind of organisation.")
    return kind


# -- the organisations ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    client: ApiClient
    balance: int | None
    detail: str | None


def _rows(session: Session, kind: str, clients: list[ApiClient]) -> list[Row]:
    """Each client with its account's balance (prefunding, or what it collected)."""
    codes = {c.id: _account_code(session, kind, c) for c in clients}
    found = ledger.balances(session, [code for code in codes.values() if code])
    rows = []
    for client in clients:
        code = codes[client.id]
        held = found.get(code) if code else None
        rows.append(Row(client, held.available if held else None, _detail(kind, client)))
    return rows


def _account_code(session: Session, kind: str, client: ApiClient) -> str | None:
    if kind in PREFUNDED:
        return PREFUNDED[kind](client.id)
    if kind == "merchant":
        return chart.merchant(client.id)
    code = (client.meta or {}).get("biller_code")
    return chart.biller(code) if isinstance(code, str) else None


def _detail(kind: str, client: ApiClient) -> str | None:
    meta = client.meta or {}
    if kind == "partner":
        return str(meta.get("country") or "") or None
    if kind == "biller":
        return str(meta.get("biller_code") or "") or None
    return None


@blueprint.route("/partners")
@allow(OPERATOR, AUDITOR)
def partners_home() -> Page:
    """The area's entry: the remittance partners' list (the walk wants no redirect)."""
    return partners_list("partner")


@blueprint.route("/partners/<kind>")
@allow(OPERATOR, AUDITOR)
def partners_list(kind: str) -> Page:
    """One kind's organisations by name, with status, key prefix and balance."""
    kind = _kind(kind)
    status = request.args.get("status") or None
    if status not in (None, "active", "disabled"):
        status = None
    with transaction() as db:
        rows = _rows(db, kind, list_clients(db, role=kind, status=status, limit=LIST_LIMIT))
    return render_template(
        "backoffice/partners/list.html", kind=kind, kinds=KINDS, rows=rows, status=status
    )


def _form_values(kind: str) -> dict[str, Any]:
    """The creation form as the service takes it: blanks are None, numbers are ints."""
    values: dict[str, Any] = {}
    for name in FIELDS[kind]:
        raw = (request.form.get(name) or "").strip()
        if name in OPTIONAL and not raw:
            values[name] = None
        elif name in INTEGERS:
            digits = raw.replace(" ", "")
            values[name] = int(digits) if digits.isascii() and digits.isdigit() else raw
        else:
            values[name] = raw
    return values


def _create(db: Session, kind: str, values: dict[str, Any]) -> tuple[ApiClient, str, str | None]:
    """Create one organisation of ``kind``: (client, clear key, clear webhook secret)."""
    by = me()
    for name in INTEGERS & values.keys():
        if isinstance(values[name], str):
            raise ValidationFailed({name: ["A whole number."]})
    if kind == "partner":
        client, key = onboarding.create_partner(db, by=by, **values)
        return client, key, None
    if kind == "payer":
        client, key = onboarding.create_payer(db, by=by, **values)
        return client, key, None
    if kind == "sender":
        client, key = onboarding.create_sender(db, by=by, **values)
        return client, key, None
    if kind == "merchant":
        merchant = create_merchant(db, by=by, **values)
        return merchant.client, merchant.api_key, merchant.webhook_secret
    biller = create_biller(db, by=by, **values)
    return get_api_client(db, biller.biller.client_id), biller.api_key, biller.webhook_secret


@blueprint.route("/partners/<kind>/new", methods=["GET", "POST"])
@allow(OPERATOR)
def partners_new(kind: str) -> Page:
    """Create an organisation; its key is on this answer only."""
    kind = _kind(kind)
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = _form_values(kind)

        def work(db: Session) -> tuple[str, Any]:
            client, key, secret = _create(db, kind, dict(values))
            target = url_for("backoffice.partners_client", client_id=client.id)
            return target, (client.id, client.name, key, secret)

        try:
            again, shown = run_once(request.form.get("key"), work)
        except DomainError as exc:
            error, errors = problem(exc)
            return _new_page(kind, values, error=error, errors=errors, status=exc.status)
        if again is not None:
            return again
        client_id, name, key, secret = shown
        return render_template(
            "backoffice/partners/secret.html",
            client_id=client_id,
            name=name,
            api_key=key,
            webhook_secret=secret,
            created=True,
        )
    return _new_page(kind, values)


def _new_page(
    kind: str,
    values: dict[str, Any],
    *,
    error: str | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Page:
    page = render_template(
        "backoffice/partners/new.html",
        kind=kind,
        fields=FIELDS[kind],
        optional=OPTIONAL,
        categories=BILLER_CATEGORIES,
        values={k: "" if v is None else v for k, v in values.items()},
        key=new_key(),
        error=error,
        errors=errors or {},
    )
    return page, status


def _client_page(
    client_id: str,
    *,
    error: str | None = None,
    errors: dict[str, dict[str, list[str]]] | None = None,
    status: int = 200,
) -> Page:
    """The organisation's page; ``errors`` are keyed by the form that failed (status,
    biller, rotate, prefunding), so a message shows beside that form's fields only."""
    with transaction() as db:
        client = get_api_client(db, client_id)
        if client.role not in KINDS:
            raise NotFound("No such organisation.")
        row = _rows(db, client.role, [client])[0]
        extra = _extra(db, client)
        pending = [
            r
            for r in requests.list_requests(db, status="pending", limit=LIST_LIMIT)
            if r.holder_id == client.id
        ]
    page = render_template(
        "backoffice/partners/client.html",
        row=row,
        client=client,
        extra=extra,
        pending=pending,
        prefunded=client.role in PREFUNDED,
        key=new_key,
        error=error,
        errors=errors or {},
    )
    return page, status


def _extra(db: Session, client: ApiClient) -> dict[str, Any]:
    """What a merchant's or biller's page adds: terms and callback address."""
    if client.role == "merchant":
        merchant = db.get(Merchant, client.id)
        return {"fee_rate": merchant.fee_rate_bp, "url": merchant.callback_url} if merchant else {}
    if client.role == "biller":
        code = (client.meta or {}).get("biller_code")
        biller = db.get(Biller, code) if isinstance(code, str) else None
        if biller is not None:
            return {"category": biller.category, "url": biller.webhook_url, "state": biller.status}
    return {}


@blueprint.route("/partners/clients/<client_id>")
@allow(OPERATOR, AUDITOR)
def partners_client(client_id: str) -> Page:
    """One organisation: status, key prefix, balance, and what an operator may do."""
    return _client_page(client_id)


def _switch(client_id: str, work: Callable[[Session], tuple[str, Any]], field: str) -> Page:
    """Run a disable/enable form once; its outcome said as ``bo.partners.<field>.<status>``,
    a refusal shown next to ``field`` on the organisation's page."""
    again, status = run_once(
        request.form.get("key"),
        work,
        refused=lambda error, errors, status: _client_page(
            client_id, error=error, errors={field: errors}, status=status
        ),
    )
    if again is not None:
        return again
    notify(f"bo.partners.{field}.{status}")
    return redirect(url_for("backoffice.partners_client", client_id=client_id), code=303)


@blueprint.route("/partners/clients/<client_id>/status", methods=["POST"])
@allow(OPERATOR)
def partners_status(client_id: str) -> Page:
    """Disable or enable an organisation's API access, with a reason."""
    action = request.form.get("action")
    reason = request.form.get("reason") or ""

    def work(db: Session) -> tuple[str, Any]:
        if action == "disable":
            client = client_access.disable_client(db, client_id, reason=reason, by=me())
        elif action == "enable":
            client = client_access.enable_client(db, client_id, reason=reason, by=me())
        else:
            raise ValidationFailed({"action": ["disable or enable."]})
        return url_for("backoffice.partners_client", client_id=client.id), client.status

    return _switch(client_id, work, "status")


@blueprint.route("/partners/clients/<client_id>/biller", methods=["POST"])
@allow(OPERATOR)
def partners_biller_status(client_id: str) -> Page:
    """Take a biller off the customers' list, or put it back (its key is another matter)."""
    action = request.form.get("action")
    reason = request.form.get("reason") or ""

    def work(db: Session) -> tuple[str, Any]:
        client = get_api_client(db, client_id, role="biller")
        code = str((client.meta or {}).get("biller_code") or "")
        if action == "disable":
            biller = disable_biller(db, code, reason=reason, by=me())
        elif action == "enable":
            biller = enable_biller(db, code, reason=reason, by=me())
        else:
            raise ValidationFailed({"action": ["disable or enable."]})
        return url_for("backoffice.partners_client", client_id=client.id), biller.status

    return _switch(client_id, work, "biller")


@blueprint.route("/partners/clients/<client_id>/key", methods=["POST"])
@allow(OPERATOR)
def partners_rotate(client_id: str) -> Page:
    """Replace the key: the new one on this answer only, the old one refused from now."""
    reason = request.form.get("reason") or ""

    def work(db: Session) -> tuple[str, Any]:
        client, key = client_access.rotate_key(db, client_id, reason=reason, by=me())
        return url_for("backoffice.partners_client", client_id=client.id), (client.name, key)

    again, shown = run_once(
        request.form.get("key"),
        work,
        refused=lambda error, errors, status: _client_page(
            client_id, error=error, errors={"rotate": errors}, status=status
        ),
    )
    if again is not None:
        return again
    name, key = shown
    return render_template(
        "backoffice/partners/secret.html",
        client_id=client_id,
        name=name,
        api_key=key,
        webhook_secret=None,
        created=False,
    )


# -- prefunding: recorded by one operator, approved by another -------------------------------


@blueprint.route("/partners/prefunding")
@allow(OPERATOR, AUDITOR)
def prefunding_list() -> Page:
    return _prefunding_page()


def _prefunding_page(*, error: str | None = None, errors: Any = None, status: int = 200) -> Page:
    with transaction() as db:
        pending = requests.list_requests(db, status="pending", limit=LIST_LIMIT)
        recent = [r for r in requests.list_requests(db, limit=50) if r.status != "pending"]
        names = client_names(db, {r.holder_id for r in pending + recent})
        staff = staff_names(db, {r.requested_by for r in pending + recent})
        staff |= staff_names(db, {r.decided_by for r in recent if r.decided_by})
    page = render_template(
        "backoffice/partners/prefunding.html",
        pending=pending,
        recent=recent,
        names=names,
        staff=staff,
        key=new_key,
        error=error,
        errors=errors or {},
    )
    return page, status


def client_names(db: Session, client_ids: set[str]) -> dict[str, str]:
    """Organisations' names by id, in one query (lists name who they concern)."""
    if not client_ids:
        return {}
    rows = db.execute(select(ApiClient.id, ApiClient.name).where(ApiClient.id.in_(client_ids)))
    return {client_id: name for client_id, name in rows}


def staff_names(db: Session, staff_ids: set[str]) -> dict[str, str]:
    """Staff usernames by id, in one query (who recorded, who approved)."""
    clean = {s for s in staff_ids if s}
    if not clean:
        return {}
    rows = db.execute(select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(clean)))
    return {staff_id: username for staff_id, username in rows}


def _amount_field(raw: str | None) -> Any:
    digits = "".join((raw or "").split())
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 13 else raw


@blueprint.route("/partners/clients/<client_id>/prefunding", methods=["POST"])
@allow(OPERATOR)
def prefunding_request(client_id: str) -> Page:
    """Record a deposit for approval by another operator; nothing is credited yet."""
    form = request.form

    def work(db: Session) -> tuple[str, Any]:
        client = get_api_client(db, client_id)
        row = requests.request_prefunding(
            db,
            account_holder=client.role,
            holder_id=client.id,
            amount=_amount_field(form.get("amount")),
            bank_reference=form.get("bank_reference") or "",
            reason=form.get("reason") or "",
            by=me(),
        )
        return url_for("backoffice.prefunding_list"), row.id

    try:
        again, _shown = run_once(form.get("key"), work)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        error, errors = problem(exc)
        return _client_page(
            client_id, error=error, errors={"prefunding": errors}, status=exc.status
        )
    if again is not None:
        return again
    notify("bo.partners.prefunding.recorded")
    return redirect(url_for("backoffice.prefunding_list"), code=303)


@blueprint.route("/partners/prefunding/<request_id>/approve", methods=["POST"])
@allow(OPERATOR)
def prefunding_approve(request_id: str) -> Page:
    """Approve another operator's request: the ledger is credited, once."""

    def work(db: Session) -> tuple[str, Any]:
        row = requests.approve_prefunding(db, request_id, by=me())
        return url_for("backoffice.prefunding_list"), row.amount

    again, _amount = run_once(
        request.form.get("key"),
        work,
        refused=lambda error, _errors, status: _prefunding_page(error=error, status=status),
    )
    if again is not None:
        return again
    notify("bo.partners.prefunding.approved")
    return redirect(url_for("backoffice.prefunding_list"), code=303)


@blueprint.route("/partners/prefunding/<request_id>/reject", methods=["POST"])
@allow(OPERATOR)
def prefunding_reject(request_id: str) -> Page:
    """Close a request without crediting anything, with a reason."""
    reason = request.form.get("reason") or ""

    def work(db: Session) -> tuple[str, Any]:
        requests.reject_prefunding(db, request_id, reason=reason, by=me())
        return url_for("backoffice.prefunding_list"), None

    again, _shown = run_once(
        request.form.get("key"),
        work,
        refused=lambda error, errors, status: _prefunding_page(
            error=error, errors={request_id: errors}, status=status
        ),
    )
    if again is not None:
        return again
    notify("bo.partners.prefunding.rejected")
    return redirect(url_for("backoffice.prefunding_list"), code=303)


# -- callbacks that exhausted their attempts ---------------------------------------------------


def _targets(db: Session, rows: list[CallbackDelivery]) -> dict[tuple[str, str], str]:
    """The biller's or merchant's name of each delivery."""
    names: dict[tuple[str, str], str] = {}
    for row in rows:
        where = (row.target_type, row.target_id)
        if where in names:
            continue
        if row.target_type == "biller":
            biller = db.get(Biller, row.target_id)
            names[where] = biller.name if biller else row.target_id
        else:
            client = db.get(ApiClient, row.target_id)
            names[where] = client.name if client else row.target_id
    return names


@blueprint.route("/partners/callbacks")
@allow(OPERATOR, AUDITOR)
def callbacks_list() -> Page:
    """Undeliverable callbacks: target, address, last error, and "renvoyer"."""
    with transaction() as db:
        rows = callbacks.list_deliveries(
            db, status="undeliverable", limit=LIST_LIMIT, after_id=None
        )
        targets = _targets(db, rows)
    return render_template(
        "backoffice/partners/callbacks.html", rows=rows, targets=targets, key=new_key
    )


@blueprint.route(
    "/partners/callbacks/<int(max=9223372036854775807):delivery_id>/resend", methods=["POST"]
)
@allow(OPERATOR)
def callbacks_resend(delivery_id: int) -> Page:
    """Send the callback again with a fresh series of attempts (the receiver was fixed)."""
    reason = request.form.get("reason") or ""

    def work(db: Session) -> tuple[str, Any]:
        why = operator_reason(reason)
        by = me()
        delivery = callbacks.rearm(db, delivery_id, admin_id=by.id, actor_role=by.role, reason=why)
        return url_for("backoffice.callbacks_list"), delivery.status

    try:
        again, _status = run_once(request.form.get("key"), work)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        notify("bo.partners.callbacks.reason_needed")
        return redirect(url_for("backoffice.callbacks_list"), code=303)
    if again is not None:
        return again
    notify("bo.partners.callbacks.resent")
    return redirect(url_for("backoffice.callbacks_list"), code=303)
