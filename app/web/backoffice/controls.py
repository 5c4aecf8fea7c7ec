"""Controls: the daily reconciliation and its offenders, the trial balance, the ledger
behind them, and the audit trail with its chain verification.

Head office only (operators and auditors). A supervisor runs one post office:
reconciliation, safeguarding and the trial balance are figures of the whole
service, and the audit trail names staff, customers and partners of every
office with no office of its own to scope it by, so none of these pages is
theirs. Everything here reads, except "run the reconciliation now", which is
the scheduled sweep's own ``reconcile`` (through ``run_for_staff``, audited),
one run per form (an idempotency key), and refused while the same day is
already being reconciled.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Response, redirect, render_template, request, stream_with_context, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.agents.models import StaffUser
from app.audit import chain_summary, list_events, scrub, verify_chain
from app.clock import clock, local_day_bounds, local_today
from app.db import transaction
from app.errors import DomainError, NotFound
from app.i18n.web import page_text, web_texts
from app.ledger.models import Entry
from app.reconciliation import latest_run, list_runs, versions_of
from app.reconciliation.models import Reconciliation
from app.reconciliation.service import ReconciliationRunning, get_run_by_id, run_for_staff
from app.reports import safeguarding_positions
from app.reports.trial_balance import accounts_of_kind, normal_balance, trial_balance_lines
from app.web import once
from app.web.backoffice.access import AUDITOR, OPERATOR
from app.web.backoffice.blueprint import Page, allow, blueprint, notify, officer
from app.web.csv_export import safe_cell

RUNS_PAGE = 20
EVENTS_PAGE = 50
CSV_CHUNK = 1000
FIRST_DAY = date(2000, 1, 1)
FILTERS = ("actor_id", "action", "target_type", "target_id")
FILTER_MAX = 64
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Offender fields that name a ledger account or entry: shown as links to their page.
ACCOUNT_FIELDS = frozenset({"account", "account_code", "code"})
ENTRY_FIELDS = frozenset({"entry_id", "reversed_entry", "reverses_id"})


def _principal() -> str:
    """Whose form keys these are (``app.web.once``)."""
    return f"backoffice:{officer().id}"


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _day(raw: str | None) -> date | None:
    if not raw or not _DAY.match(raw):
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= local_today() else None


def _label(prefix: str, name: str) -> str:
    """The French name of ``name`` under ``prefix``, or the name itself when the catalog
    has none (a check or account kind added after these pages were written)."""
    key = f"{prefix}.{name}"
    return page_text(key) if key in web_texts() else (name or "—")


def kind_label(kind: str) -> str:
    """The French name of an account kind (``wallet`` → customer wallets), or the kind."""
    return _label("bo.controls.kind", kind)


# -- reconciliation ---------------------------------------------------------------------


@blueprint.route("/controls/reconciliations")
@allow(OPERATOR, AUDITOR)
def controls_runs() -> Page:
    """Every run, newest first (a re-run of a day is its next version), paged by id."""
    return _runs_page(before=_int_arg("before"))


def _runs_page(*, before: int | None = None, error: str | None = None, status: int = 200) -> Page:
    """The runs, newest first, under the latest run of the day that just ended (the one
    the 01:00 sweep reconciles), or a line saying it has not run yet."""
    yesterday = local_today() - timedelta(days=1)
    with transaction() as db:
        page = list_runs(db, limit=RUNS_PAGE, before_id=before)
        runs = [_summary(row) for row in page.items]
        last = latest_run(db, yesterday)
        latest = _summary(last) if last is not None else None
    html = render_template(
        "backoffice/controls/reconciliations.html",
        runs=runs,
        next_before=page.next_before_id,
        latest=latest,
        yesterday=yesterday.isoformat(),
        key=once.new_key(),
        default_day=yesterday.isoformat(),
        today=local_today().isoformat(),
        error=error,
    )
    return html, status


@blueprint.route("/controls/reconciliations", methods=["POST"])
@allow(OPERATOR)
def controls_run_now() -> Page:
    """Reconcile a day now (default yesterday); a second submit of the form runs nothing."""
    key = request.form.get("key", "")
    day = _day(request.form.get("day")) if request.form.get("day") else None
    if request.form.get("day") and day is None:
        return _runs_with_error(page_text("bo.controls.run.bad_day"), 400)
    if not once.well_formed(key):
        return _runs_with_error(page_text("bo.controls.run.expired"), 400)
    day = day or local_today() - timedelta(days=1)
    who = officer()

    def run(db: Session) -> tuple[str, str]:
        row = run_for_staff(db, day, actor_role=who.role, actor_id=who.id, ip=request.remote_addr)
        return url_for("backoffice.controls_run", run_id=row.id), row.status

    try:
        done = once.run_once(_principal(), key, run)
    except ReconciliationRunning:
        return _runs_with_error(page_text("bo.controls.run.in_progress", day=day.isoformat()), 409)
    if done.first:
        notify(f"bo.controls.run.done.{done.shown}", day=day.isoformat())
    return redirect(done.target, code=303)


def _runs_with_error(message: str, status: int) -> Page:
    return _runs_page(error=message, status=status)


def _summary(row: Reconciliation) -> dict[str, Any]:
    return {
        "id": row.id,
        "day": row.business_date.isoformat(),
        "version": row.version,
        "status": row.status,
        "breaks": row.breaks,
        "trigger": row.trigger,
        "run_at": row.finished_at,
        "alert_status": row.alert_status,
    }


@dataclass(frozen=True, slots=True)
class Table:
    """Offenders (or figures) of a check as rows of one table."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    label: str
    ok: bool
    breaks: list[str]
    figures: list[tuple[str, Any]]
    tables: list[Table]


