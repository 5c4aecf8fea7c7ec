"""The counter's pages: thin handlers that read a form, call one service, render.

Every POST is checked for its CSRF token first (``check_csrf``), every page but
the sign-in needs a live session (``auth.current_teller``), and every
domain error is rendered as a French message at the top of the form and next
to its field (``explain``), never as a stack trace.

Two roles sign in here: agents (customers, money, their till) and post-office
supervisors ("Mon bureau": their office's agents and their receipts). Each
page belongs to one role (``SUPERVISOR_PAGES``, ``SHARED_PAGES``, the rest is the
agents'); the other role is sent back to its own first page with a message.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import TooManyRequests
from wtforms import Form

from app import ledger
from app.agents.staff import get_agent, get_staff
from app.agents.till import close_day, day_summary, ensure_open, office_day
from app.agents.till import office_agent as find_office_agent
from app.api.ratelimit import count_sign_in
from app.clock import LOCAL_TZ, local_today
from app.customers import limits
from app.customers.models import Customer
from app.customers.registration import start_registration, verify_registration
from app.customers.service import find_by_msisdn, get_customer, unlock_customer, upgrade_kyc
from app.db import current_runtime, transaction
from app.errors import AccountLocked, DomainError, InvalidState, ValidationFailed
from app.i18n import error_message
from app.i18n.web import page_text
from app.ledger import chart
from app.mail import letters, printing
from app.mail.errors import TrackingNotFound
from app.money import format_amount
from app.payments.billers import list_billers
from app.principal import Principal
from app.receipts import Receipt, receipt_filename, receipt_for
from app.receipts import receipt_pdf as render_receipt_pdf
from app.receipts.pages import (
    END_OF_DAY_TEMPLATE,
    THERMAL_TEMPLATE,
    end_of_day_context,
    thermal_context,
)
from app.transfers.statements import customer_statement
from app.web import once
from app.web.area import AreaBlueprint, ErrorPages, Page, check_post, say
from app.web.counter import actions, auth, forms

log = logging.getLogger(__name__)


def _message_page(message: str, status: int, **context: Any) -> Page:
    return render_template("counter/message.html", **context, message=message), status


blueprint = AreaBlueprint(
    "counter",
    __name__,
    url_prefix="/counter",
    errors=ErrorPages(
        name="counter",
        page=_message_page,
        explain=lambda exc: explain(exc)[0],
        text=page_text,
        not_found="error.not_found",
        failed="error.page",
    ),
    never_cache=True,
)

PUBLIC = {"counter.login"}
# The supervisor's pages; every other page but these shared ones is the agents'.
SUPERVISOR_PAGES = {"counter.office", "counter.office_agent"}
SHARED_PAGES = {"counter.logout", "counter.receipt", "counter.receipt_pdf"}

# URL of each money operation.
SLUGS = {
    "cash_in": "cash-in",
    "cash_out": "cash-out",
    "remit_send": "remittances/send",
    "remit_payout": "remittances/payout",
    "bill": "bills",
    "savings": "savings/deposits",
}


@blueprint.app_template_filter("fcfa")
def fcfa(amount: int) -> str:
    return format_amount(int(amount))


@blueprint.app_template_filter("local_time")
def local_time(at: datetime) -> str:
    """'28/11 10:05', Brazzaville time (stored times are UTC)."""
    return at.astimezone(LOCAL_TZ).strftime("%d/%m %H:%M")


@blueprint.app_template_filter("optype")
def optype(kind: str) -> str:
    """A statement line's type in French (the raw type for one the catalog does not name)."""
    key = f"optype.{kind}"
    return page_text(key) if key in _texts() else str(kind)


@blueprint.context_processor
def _globals() -> dict[str, Any]:
    return {"_": page_text, "csrf_token": generate_csrf, "teller": g.get("teller"), "slugs": SLUGS}


@blueprint.before_request
def check_csrf() -> None:
    """Every POST of the counter carries the session's CSRF token (Flask-WTF)."""
    check_post("teller")


@blueprint.before_request
def require_teller() -> Page | None:
    if request.endpoint in PUBLIC:
        return None
    teller = auth.current_teller()
    if teller is None:
        reason = "login.expired" if session.pop("expired", False) else "login.required"
        return redirect(url_for("counter.login", reason=reason))
    g.teller = teller
    return _role_gate(teller)


