"""The counter's float page: an agent asks for a float top-up from the trust bank, or
to return excess float to it. The request waits for a head-office operator's
approval in the back office (``app.agents.float_requests``); nothing moves here.
One request per form (``once``): a double submit asks once."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from app import ledger
from app.agents import float_requests
from app.agents.staff import get_agent
from app.db import transaction
from app.errors import DomainError
from app.i18n.web import page_text, web_texts
from app.ledger import chart
from app.money import format_amount
from app.web import once
from app.web.counter.views import Page, blueprint, explain, teller


def _page(
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Page:
    with transaction() as db:
        agent = get_agent(db, teller().id)
        available = ledger.balance(db, chart.float_account(agent.id)).available
        mine = float_requests.list_requests(db, agent_id=agent.id, limit=20)
        rows: list[dict[str, Any]] = [
            {
                "at": r.requested_at,
                "kind": r.kind,
                "amount": r.amount,
                "status": r.status,
                "note": r.decision_note or "",
            }
            for r in mine
        ]
    page = render_template(
        "counter/float.html",
        float_available=available,
        requests=rows,
        values=values or {"kind": "topup"},
        key=once.new_key(),
        errors=errors or {},
        error=error,
    )
    return page, status


@blueprint.route("/float", methods=["GET", "POST"])
def float_request() -> Page:
    if request.method == "GET":
        return _page()
    values = {
        "kind": request.form.get("kind", ""),
        "amount": request.form.get("amount", ""),
        "note": request.form.get("note", ""),
    }
    key = request.form.get("key", "")
    if not once.well_formed(key):
        page = render_template("counter/message.html", message=page_text("confirm.expired"))
        return page, 400
    me = teller().id
    target = url_for("counter.float_request")

    def ask(db: Session) -> tuple[str, str]:
        made = float_requests.request_float(
            db,
            requester=get_agent(db, me),
            agent_id=me,
            kind=values["kind"],
            amount=values["amount"],
            note=values["note"],
        )
        return target, format_amount(made.amount)

    try:
        done = once.run_once(f"counter:{me}", key, ask)
    except DomainError as exc:
        top, _fields = explain(exc)
        texts = web_texts()
        fields = {}
        for name in (exc.extra.get("errors") or {}) if exc.code == "validation_error" else ():
            key_ = f"bo.network.invalid.{name}"
            fields[str(name)] = [page_text(key_ if key_ in texts else "invalid.default")]
        if exc.code == "insufficient_funds":
            top = page_text("bo.network.error.insufficient_funds")
        return _page(values=values, errors=fields, error=top, status=exc.status)

    if done.shown is not None:  # asked now (a second submission asked nothing)
        flash(page_text("bo.network.float.requested", amount=done.shown))
    return redirect(target, code=303)