def _cell(column: str, value: Any) -> Any:
    """A cell: ledger accounts and entries become links to their page; the rest is text."""
    if value is None:
        return "—"
    if column in ACCOUNT_FIELDS and isinstance(value, str):
        return {"href": url_for("backoffice.controls_account", code=value), "text": value}
    if column in ENTRY_FIELDS and isinstance(value, int):
        return {"href": url_for("backoffice.controls_entry", entry_id=value), "text": str(value)}
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _table(title: str, items: list[dict[str, Any]]) -> Table:
    columns: list[str] = []
    for item in items:
        columns += [k for k in item if k not in columns]
    rows = [[_cell(c, item.get(c)) for c in columns] for item in items]
    return Table(title, columns, rows)


def checks_of(report: dict[str, Any]) -> list[Check]:
    """Each section of a stored report as a check: pass/fail, its breaks, its offenders.

    Generic on purpose: a check registered tomorrow (``ledger.register``) shows
    its offending rows without a change here. A list of rows is a table; the
    ledger's invariants are one table each.
    """
    checks = []
    for name, section in report.get("sections", {}).items():
        breaks = [b["detail"] for b in report.get("breaks", []) if b.get("check") == name]
        figures: list[tuple[str, Any]] = []
        tables: list[Table] = []
        for key, value in section.items():
            if key == "ok":
                continue
            if key == "checks" and isinstance(value, list):
                for sub in value:
                    offending = sub.get("offending") or []
                    label = f"{sub.get('name')} — {'ok' if sub.get('ok') else 'ÉCHEC'}"
                    tables.append(_table(label, offending))
            elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
                if value:
                    tables.append(_table(key, value))
            elif (
                isinstance(value, dict)
                and value
                and all(not isinstance(v, dict | list) for v in value.values())
            ):
                figures += [(f"{key}.{k}", v) for k, v in value.items()]
            else:
                figures.append((key, _cell(key, value)))
        label = _label("bo.controls.check.name", name)
        checks.append(Check(name, label, bool(section.get("ok")), breaks, figures, tables))
    return checks


@blueprint.route("/controls/reconciliations/<int(max=9223372036854775807):run_id>")
@allow(OPERATOR, AUDITOR)
def controls_run(run_id: int) -> Page:
    with transaction() as db:
        row = get_run_by_id(db, run_id)
        run = _summary(row)
        report = row.report
        versions = [_summary(v) for v in versions_of(db, row.business_date)]
    return render_template(
        "backoffice/controls/reconciliation.html",
        run=run,
        report=report,
        checks=checks_of(report),
        versions=versions,
    )


# -- trial balance and the ledger behind it -----------------------------------------------


@blueprint.route("/controls/trial-balance")
@allow(OPERATOR, AUDITOR)
def controls_trial_balance() -> Page | Response:
    with transaction() as db:
        tb = trial_balance_lines(db)
        positions = safeguarding_positions(db)
    now = clock.now()
    if request.args.get("format") == "csv":
        return _csv_response(_trial_balance_csv(tb), f"postcash-balance-{local_today()}.csv")
    return render_template(
        "backoffice/controls/trial_balance.html",
        tb=tb,
        kind_label=kind_label,
        now=now,
        positions=positions,
    )