def _role_gate(teller: auth.Teller) -> Page | None:
    """Money and customers are the agents' only; "Mon bureau" the supervisors' only.
    The other role gets its own first page and a message, never the page (nor a POST's
    effect: the gate runs before the handler)."""
    endpoint = request.endpoint or ""
    if endpoint in SHARED_PAGES:
        return None
    if teller.supervisor and endpoint not in SUPERVISOR_PAGES:
        if endpoint != "counter.home" or request.method != "GET":
            flash(page_text("role.agents_only"))
        return redirect(url_for("counter.office"), code=303)
    if not teller.supervisor and endpoint in SUPERVISOR_PAGES:
        flash(page_text("role.supervisors_only"))
        return redirect(url_for("counter.home"), code=303)
    return None


def csrf_failed(exc: CSRFError) -> Page:
    """A form without its token, or with another session's: refused, nothing done."""
    if not request.path.startswith("/counter"):
        raise exc
    log.warning("counter form refused: %s", exc.description)
    return _message_page(page_text("csrf.failed"), 400)


def teller() -> auth.Teller:
    found: auth.Teller = g.teller
    return found


def principal() -> Principal:
    return Principal(role="agent", id=teller().id, token_id=teller().token_id)


def explain(exc: DomainError) -> tuple[str, dict[str, list[str]]]:
    """A domain error as (message at the top of the form, messages next to fields)."""
    fields: dict[str, list[str]] = {}
    if isinstance(exc, ValidationFailed):
        errors = exc.extra.get("errors") or {}
        threshold = format_amount(current_runtime().config.REMITTANCE_CASH_ID_THRESHOLD)
        for name in errors:
            field = str(name).replace(".", "_")
            key = f"invalid.{field}"
            if key in _texts():
                fields[field] = [page_text(key, threshold=threshold)]
            else:
                fields[field] = [page_text("invalid.default")]
    return page_text("form.error_top", message=say(exc)), fields


def _texts() -> dict[str, str]:
    from app.i18n.web import web_texts

    return web_texts()


# -- signing in and out -----------------------------------------------------------------


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Page:
    form = forms.LoginForm(request.form)
    reason = request.args.get("reason")
    notice = (
        page_text(reason)
        if reason in ("login.expired", "login.required", "login.signed_out")
        else None
    )
    error = None
    if request.method == "POST" and form.validate():
        try:
            count_sign_in(form.username.data or "")
            role = auth.sign_in(
                form.username.data or "", form.password.data or "", form.totp.data or ""
            )
        except TooManyRequests:
            page = render_template(
                "counter/login.html",
                form=form,
                error=error_message("rate_limited", "fr"),
                notice=None,
            )
            return page, 429
        except AccountLocked:
            error = page_text("login.locked")
        except DomainError:
            error = page_text("login.refused")
        else:
            first = "counter.office" if role == "supervisor" else "counter.home"
            return redirect(url_for(first), code=303)
    elif request.method == "POST":
        error = page_text("login.refused")
    status = 401 if error else 200
    return render_template("counter/login.html", form=form, error=error, notice=notice), status


@blueprint.route("/logout", methods=["POST"])
def logout() -> Page:
    auth.sign_out(teller())
    return redirect(url_for("counter.login", reason="login.signed_out"), code=303)


# -- the customer -------------------------------------------------------------------------


def _float(agent_id: str) -> int:
    with transaction() as db:
        return ledger.balance(db, chart.float_account(agent_id)).available


def _customer_card(db: Any, customer: Customer) -> dict[str, Any]:
    statement, _cursor = customer_statement(db, customer, limit=5)
    return {
        "customer": customer,
        "limits": limits.limits_for(db, customer),
        "recent": statement,
        "balance": ledger.balance(db, chart.wallet(customer.id)).available,
    }


@blueprint.route("/", methods=["GET", "POST"])
def home() -> Page:
    """Find a customer by number (any accepted format). The search is a POST, so no
    phone number ever sits in a URL, a browser history or an access log: a customer
    found is shown at ``/counter/customers/<id>``."""
    if request.method == "GET":
        return _home_page("", None, False)
    raw = (request.form.get("msisdn") or "").strip()[:32]
    with transaction() as db:
        customer = find_by_msisdn(db, raw) if raw else None
        found = customer.id if customer is not None else None
    if found is None:
        return _home_page(raw, None, True, status=404)
    return redirect(url_for("counter.customer", customer_id=found), code=303)


