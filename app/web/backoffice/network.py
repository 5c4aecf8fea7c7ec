"""The back office's network pages: post offices and print centres, staff, float.

Thin handlers: read the form, call one domain service inside ``transaction()``
(``app.network.service``, ``app.agents.staff``/``access``, ``app.agents.float_requests``),
render. Who may open each page is its ``@allow``; what a supervisor may see is
their own office only (``officer().office_scope``), applied in the services'
queries, so another office's rows answer "not found". Every form that changes
something carries a one-time key (``app.web.once``): a double submit does
the thing once and lands where the first one did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, render_template, request, url_for
from flask import redirect as flask_redirect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.agents import access as staff_access
from app.agents import float_requests, staff, till
from app.agents.models import StaffUser
from app.clock import local_today
from app.db import settings, transaction
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import error_message
from app.i18n.web import page_text, web_texts
from app.ledger import chart
from app.money import format_amount
from app.network import service as network
from app.network.models import OFFICE_KINDS, OFFICE_STATUSES, SERVICES, WEEKDAYS
from app.principal import Principal
from app.web import once
from app.web.backoffice.access import EVERYONE, OPERATOR, SUPERVISOR
from app.web.backoffice.blueprint import Page, allow, blueprint, officer
from app.web.map_svg import office_map
from app.web.qr import qr_svg


@blueprint.context_processor
def _form_keys() -> dict[str, Any]:
    """``new_key()`` in templates: each form of a page gets its own one-time key."""
    return {"new_key": once.new_key}


def _by() -> Principal:
    me = officer()
    return Principal(role=me.role, id=me.id, token_id=me.token_id)


def _redirect(target: str) -> Any:
    return flask_redirect(target, code=303)


def explain(exc: DomainError) -> tuple[str, dict[str, list[str]]]:
    """A domain error in French: the message at the top, and one next to each field."""
    fields: dict[str, list[str]] = {}
    texts = web_texts()
    if isinstance(exc, ValidationFailed):
        for name in exc.extra.get("errors") or {}:
            key = f"bo.network.invalid.{name}"
            fields[str(name)] = [page_text(key if key in texts else "bo.network.invalid.default")]
    key = f"bo.network.error.{exc.code}"
    top = page_text(key) if key in texts else error_message(exc.code, "fr")
    return top, fields


Done = tuple[str, str]  # where the form leads, and the French message to show there


def _once(key: str, work: Callable[[Session], Done]) -> Any:
    """Run ``work`` once for this form's ``key`` and go where it leads, with its message
    shown once the change is committed; a second submission of the same form goes
    where the first went (and changes nothing)."""
    done = once.run_once(f"backoffice:{officer().id}", key, work)
    if done.shown is not None:  # the first submission: its message, once committed
        flash(done.shown)
    return _redirect(done.target)


def _expired() -> Page:
    message = page_text("bo.network.form_expired")
    return render_template("backoffice/message.html", message=message), 400


def _form_key() -> str | None:
    key = request.form.get("key", "")
    return key if once.well_formed(key) else None


# -- post offices and print centres ---------------------------------------------------------


@blueprint.route("/network/offices")
@allow(*EVERYONE)
def offices() -> Page:
    """The network, filtered by département, kind, status and a name (GET: a bookmarkable
    search; nothing secret in it)."""
    args = request.args
    chosen = {
        "department": (args.get("department") or "")[:8],
        "kind": args.get("kind") if args.get("kind") in OFFICE_KINDS else "",
        "status": args.get("status") if args.get("status") in OFFICE_STATUSES else "",
        "q": (args.get("q") or "").strip()[:80],
    }
    with transaction() as db:
        rows = network.list_offices(
            db,
            department=chosen["department"] or None,
            kind=chosen["kind"] or None,
            status=chosen["status"] or None,
            search=chosen["q"] or None,
            scope=officer().office_scope,
        )
        found = [_office_row(o) for o in rows]
        departments = {d.code: d.name for d in network.departments(db)}
    return render_template(
        "backoffice/network/offices.html",
        offices=found,
        departments=departments,
        chosen=chosen,
        kinds=OFFICE_KINDS,
        statuses=OFFICE_STATUSES,
    )


def _office_row(office: Any) -> dict[str, Any]:
    return {
        name: getattr(office, name)
        for name in (
            "code",
            "kind",
            "name",
            "department_code",
            "town",
            "address",
            "latitude",
            "longitude",
            "opening_hours",
            "services",
            "status",
            "print_centre_code",
            "float_threshold",
        )
    }


@blueprint.route("/network/offices/<code>")
@allow(*EVERYONE)
def office(code: str) -> Page:
    with transaction() as db:
        found = network.get_office(db, code, scope=officer().office_scope)
        row = _office_row(found)
        department = network.departments(db)
        today = local_today()
        people = [
            {
                **_staff_row(db, s),
                "till": till.day_summary(db, s, today) if s.role == "agent" else None,
            }
            for s in network.agents_of(db, found.code)
        ]
        served = [_office_row(o) for o in network.served_by(db, found.code)]
        level = next(iter(network.float_levels(db, scope=found.code)), None)
    return render_template(
        "backoffice/network/office.html",
        office=row,
        department={d.code: d.name for d in department}.get(row["department_code"], ""),
        people=people,
        served=served,
        level=level,
        weekdays=WEEKDAYS,
        statuses=OFFICE_STATUSES,
        errors={},
    )


def _office_form(
    *,
    values: dict[str, Any],
    editing: str | None,
    errors: dict[str, list[str]] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Page:
    with transaction() as db:
        departments = network.departments(db)
        centres = network.list_offices(db, kind="print_centre")
        choices = {
            "departments": [(d.code, d.name) for d in departments],
            "centres": [(c.code, c.name) for c in centres if c.code != editing],
        }
    page = render_template(
        "backoffice/network/office_form.html",
        values=values,
        editing=editing,
        choices=choices,
        kinds=OFFICE_KINDS,
        services=SERVICES,
        errors=errors or {},
        error=error,
    )
    return page, status


def _submitted_office() -> dict[str, Any]:
    form = request.form
    return {
        "code": form.get("code", ""),
        "name": form.get("name", ""),
        "kind": form.get("kind", ""),
        "department_code": form.get("department_code", ""),
        "town": form.get("town", ""),
        "address": form.get("address", ""),
        "latitude": form.get("latitude", ""),
        "longitude": form.get("longitude", ""),
        "opening_hours": form.get("opening_hours", ""),
        "services": form.getlist("services"),
        "print_centre_code": form.get("print_centre_code", ""),
    }


@blueprint.route("/network/offices/new", methods=["GET", "POST"])
@allow(OPERATOR)
def office_new() -> Page:
    if request.method == "GET":
        blank = {"kind": "post_office", "services": ["cash", "remittances", "savings", "mail"]}
        return _office_form(values=blank, editing=None)
    values = _submitted_office()
    key = _form_key()
    if key is None:
        return _expired()

    def work(db: Session) -> Done:
        created = network.create_office(db, values, by=_by())
        done = page_text("bo.network.office.created", name=created.name)
        return url_for("backoffice.office", code=created.code), done

    try:
        return _once(key, work)
    except DomainError as exc:
        top, fields = explain(exc)
        return _office_form(
            values=values, editing=None, errors=fields, error=top, status=exc.status
        )


@blueprint.route("/network/offices/<code>/edit", methods=["GET", "POST"])
@allow(OPERATOR)
def office_edit(code: str) -> Page:
    if request.method == "GET":
        with transaction() as db:
            row = _office_row(network.get_office(db, code))
        row["opening_hours"] = network.hours_text(row["opening_hours"])
        return _office_form(values=row, editing=row["code"])
    with transaction() as db:
        existing = network.get_office(db, code).code
    values = _submitted_office()
    values["code"] = existing
    key = _form_key()
    if key is None:
        return _expired()

    def work(db: Session) -> Done:
        network.update_office(db, existing, values, by=_by())
        return url_for("backoffice.office", code=existing), page_text("bo.network.office.saved")

    try:
        return _once(key, work)
    except DomainError as exc:
        top, fields = explain(exc)
        return _office_form(
            values=values, editing=existing, errors=fields, error=top, status=exc.status
        )


@blueprint.route("/network/offices/<code>/status", methods=["POST"])
@allow(OPERATOR)
def office_status(code: str) -> Page:
    return _office_action(
        code,
        lambda db, c: network.change_status(
            db, c, request.form.get("status"), reason=request.form.get("reason"), by=_by()
        ),
        "bo.network.office.status_changed",
    )


@blueprint.route("/network/offices/<code>/threshold", methods=["POST"])
@allow(OPERATOR)
def office_threshold(code: str) -> Page:
    return _office_action(
        code,
        lambda db, c: network.set_float_threshold(
            db, c, request.form.get("float_threshold"), by=_by()
        ),
        "bo.network.office.threshold_set",
    )


def _office_action(code: str, change: Callable[[Session, str], Any], done: str) -> Page:
    with transaction() as db:
        existing = network.get_office(db, code).code
    key = _form_key()
    if key is None:
        return _expired()

    def work(db: Session) -> Done:
        change(db, existing)
        return url_for("backoffice.office", code=existing), page_text(done)

    try:
        return _once(key, work)
    except DomainError as exc:
        top, _fields = explain(exc)
        return render_template("backoffice/message.html", message=top), exc.status


# -- staff ------------------------------------------------------------------------------------


def _float_of(db: Session, person: StaffUser) -> int | None:
    if person.role != "agent":
        return None
    found = ledger.balances(db, [chart.float_account(person.id)]).get(
        chart.float_account(person.id)
    )
    return found.available if found else 0


def _staff_row(db: Session, person: StaffUser) -> dict[str, Any]:
    return {
        "id": person.id,
        "username": person.username,
        "role": person.role,
        "status": person.status,
        "locked": person.locked_at is not None,
        "post_office": person.post_office or "",
        "post_office_code": person.post_office_code or "",
        "float": _float_of(db, person),
    }


def _visible_staff(db: Session, staff_id: str) -> StaffUser:
    """An agent or supervisor the officer may see: a supervisor only their office's agents
    (``till.office_agent``, as the counter's "Mon bureau"), head office any of them."""
    me = officer()
    if me.office_scope is not None:
        return till.office_agent(db, staff.get_staff(db, me.id), staff_id)
    person = staff.get_staff(db, staff_id) if isinstance(staff_id, str) else None
    if person is None or person.role not in ("agent", "supervisor"):
        raise NotFound("No agent or supervisor has this id.")
    return person


@blueprint.route("/network/staff")
@allow(*EVERYONE)
def staff_list() -> Page:
    scope = officer().office_scope
    wanted = (request.args.get("office") or "").strip().upper()[:20] or None
    roles = ("agent",) if scope is not None else ("supervisor", "agent")
    where = scope if scope is not None else wanted
    if scope is not None and wanted and wanted != scope:
        where = ""  # another office: nothing of it
    with transaction() as db:
        rows = [
            s
            for role in roles
            for s in staff.list_staff(db, role=role, limit=10_000, post_office_code=where)
        ]
        people = sorted(
            (_staff_row(db, s) for s in rows), key=lambda r: (r["post_office_code"], r["username"])
        )
    return render_template("backoffice/network/staff_list.html", people=people, office=wanted)


def _staff_form(
    values: dict[str, Any],
    *,
    errors: dict[str, list[str]] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Page:
    with transaction() as db:
        offices_ = [(o.code, o.name) for o in network.list_offices(db)]
    page = render_template(
        "backoffice/network/staff_form.html",
        values=values,
        offices=offices_,
        errors=errors or {},
        error=error,
    )
    return page, status


@blueprint.route("/network/staff/new", methods=["GET", "POST"])
@allow(OPERATOR)
def staff_new() -> Page:
    """Create an agent or a supervisor: their generated password and their authenticator's
    QR code are shown on the answer to this form, once; a resubmission leads to the
    staff member's page and shows neither again."""
    if request.method == "GET":
        return _staff_form({"role": "agent", "office": request.args.get("office", "")})
    values = {
        "username": request.form.get("username", ""),
        "role": request.form.get("role", ""),
        "office": request.form.get("office", ""),
    }
    key = _form_key()
    if key is None:
        return _expired()

    def enrol(db: Session) -> tuple[str, tuple[dict[str, Any], str, str | None]]:
        if values["role"] not in ("agent", "supervisor"):
            raise ValidationFailed({"role": ["agent or supervisor"]})
        try:
            where = network.get_office(db, values["office"])
        except DomainError:
            raise ValidationFailed({"office": ["unknown office"]}) from None
        create = staff.create_agent if values["role"] == "agent" else staff.create_supervisor
        password = staff.new_password()
        person, uri = create(
            db,
            username=values["username"],
            password=password,
            post_office=where.name,
            post_office_code=where.code,
            by=_by(),
        )
        shown = {"id": person.id, "username": person.username, "role": person.role}
        return url_for("backoffice.staff_member", staff_id=person.id), (shown, password, uri)

    try:
        done = once.run_once(f"backoffice:{officer().id}", key, enrol)
    except DomainError as exc:
        top, fields = explain(exc)
        return _staff_form(values, errors=fields, error=top, status=exc.status)
    if done.shown is None:
        return _redirect(done.target)
    return _enrolled(*done.shown)


def _enrolled(person: dict[str, Any], password: str, uri: str | None) -> Page:
    """The page that shows a password (and a TOTP enrolment) once: never cached, never
    stored; the secret in text too, for an authenticator without a camera."""
    secret = None
    qr = None
    if uri is not None:
        qr = qr_svg(uri, title=page_text("bo.network.staff.qr_title", username=person["username"]))
        secret = uri.split("secret=", 1)[1].split("&", 1)[0] if "secret=" in uri else None
    return render_template(
        "backoffice/network/enrolled.html", person=person, password=password, qr=qr, secret=secret
    )


@blueprint.route("/network/staff/<staff_id>")
@allow(*EVERYONE)
def staff_member(staff_id: str) -> Page:
    """One agent or supervisor: office, status, float and, for an agent, today's till with
    each operation (the supervisor's view of the counter's "Mon bureau")."""
    with transaction() as db:
        person = _visible_staff(db, staff_id)
        row = _staff_row(db, person)
        day = till.day_summary(db, person, local_today()) if person.role == "agent" else None
        offices_ = [(o.code, o.name) for o in network.list_offices(db)]
        requests = (
            float_requests.list_requests(db, agent_id=person.id, limit=20)
            if person.role == "agent"
            else []
        )
    return render_template(
        "backoffice/network/staff.html",
        person=row,
        till=day,
        offices=offices_,
        requests=requests,
    )


def _staff_action(staff_id: str, change: Callable[[Session, str], Any], done: str) -> Page:
    with transaction() as db:
        existing = _visible_staff(db, staff_id).id
    key = _form_key()
    if key is None:
        return _expired()

    def work(db: Session) -> Done:
        change(db, existing)
        return url_for("backoffice.staff_member", staff_id=existing), page_text(done)

    try:
        return _once(key, work)
    except DomainError as exc:
        top, _fields = explain(exc)
        return render_template("backoffice/message.html", message=top), exc.status


@blueprint.route("/network/staff/<staff_id>/disable", methods=["POST"])
@allow(OPERATOR)
def staff_disable(staff_id: str) -> Page:
    return _staff_action(
        staff_id,
        lambda db, s: staff_access.disable_staff(
            db, s, reason=request.form.get("reason", ""), by=_by()
        ),
        "bo.network.staff.disabled",
    )


@blueprint.route("/network/staff/<staff_id>/enable", methods=["POST"])
@allow(OPERATOR)
def staff_enable(staff_id: str) -> Page:
    return _staff_action(
        staff_id,
        lambda db, s: staff_access.enable_staff(
            db, s, reason=request.form.get("reason", ""), by=_by()
        ),
        "bo.network.staff.enabled",
    )


@blueprint.route("/network/staff/<staff_id>/move", methods=["POST"])
@allow(OPERATOR)
def staff_move(staff_id: str) -> Page:
    def move(db: Session, existing: str) -> Any:
        try:
            where = network.get_office(db, request.form.get("office", ""), scope=None)
        except DomainError:
            raise ValidationFailed({"office": ["unknown office"]}) from None
        return staff.move_staff(
            db,
            existing,
            post_office=where.name,
            post_office_code=where.code,
            reason=request.form.get("reason", ""),
            by=_by(),
        )

    return _staff_action(staff_id, move, "bo.network.staff.moved")


@blueprint.route("/network/staff/<staff_id>/password", methods=["POST"])
@allow(OPERATOR)
def staff_password(staff_id: str) -> Page:
    """A new generated password, shown on this answer once; their sessions end."""
    with transaction() as db:
        existing = _visible_staff(db, staff_id).id
    key = _form_key()
    if key is None:
        return _expired()

    def reset(db: Session) -> tuple[str, tuple[dict[str, Any], str]]:
        person, password = staff.reset_password(
            db, existing, reason=request.form.get("reason", ""), by=_by()
        )
        shown = {"id": person.id, "username": person.username, "role": person.role}
        return url_for("backoffice.staff_member", staff_id=person.id), (shown, password)

    try:
        done = once.run_once(f"backoffice:{officer().id}", key, reset)
    except DomainError as exc:
        top, _fields = explain(exc)
        return render_template("backoffice/message.html", message=top), exc.status
    if done.shown is None:
        return _redirect(done.target)
    shown, password = done.shown
    return _enrolled(shown, password, None)


# -- float ------------------------------------------------------------------------------------


def _request_rows(db: Session, rows: list[Any]) -> list[dict[str, Any]]:
    ids = {r.agent_id for r in rows} | {r.requested_by for r in rows}
    ids |= {r.decided_by for r in rows if r.decided_by}
    rows_ = db.execute(select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(ids)))
    names = {row.id: row.username for row in rows_}
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "agent": names.get(r.agent_id, r.agent_id),
            "agent_id": r.agent_id,
            "office": r.post_office_code,
            "amount": r.amount,
            "note": r.note,
            "status": r.status,
            "requested_by": names.get(r.requested_by, r.requested_by),
            "requested_by_id": r.requested_by,
            "requested_at": r.requested_at,
            "decided_by": names.get(r.decided_by or "", ""),
            "decision_note": r.decision_note or "",
        }
        for r in rows
    ]