def _trial_balance_csv(tb: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "currency",
            "account",
            "kind",
            "type",
            "accounts",
            "debits",
            "credits",
            "debit_balance",
            "credit_balance",
        ]
    )
    for cur in tb.currencies:
        for line in cur.lines:
            writer.writerow(
                [
                    cur.currency,
                    line.code or "",
                    line.kind,
                    line.type,
                    line.count,
                    line.debits,
                    line.credits,
                    line.debit_balance,
                    line.credit_balance,
                ]
            )
        writer.writerow(
            [
                cur.currency,
                "TOTAL",
                "",
                "",
                sum(x.count for x in cur.lines),
                cur.debits,
                cur.credits,
                cur.debit_balances,
                cur.credit_balances,
            ]
        )
    writer.writerow(["", "balanced", "yes" if tb.balanced else "NO", "", "", "", "", "", ""])
    return out.getvalue()


@blueprint.route("/controls/trial-balance/<kind>")
@allow(OPERATOR, AUDITOR)
def controls_trial_balance_group(kind: str) -> Page:
    """The accounts one grouped line of the trial balance sums, a page at a time."""
    after = _int_arg("after")
    with transaction() as db:
        page = accounts_of_kind(db, kind, limit=EVENTS_PAGE, after_id=after)
        if not page.items and after is None:
            raise NotFound(f"no accounts of kind {kind}")
        accounts = [
            {
                "code": a.code,
                "name": a.name,
                "type": a.type,
                "status": a.status,
                "currency": a.currency,
                "debits": a.debits_posted,
                "credits": a.credits_posted,
                "balance": normal_balance(a.type, a.debits_posted, a.credits_posted),
            }
            for a in page.items
        ]
    return render_template(
        "backoffice/controls/trial_balance_group.html",
        kind=kind,
        label=kind_label(kind),
        accounts=accounts,
        next_after=page.next_after_id,
    )


@blueprint.route("/controls/ledger/accounts/<path:code>")
@allow(OPERATOR, AUDITOR)
def controls_account(code: str) -> Page:
    cursor = request.args.get("cursor") or None
    with transaction() as db:
        account = ledger.get_account(db, code)
        facts = {
            "code": account.code,
            "name": account.name,
            "type": account.type,
            "status": account.status,
            "currency": account.currency,
            "debits": account.debits_posted,
            "credits": account.credits_posted,
            "balance": account.posted_balance,
            "available": account.available_balance,
        }
        try:
            statement = ledger.statement(db, code, limit=EVENTS_PAGE, cursor=cursor)
        except DomainError:  # a cursor we did not write: the first page
            statement = ledger.statement(db, code, limit=EVENTS_PAGE)
    return render_template("backoffice/controls/account.html", account=facts, statement=statement)


@blueprint.route("/controls/ledger/entries/<int(max=9223372036854775807):entry_id>")
@allow(OPERATOR, AUDITOR)
def controls_entry(entry_id: int) -> Page:
    with transaction() as db:
        entry = db.get(Entry, entry_id)
        if entry is None:
            raise NotFound(f"no entry {entry_id}")
        facts = {
            "id": entry.id,
            "kind": entry.kind,
            "reference": entry.reference,
            "status": entry.status,
            "created_at": entry.created_at,
            "posted_at": entry.posted_at,
            "voided_at": entry.voided_at,
            "expires_at": entry.expires_at,
            "void_reason": entry.void_reason,
            "reverses_id": entry.reverses_id,
        }
        postings = [
            {"account": p.account.code, "side": p.side, "amount": p.amount, "currency": p.currency}
            for p in entry.postings
        ]
    return render_template("backoffice/controls/entry.html", entry=facts, postings=postings)


# -- audit trail ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """The filters of the audit page, checked; ``errors`` maps a field to its French message."""

    values: dict[str, str]
    query: dict[str, Any]
    errors: dict[str, str]


def _staff_names(db: Any, ids: set[str]) -> dict[str, str]:
    """Usernames of the staff among ``ids`` (an event names its actor by id)."""
    if not ids:
        return {}
    rows = db.execute(select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(ids)))
    return {staff_id: username for staff_id, username in rows}


def _actor_by_username(db: Any, query: dict[str, Any]) -> dict[str, Any]:
    """The author filter takes a staff username as well as an id."""
    actor = query.get("actor_id")
    if actor:
        staff_id = db.scalar(select(StaffUser.id).where(StaffUser.username == actor))
        if staff_id is not None:
            return {**query, "actor_id": staff_id}
    return query


