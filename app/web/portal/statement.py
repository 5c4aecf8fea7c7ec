"""The customer's statement on the portal: the wallet's lines with filters (dates,
direction, type), paged, and the same lines exported as CSV or PDF.

The lines are ``transfers.statements.customer_statement``'s, the same as
``GET /me/statement``, USSD and SMS; the filters on dates go to the ledger query,
those on direction and type keep the page's lines that match.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, render_template, request

from app.clock import LOCAL_TZ, local_today
from app.customers.msisdn import mask_msisdn
from app.customers.service import get_customer
from app.db import transaction
from app.receipts.statement import StatementWords, rows_of, statement_csv, statement_pdf
from app.transfers.statements import customer_statement
from app.web.portal.account import customer
from app.web.portal.common import Page, blueprint, operation_label, text

PAGE_SIZE = 25
EXPORT_LIMIT = 2000  # lines in one export: a year of an active customer
EXPORT_PAGE = 500
DIRECTIONS = ("credit", "debit")


EARLIEST = date(1970, 1, 1)  # before any wallet: a bound that keeps every line


def _day(raw: str | None) -> date | None:
    """A day of the filter, within [1970-01-01, today]: a typed year 9999 (or 0001)
    means "up to now" (or "since always"), and stays a date the next day and the UTC
    instant of which exist."""
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return None if day is None else min(max(day, EARLIEST), local_today())


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Local days → UTC instants: ``until`` is inclusive on the page, exclusive below."""
    start = datetime.combine(since, time.min, LOCAL_TZ) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, LOCAL_TZ) if until else None
    return start, end


def _filters() -> dict[str, Any]:
    since, until = _day(request.args.get("du")), _day(request.args.get("au"))
    if since and until and since > until:
        since, until = until, since
    direction = request.args.get("sens")
    kind = request.args.get("type")
    return {
        "since": since,
        "until": until,
        "direction": direction if direction in DIRECTIONS else "",
        "type": kind if isinstance(kind, str) and kind.isidentifier() else "",
    }


def _keep(line: dict[str, Any], filters: dict[str, Any]) -> bool:
    if filters["direction"] and line["direction"] != filters["direction"]:
        return False
    return not (filters["type"] and line["type"] != filters["type"])


def _when(at: datetime) -> str:
    return at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


@blueprint.route("/compte/releve")
def statement() -> Page:
    filters = _filters()
    since, until = _bounds(filters["since"], filters["until"])
    cursor = request.args.get("apres") or None
    with transaction() as db:
        me = get_customer(db, customer().id)
        lines, next_cursor = customer_statement(
            db, me, limit=PAGE_SIZE, cursor=cursor, since=since, until=until
        )
    shown = [line for line in lines if _keep(line, filters)]
    query = {k: v for k, v in request.args.items() if k != "apres"}
    return render_template(
        "portal/statement.html",
        lines=shown,
        filters=filters,
        next_cursor=next_cursor,
        query=query,
        when=_when,
        label=operation_label,
        today=local_today(),
    )


def _export_lines() -> tuple[list[dict[str, Any]], dict[str, Any], Any]:
    filters = _filters()
    since, until = _bounds(filters["since"], filters["until"])
    lines: list[dict[str, Any]] = []
    cursor = None
    with transaction() as db:
        me = get_customer(db, customer().id)
        while len(lines) < EXPORT_LIMIT:
            page, cursor = customer_statement(
                db, me, limit=EXPORT_PAGE, cursor=cursor, since=since, until=until
            )
            lines.extend(line for line in page if _keep(line, filters))
            if cursor is None:
                break
    return lines[:EXPORT_LIMIT], filters, me


def _words(filters: dict[str, Any], me: Any) -> StatementWords:
    since = filters["since"].strftime("%d/%m/%Y") if filters["since"] else "—"
    until = (
        filters["until"].strftime("%d/%m/%Y")
        if filters["until"]
        else local_today().strftime("%d/%m/%Y")
    )
    return StatementWords(
        title=text("portal.statement.title"),
        holder=f"{me.first_name} {me.last_name}, {mask_msisdn(me.msisdn)}",
        period=text("portal.statement.period", since=since, until=until),
        columns=[
            text(f"portal.statement.col.{c}")
            for c in ("date", "reference", "type", "other", "amount", "fee", "balance")
        ],
        empty=text("portal.statement.empty"),
    )


def _download(body: bytes | str, mimetype: str, suffix: str) -> Response:
    response = Response(body, mimetype=mimetype)
    stamp = local_today().isoformat()
    response.headers["Content-Disposition"] = f'attachment; filename="releve-{stamp}.{suffix}"'
    return response


@blueprint.route("/compte/releve.csv")
def statement_as_csv() -> Response:
    lines, filters, me = _export_lines()
    rows = rows_of(lines, _when, operation_label)
    return _download(statement_csv(_words(filters, me), rows), "text/csv", "csv")


@blueprint.route("/compte/releve.pdf")
def statement_as_pdf() -> Response:
    lines, filters, me = _export_lines()
    rows = rows_of(lines, _when, operation_label)
    return _download(statement_pdf(_words(filters, me), rows), "application/pdf", "pdf")