@blueprint.route("/customers/<customer_id>")
def customer(customer_id: str) -> Page:
    msisdn, card = _card_of(customer_id)
    notice = page_text("register.done") if request.args.get("registered") else None
    return _home_page(msisdn, card, True, notice=notice)


def _home_page(
    raw: str,
    card: dict[str, Any] | None,
    searched: bool,
    *,
    notice: str | None = None,
    error: str | None = None,
    kyc_form: forms.KycForm | None = None,
    field_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Page:
    return (
        render_template(
            "counter/home.html",
            msisdn=raw,
            card=card,
            searched=searched,
            float_available=_float(teller().id),
            kyc_form=kyc_form or forms.KycForm(),
            unlock_form=forms.EmptyForm(),
            notice=notice,
            error=error,
            field_errors=field_errors or {},
        ),
        status,
    )


def _card_of(customer_id: str) -> tuple[str, dict[str, Any]]:
    with transaction() as db:
        customer = get_customer(db, customer_id)
        return customer.msisdn, _customer_card(db, customer)


@blueprint.route("/customers/<customer_id>/kyc", methods=["POST"])
def kyc(customer_id: str) -> Page:
    form = forms.KycForm(request.form)
    if not form.validate():
        msisdn, card = _card_of(customer_id)
        return _home_page(
            msisdn, card, True, kyc_form=form, field_errors=forms.field_errors(form), status=422
        )
    try:
        with transaction() as db:
            customer = upgrade_kyc(
                db,
                customer_id,
                tier=form.tier.data or "",
                id_type=form.id_type.data or "",
                id_number=form.id_number.data or "",
                by=principal(),
            )
            tier = customer.kyc_tier
            msisdn = customer.msisdn
    except DomainError as exc:
        msisdn, card = _card_of(customer_id)
        top, fields = explain(exc)
        return _home_page(
            msisdn, card, True, kyc_form=form, error=top, field_errors=fields, status=exc.status
        )
    msisdn, card = _card_of(customer_id)
    notice = page_text("kyc.done", tier=page_text(f"tier.{tier}"))
    return _home_page(msisdn, card, True, notice=notice)


@blueprint.route("/customers/<customer_id>/unlock", methods=["POST"])
def unlock(customer_id: str) -> Page:
    try:
        with transaction() as db:
            unlock_customer(db, customer_id, by=principal())
    except DomainError as exc:
        msisdn, card = _card_of(customer_id)
        top, _fields = explain(exc)
        return _home_page(msisdn, card, True, error=top, status=exc.status)
    msisdn, card = _card_of(customer_id)
    return _home_page(msisdn, card, True, notice=page_text("unlock.done"))


@blueprint.route("/register", methods=["GET", "POST"])
def register() -> Page:
    form = forms.RegisterForm(request.form)
    if request.method == "GET":
        return render_template("counter/register.html", form=form, errors={}, error=None)
    if not form.validate():
        errors = forms.field_errors(form)
        return render_template("counter/register.html", form=form, errors=errors, error=None), 422
    try:
        with transaction() as db:
            pending, _challenge = start_registration(
                db,
                msisdn=form.msisdn.data or "",
                first_name=form.first_name.data or "",
                last_name=form.last_name.data or "",
                pin=form.pin.data or "",
                language=form.language.data or "fr",
            )
            registration_id, msisdn = pending.id, pending.msisdn
    except DomainError as exc:
        top, fields = explain(exc)
        page = render_template("counter/register.html", form=form, errors=fields, error=top)
        return page, exc.status
    verify = forms.VerifyForm()
    verify.registration.data = registration_id
    return render_template("counter/verify.html", form=verify, msisdn=msisdn, errors={}, error=None)


@blueprint.route("/register/verify", methods=["POST"])
def register_verify() -> Page:
    form = forms.VerifyForm(request.form)
    msisdn = request.form.get("msisdn", "")
    if not form.validate():
        errors = forms.field_errors(form)
        page = render_template(
            "counter/verify.html", form=form, msisdn=msisdn, errors=errors, error=None
        )
        return page, 422
    try:
        with transaction() as db:
            verified = verify_registration(db, form.registration.data or "", form.otp.data or "")
            customer_id = verified.id
    except DomainError as exc:
        top, fields = explain(exc)
        if "otp" not in fields and exc.code in ("invalid_otp", "otp_expired"):
            fields["otp"] = [top]
        page = render_template(
            "counter/verify.html", form=form, msisdn=msisdn, errors=fields, error=top
        )
        return page, exc.status
    target = url_for("counter.customer", customer_id=customer_id, registered=1)
    return redirect(target, code=303)


# -- money: form, confirmation, commit ------------------------------------------------------


def _operation(name: str) -> actions.Operation:
    operation = actions.OPERATIONS.get(name)
    if operation is None:
        abort(404)
    return operation


def _form_page(
    name: str, form: Form, *, errors: dict[str, list[str]] | None = None, error: str | None = None
) -> str:
    extra: dict[str, Any] = {}
    with transaction() as db:
        if name == "bill":
            extra["billers"] = [(b.code, b.name, b.reference_hint) for b in list_billers(db)]
        if name == "remit_send":
            extra["threshold"] = actions.threshold_text(db)
    return render_template(
        f"counter/op_{name}.html",
        op=name,
        form=form,
        errors=errors or {},
        error=error,
        action=url_for("counter.preview", slug=SLUGS[name]),
        **extra,
    )


def _form(name: str, data: Any = None) -> Form:
    form = _operation(name).form(data)
    if name == "bill":
        with transaction() as db:
            choices = [forms.choice(b.code, b.name) for b in list_billers(db)]
        form.biller_code.choices = choices
    return form


def _name_of(slug: str) -> str:
    for name, known in SLUGS.items():
        if known == slug:
            return name
    abort(404)


@blueprint.route("/<path:slug>", methods=["GET"])
def operation_form(slug: str) -> Page:
    name = _name_of(slug)
    form = _form(name)
    chosen = request.args.get("customer")
    if "msisdn" in form and chosen:
        with transaction() as db:
            form["msisdn"].data = get_customer(db, chosen).msisdn
    return _form_page(name, form)


@blueprint.route("/<path:slug>", methods=["POST"])
def preview(slug: str) -> Page:
    name = _name_of(slug)
    operation = _operation(name)
    form = _form(name, request.form)
    if not form.validate():
        return _form_page(name, form, errors=forms.field_errors(form)), 422
    data = {k: v for k, v in form.data.items() if k != "csrf_token"}
    if isinstance(data.get("msisdn"), str):
        data["msisdn"] = data["msisdn"].strip()
    try:
        with transaction() as db:
            agent = get_agent(db, teller().id)
            ensure_open(db, agent)  # a closed till refuses before the agent takes the cash
            shown = operation.preview(db, agent, data)
    except DomainError as exc:
        top, fields = explain(exc)
        return _form_page(name, form, errors=fields, error=top), exc.status
    return _confirm_page(name, data, shown)


def _confirm_page(
    name: str,
    data: dict[str, Any],
    shown: actions.Preview,
    *,
    error: str | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Page:
    operation = _operation(name)
    secret = current_app.config["SECRET_KEY"]
    page = render_template(
        "counter/confirm.html",
        op=name,
        preview=shown,
        payload=actions.seal_payload(secret, teller().id, name, data),
        key=once.new_key(),
        confirm_label=page_text(operation.confirm_label),
        action=url_for("counter.commit", slug=SLUGS[name]),
        back=url_for("counter.operation_form", slug=SLUGS[name]),
        error=error,
        errors=errors or {},
    )
    return page, status


@blueprint.route("/<path:slug>/confirm", methods=["POST"])
def commit(slug: str) -> Page:
    name = _name_of(slug)
    operation = _operation(name)
    form = forms.ConfirmForm(request.form)
    agent_id = teller().id
    secret = current_app.config["SECRET_KEY"]
    data = actions.open_payload(secret, agent_id, name, form.payload.data or "")
    key = form.key.data or ""
    if data is None or not once.well_formed(key):
        page = render_template("counter/message.html", message=page_text("confirm.expired"))
        return page, 400
    with transaction() as db:
        earlier = once.done_before(db, f"counter:{agent_id}", key)
    if earlier:
        return redirect(earlier, code=303)
    if not form.validate():
        with transaction() as db:
            shown = operation.preview(db, get_agent(db, agent_id), data)
        return _confirm_page(name, data, shown, errors=forms.field_errors(form), status=422)
    if form.code.data:
        data = {**data, "code": form.code.data.strip()}

    def pay(db: Session) -> tuple[str, None]:
        reference = operation.commit(db, get_agent(db, agent_id), data, key)
        return url_for(
            "counter.receipt", reference=reference, operation=operation.receipt_operation
        ), None

    try:
        # A twin submitted at once that paid first: sent to its receipt.
        done = once.run_once(f"counter:{agent_id}", key, pay)
    except DomainError as exc:
        top, fields = explain(exc)
        try:
            with transaction() as db:
                shown = operation.preview(db, get_agent(db, agent_id), data)
        except DomainError:
            return _form_page(
                name, _form(name, _as_form(data)), errors=fields, error=top
            ), exc.status
        return _confirm_page(name, data, shown, error=top, errors=fields, status=exc.status)
    return redirect(done.target, code=303)


def _as_form(data: dict[str, Any]) -> Any:
    from werkzeug.datastructures import MultiDict

    return MultiDict({k: str(v) for k, v in data.items() if v is not None and k != "code"})


# -- the day ----------------------------------------------------------------------------------


@blueprint.route("/history")
def history() -> Page:
    with transaction() as db:
        summary = day_summary(db, get_agent(db, teller().id), local_today())
    return render_template("counter/history.html", till=summary)


# -- receipts -------------------------------------------------------------------------------


def _receipt(reference: str) -> Receipt:
    """The receipt of one of this agent's operations, or for a supervisor of one of their
    office's agents' (``receipt_for`` decides; anyone else's is ``not_found``)."""
    operation = request.args.get("operation") or None
    with transaction() as db:
        reader = get_staff(db, teller().id, role=teller().role)
        return receipt_for(db, reader, reference, operation=operation)


@blueprint.route("/receipts/<reference>")
def receipt(reference: str) -> Page:
    """The 80 mm thermal receipt, printed from the browser; reprinted from the history."""
    found = _receipt(reference)
    operation = request.args.get("operation")
    back = url_for("counter.office") if teller().supervisor else url_for("counter.home")
    context = thermal_context(found, back_url=back)
    context["pdf_url"] = url_for("counter.receipt_pdf", reference=reference, operation=operation)
    context["pdf_label"] = page_text("receipt.pdf")
    return render_template(THERMAL_TEMPLATE, **context)


@blueprint.route("/receipts/<reference>/pdf")
def receipt_pdf(reference: str) -> Page:
    """The same receipt on one A4 page (reportlab)."""
    found = _receipt(reference)
    response = Response(render_receipt_pdf(found), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{receipt_filename(found)}"'
    return response


# -- the till ---------------------------------------------------------------------------------


@blueprint.route("/till")
def till() -> Page:
    with transaction() as db:
        agent = get_agent(db, teller().id)
        summary = day_summary(db, agent, local_today())
        available = ledger.balance(db, chart.float_account(agent.id)).available
    return render_template(
        "counter/till.html", till=summary, float_available=available, errors={}, error=None
    )


@blueprint.route("/till/close", methods=["POST"])
def close_till() -> Page:
    """Close today's till (idempotent): the end-of-day report, and no more operations today."""
    form = forms.CloseDayForm(request.form)
    if not form.validate():
        with transaction() as db:
            agent = get_agent(db, teller().id)
            summary = day_summary(db, agent, local_today())
            available = ledger.balance(db, chart.float_account(agent.id)).available
        errors = forms.field_errors(form)
        page = render_template(
            "counter/till.html", till=summary, float_available=available, errors=errors, error=None
        )
        return page, 422
    with transaction() as db:
        close_day(db, get_agent(db, teller().id), counted_cash=form.counted_cash.data)
    return redirect(url_for("counter.till_report"), code=303)


@blueprint.route("/till/report")
def till_report() -> Page:
    """The end-of-day report as a printable page (the stored figures once closed)."""
    with transaction() as db:
        summary = day_summary(db, get_agent(db, teller().id), local_today())
    return render_template(
        END_OF_DAY_TEMPLATE, **end_of_day_context(summary, back_url=url_for("counter.till"))
    )


# -- hybrid mail: a paper letter's step -------------------------------------------------------

SCAN_MESSAGES = {"tracking_number": "mail.bad_number", "recipient_id_number": "mail.id_invalid"}


def _mail_page(
    form: forms.MailScanForm,
    *,
    tracked: dict[str, Any] | None = None,
    error: str | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The scan form (always with a fresh key), after a scan the letter's public tracking."""
    notice = None
    events: list[dict[str, Any]] = []
    if tracked is not None:
        notice = page_text(
            "mail.done",
            tracking=tracked["tracking_number"],
            status=_status_label(tracked["status"]),
        )
        events = [
            {**e, "at": datetime.fromisoformat(e["at"]), "label": _status_label(e["status"])}
            for e in tracked["events"]
        ]
        form = forms.MailScanForm()
    page = render_template(
        "counter/mail.html",
        form=form,
        key=once.new_key(),
        notice=notice,
        events=events,
        error=error,
        errors=errors or {},
    )
    return page, status


def _status_label(status: str) -> str:
    """A letter's status in French (the raw status for one the catalog does not name)."""
    key = f"mail.status.{status}"
    return page_text(key) if key in _texts() else status


def _explain_scan(exc: DomainError) -> tuple[str, dict[str, list[str]]]:
    """A scan's refusal in French words of its own: which field, and why."""
    if isinstance(exc, TrackingNotFound):
        message = page_text("mail.unknown")
        return message, {"tracking_number": [message]}
    if isinstance(exc, InvalidState):
        return page_text("mail.invalid_state"), {}
    if isinstance(exc, ValidationFailed):
        errors = exc.extra.get("errors") or {}
        fields: dict[str, list[str]] = {}
        for name, messages in errors.items():
            text = " ".join(str(m) for m in messages)
            if name == "recipient_id_number" and "registered" in text:
                fields[name] = [page_text("mail.id_required")]
            elif name in SCAN_MESSAGES:
                fields[name] = [page_text(SCAN_MESSAGES[name])]
            else:
                fields[str(name)] = [page_text("invalid.default")]
        if fields:
            first = next(iter(fields.values()))[0]
            return page_text("form.error_top", message=first), fields
    return explain(exc)


@blueprint.route("/mail", methods=["GET", "POST"])
def mail_scan() -> Page:
    """Scan a paper letter at this counter: the same ``printing.scan`` as the REST door.

    The form's key records the scan once (``once``): a resubmitted form shows the
    letter as it stands instead of scanning again."""
    if request.method == "GET":
        return _mail_page(forms.MailScanForm())
    form = forms.MailScanForm(request.form)
    if not form.validate():
        return _mail_page(form, errors=forms.field_errors(form), status=422)
    agent_id = teller().id
    key = form.key.data or ""
    if not once.well_formed(key):
        page = render_template("counter/message.html", message=page_text("confirm.expired"))
        return page, 400
    number = (form.tracking_number.data or "").strip()
    try:
        with transaction() as db:
            earlier = once.done_before(db, f"counter:{agent_id}", key)
            if earlier is None:
                letter = printing.scan(
                    db,
                    get_agent(db, agent_id),
                    number,
                    form.event.data or "",
                    recipient_id_number=form.recipient_id_number.data or None,
                )
                number = letter.tracking_number
                once.remember(db, f"counter:{agent_id}", key, number)
            else:
                number = earlier
            tracked = letters.track(db, number)
    except IntegrityError:
        # The same form, submitted twice at once: the other submission scanned.
        with transaction() as db:
            earlier = once.done_before(db, f"counter:{agent_id}", key)
            if earlier is None:
                raise
            tracked = letters.track(db, earlier)
    except DomainError as exc:
        top, fields = _explain_scan(exc)
        return _mail_page(form, error=top, errors=fields, status=exc.status)
    return _mail_page(form, tracked=tracked)


# -- the supervisor's office ------------------------------------------------------------------


@blueprint.route("/office")
def office() -> Page:
    """Mon bureau: each agent of the supervisor's post office with today's figures."""
    with transaction() as db:
        days = office_day(db, get_staff(db, teller().id, role="supervisor"), local_today())
    return render_template("counter/office.html", days=days, day_label=_today_label(days))


@blueprint.route("/office/agents/<agent_id>")
def office_agent(agent_id: str) -> Page:
    """One agent's day, each receipt reprintable; another office's agent is ``not_found``."""
    with transaction() as db:
        supervisor = get_staff(db, teller().id, role="supervisor")
        summary = day_summary(db, find_office_agent(db, supervisor, agent_id), local_today())
    return render_template("counter/office_agent.html", till=summary)


def _today_label(days: list[Any]) -> str:
    return str(days[0].day_label) if days else local_today().strftime("%d/%m/%Y")