def _audit_query() -> AuditQuery:
    values: dict[str, str] = {}
    query: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in FILTERS:
        raw = (request.args.get(name) or "").strip()
        if not raw:
            continue
        values[name] = raw
        if len(raw) > FILTER_MAX or not raw.isprintable():
            errors[name] = page_text("bo.controls.audit.bad_filter")
        else:
            query[name] = raw
    for name, bound in (("since", 0), ("until", 1)):
        raw = (request.args.get(name) or "").strip()
        if not raw:
            continue
        values[name] = raw
        day = _day(raw)
        if day is None:
            errors[name] = page_text("bo.controls.audit.bad_day")
        else:
            query[name] = local_day_bounds(day)[bound]
    if "since" in query and "until" in query and query["since"] >= query["until"]:
        errors["until"] = page_text("bo.controls.audit.bad_range")
    return AuditQuery(values, query, errors)


def _event_view(event: Any) -> dict[str, Any]:
    """What a page or the CSV shows of an event: never a secret, even one stored before
    ``record`` scrubbed them (``scrub`` again on the way out)."""
    return {
        "id": event.id,
        "occurred_at": event.occurred_at,
        "actor_role": event.actor_role,
        "actor_id": event.actor_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "ip": event.ip,
        "request_id": event.request_id,
        "before": _json(event.before),
        "after": _json(event.after),
    }


def _json(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(scrub(value), ensure_ascii=False, sort_keys=True)


@blueprint.route("/controls/audit")
@allow(OPERATOR, AUDITOR)
def controls_audit() -> Page | Response:
    q = _audit_query()
    if request.args.get("format") == "csv" and not q.errors:
        return _csv_response(
            stream_with_context(_audit_csv(q.query)), f"postcash-audit-{local_today()}.csv"
        )
    events: list[dict[str, Any]] = []
    next_before = None
    with transaction() as db:
        summary = chain_summary(db)
        if not q.errors:
            query = _actor_by_username(db, q.query)
            page = list_events(db, **query, limit=EVENTS_PAGE, before_id=_int_arg("before"))
            events = [_event_view(e) for e in page.items]
            next_before = page.next_before_id
            names = _staff_names(db, {e["actor_id"] for e in events if e["actor_id"]})
            for event in events:
                event["actor_name"] = names.get(event["actor_id"])
    status = 400 if q.errors else 200
    html = render_template(
        "backoffice/controls/audit.html",
        values=q.values,
        errors=q.errors,
        events=events,
        next_before=next_before,
        summary=summary,
        csv_args={**q.values, "format": "csv"},
    )
    return html, status


CSV_COLUMNS = (
    "id",
    "occurred_at",
    "actor_role",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "ip",
    "request_id",
    "before",
    "after",
)


def _audit_csv(query: dict[str, Any]) -> Iterator[str]:
    """Every event matching the filters, newest first, a chunk per transaction (keyset
    paging: events only ever get added, so no chunk repeats or skips one)."""
    with transaction() as db:
        query = _actor_by_username(db, query)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    before: int | None = None
    while True:
        with transaction() as db:
            page = list_events(db, **query, limit=CSV_CHUNK, before_id=before)
            rows = [_event_view(e) for e in page.items]
        for row in rows:
            writer.writerow([safe_cell(row[c]) for c in CSV_COLUMNS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        if page.next_before_id is None:
            return
        before = page.next_before_id


@blueprint.route("/controls/audit/verify")
@allow(OPERATOR, AUDITOR)
def controls_audit_verify() -> Page:
    """Walk the whole hash chain now (``flask audit verify``'s function): every event is
    read and hashed, so it is a page of its own rather than part of every listing."""
    with transaction() as db:
        broken = verify_chain(db)
        summary = chain_summary(db)
    return render_template(
        "backoffice/controls/audit_verify.html",
        broken=broken,
        first=broken[0] if broken else None,
        verified_up_to=verified_up_to(broken, summary["last_id"]),
        summary=summary,
    )


def verified_up_to(broken: list[dict[str, Any]], last_id: int) -> int:
    """The last event whose link and hash hold, walking from the first (``verify_chain``
    reports links in walk order, the head last)."""
    if not broken:
        return last_id
    first = broken[0]
    if first["problem"] == "hash_mismatch":
        return max(int(first["id"]) - 1, 0)
    return int(first.get("after_id") or 0)


def _csv_response(body: Any, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