def _float_page(
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Page:
    me = officer()
    scope = me.office_scope
    with transaction() as db:
        pending = _request_rows(db, float_requests.list_requests(db, status="pending", scope=scope))
        decided = [
            r
            for r in _request_rows(db, float_requests.list_requests(db, scope=scope, limit=50))
            if r["status"] != "pending"
        ]
        agents = [
            (s.id, f"{s.username} ({s.post_office_code})")
            for s in staff.list_staff(
                db, role="agent", status="active", limit=10_000, post_office_code=scope
            )
        ]
    page = render_template(
        "backoffice/network/float.html",
        pending=pending,
        decided=decided,
        agents=agents,
        values=values or {"kind": "topup"},
        errors=errors or {},
        error=error,
        me=me.id,
    )
    return page, status


@blueprint.route("/network/float")
@allow(*EVERYONE)
def float_requests_page() -> Page:
    return _float_page()


@blueprint.route("/network/float/requests", methods=["POST"])
@allow(SUPERVISOR, OPERATOR)
def float_request_new() -> Page:
    values = {
        "agent_id": request.form.get("agent_id", ""),
        "kind": request.form.get("kind", ""),
        "amount": request.form.get("amount", ""),
        "note": request.form.get("note", ""),
    }
    key = _form_key()
    if key is None:
        return _expired()

    def work(db: Session) -> Done:
        made = float_requests.request_float(
            db,
            requester=staff.get_staff(db, officer().id),
            agent_id=values["agent_id"],
            kind=values["kind"],
            amount=values["amount"],
            note=values["note"],
        )
        done = page_text("bo.network.float.requested", amount=_money(db, made.amount))
        return url_for("backoffice.float_requests_page"), done

    try:
        return _once(key, work)
    except DomainError as exc:
        top, fields = explain(exc)
        if "agent_id" not in fields and exc.code == "not_found":
            fields["agent_id"] = [page_text("bo.network.invalid.agent_id")]
        return _float_page(values=values, errors=fields, error=top, status=exc.status)


def _money(db: Session, amount: int) -> str:
    return format_amount(amount, settings(db).CURRENCY)


@blueprint.route("/network/float/requests/<request_id>/approve", methods=["POST"])
@allow(OPERATOR)
def float_request_approve(request_id: str) -> Page:
    return _decision(
        request_id,
        lambda db, r: float_requests.approve(db, r, decider=staff.get_staff(db, officer().id)),
        "bo.network.float.approved",
    )


@blueprint.route("/network/float/requests/<request_id>/reject", methods=["POST"])
@allow(OPERATOR)
def float_request_reject(request_id: str) -> Page:
    return _decision(
        request_id,
        lambda db, r: float_requests.reject(
            db, r, decider=staff.get_staff(db, officer().id), reason=request.form.get("reason")
        ),
        "bo.network.float.rejected",
    )


def _decision(request_id: str, decide: Callable[[Session, str], Any], done: str) -> Page:
    with transaction() as db:
        existing = float_requests.get_request(db, request_id).id
    key = _form_key()
    if key is None:
        return _expired()

    def work(db: Session) -> Done:
        decide(db, existing)
        return url_for("backoffice.float_requests_page"), page_text(done)

    try:
        return _once(key, work)
    except DomainError as exc:
        top, fields = explain(exc)
        return _float_page(error=top, errors=fields, status=exc.status)


@blueprint.route("/network/float/map")
@allow(*EVERYONE)
def float_map() -> Page:
    """Float per office: the table (the accessible version) and the same figures drawn as
    a map of the offices' positions, red where an office is below its threshold."""
    with transaction() as db:
        levels = network.float_levels(db, scope=officer().office_scope)
    drawn = office_map(
        levels,
        title=page_text("bo.network.map.title"),
        alert_label=page_text("bo.network.map.alert"),
        ok_label=page_text("bo.network.map.ok"),
    )
    return render_template("backoffice/network/float_map.html", levels=levels, drawn=drawn)
