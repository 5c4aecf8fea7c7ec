"""/admin: safeguarding, the daily report (JSON or CSV) and the daily reconciliations.

Admins only. Days are business days in Brazzaville time, ``YYYY-MM-DD``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

from flask import Response, request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields

from app.api.cursors import decode_id_cursor, encode_id_cursor
from app.api.docs_schemas import (
    DailyReportQuerySchema,
    DailyReportSchema,
    PageQuerySchema,
    ReconciliationRunPageSchema,
    ReconciliationSchema,
    SafeguardingPositionSchema,
    SafeguardingSchema,
    VersionQuerySchema,
)
from app.api.openapi import operation
from app.api.responses import Body
from app.api.validation import load, query_int
from app.auth.decorators import require
from app.clock import clock, local_today
from app.db import current_runtime, transaction
from app.errors import ValidationFailed
from app.principal import current_principal
from app.reconciliation import get_run, list_runs, versions_of
from app.reconciliation.service import ReconciliationRunning, run_for_admin
from app.reports import daily_report, safeguarding_positions

ns = Namespace("admin-ops", path="/admin", description="Operations: safeguarding, reports")

_DAY = re.compile(r"^(\d{4})-\d{2}-\d{2}$")
FIRST_YEAR, LAST_YEAR = 2000, 2999
POSITION_FIELDS = tuple(SafeguardingPositionSchema().fields)


def parse_day(raw: str, name: str) -> date:
    match = _DAY.match(raw)
    try:
        day = date.fromisoformat(raw) if match else None
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationFailed({name: [f"Must be a date YYYY-MM-DD ({FIRST_YEAR}-{LAST_YEAR})."]})
    return day


class RunRequest(Schema):
    date = fields.String(
        load_default=None,
        metadata={"example": "2026-11-27", "description": "default: yesterday"},
    )


def _run_summary(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "date": row.business_date.isoformat(),
        "version": row.version,
        "status": row.status,
        "breaks": row.breaks,
        "trigger": row.trigger,
        "run_at": row.finished_at.isoformat(),
        "alert_status": row.alert_status,
    }


def _run_detail(row: Any, versions: list[Any]) -> dict[str, Any]:
    return {
        **_run_summary(row),
        "report": row.report,
        "versions": [_run_summary(v) for v in versions],
    }


def wants_csv() -> bool:
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt not in ("json", "csv"):
            raise ValidationFailed({"format": ["Must be json or csv."]})
        return fmt == "csv"
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


def daily_csv(report: dict[str, Any]) -> str:
    """One table: ``section,name,count,amount,fees,commissions``; blank where not applicable."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "name", "count", "amount", "fees", "commissions"])
    for op in report["operations"]:
        writer.writerow(
            ["operation", op["operation"], op["count"], op["amount"], op["fees"], op["commissions"]]
        )
    t = report["totals"]
    writer.writerow(["total", "operations", t["count"], t["amount"], t["fees"], t["commissions"]])
    for code, amount in report["ledger"]["fees"].items():
        writer.writerow(["ledger", code, "", "", amount, ""])
    for code, amount in report["ledger"]["commissions"].items():
        writer.writerow(["ledger", code, "", "", "", amount])
    writer.writerow(["customers", "new_customers", report["new_customers"], "", "", ""])
    writer.writerow(["customers", "active_wallets", report["active_wallets"], "", "", ""])
    return out.getvalue()


@ns.route("/safeguarding")
class Safeguarding(Resource):
    @operation("getSafeguarding", response=SafeguardingSchema)
    @ns.response(200, "E-money outstanding against trust:bank, now")
    @require("admin")
    def get(self) -> Body:
        """Is every franc of e-money backed by the trust bank (less retained fees)?"""
        currency = current_runtime().config.CURRENCY
        with transaction() as session:
            positions = [p.as_dict() for p in safeguarding_positions(session)]
        main = next((p for p in positions if p["currency"] == currency), None)
        if main is None:
            main = {**dict.fromkeys(POSITION_FIELDS, 0), "currency": currency, "ok": True}
            main["by_account_type"] = {}
        others = [p for p in positions if p["currency"] != currency]
        return {**main, "as_of": clock.now().isoformat(), "other_currencies": others}


@ns.route("/reports/daily")
class DailyReport(Resource):
    @operation(
        "getDailyReport",
        query=DailyReportQuerySchema,
        response=DailyReportSchema,
        also_media=["text/csv"],
    )
    @ns.doc(
        params={
            "date": "YYYY-MM-DD, Brazzaville time (default today)",
            "format": "json (default) or csv; Accept: text/csv works too",
        }
    )
    @ns.produces(["application/json", "text/csv"])
    @ns.response(200, "Volumes and values per operation type, fees, customers")
    @require("admin")
    def get(self) -> Body | Response:
        """The day's operations per type, fees, commissions, new customers, active wallets."""
        raw = request.args.get("date")
        day = parse_day(raw, "date") if raw else local_today()
        as_csv = wants_csv()
        with transaction() as session:
            report = daily_report(session, day, currency=current_runtime().config.CURRENCY)
        if as_csv:
            return Response(
                daily_csv(report),
                mimetype="text/csv",
                headers={"Content-Disposition": f"attachment; filename=postcash-daily-{day}.csv"},
            )
        return report


@ns.route("/reconciliations")
class Reconciliations(Resource):
    @operation("listReconciliations", query=PageQuerySchema, response=ReconciliationRunPageSchema)
    @ns.doc(params={"limit": "1-100 (default 20)", "cursor": "from next_cursor"})
    @ns.response(200, "Every run, newest first")
    @require("admin")
    def get(self) -> Body:
        """Daily reconciliation runs, newest first (a re-run of a day is its next version)."""
        limit = query_int("limit", 20)
        before_id = decode_id_cursor("reconciliation", request.args.get("cursor"))
        with transaction() as session:
            page = list_runs(session, limit=limit, before_id=before_id)
            items = [_run_summary(row) for row in page.items]
        return {
            "items": items,
            "next_cursor": encode_id_cursor("reconciliation", page.next_before_id),
        }

    @operation(
        "runReconciliation",
        body=RunRequest,
        status=201,
        response=ReconciliationSchema,
        errors=(ReconciliationRunning,),
    )
    @ns.response(201, "The run, stored as the day's next version")
    @require("admin")
    def post(self) -> tuple[Body, int]:
        """Reconcile a day now (default yesterday); any break alerts on-call. A run of the
        same day not finished yet answers 409 ``conflict``, having run nothing."""
        data = load(RunRequest())
        raw = data.get("date")
        day = parse_day(raw, "date") if raw else local_today() - timedelta(days=1)
        with transaction() as session:
            row = run_for_admin(
                session, day, admin_id=current_principal().id, ip=request.remote_addr
            )
            body = _run_detail(row, versions_of(session, day))
        return body, 201


@ns.route("/reconciliations/<string:day>")
class ReconciliationOfDay(Resource):
    @operation("getReconciliation", query=VersionQuerySchema, response=ReconciliationSchema)
    @ns.doc(params={"day": "YYYY-MM-DD", "version": "a given version (default the latest)"})
    @ns.response(200, "The day's reconciliation and the list of its versions")
    @require("admin")
    def get(self, day: str) -> Body:
        """A day's reconciliation report (latest version unless ``version`` is given)."""
        business_day = parse_day(day, "day")
        raw_version = request.args.get("version")
        version = query_int("version", 1, maximum=10**6) if raw_version is not None else None
        with transaction() as session:
            row = get_run(session, business_day, version)
            body = _run_detail(row, versions_of(session, business_day))
        return body
