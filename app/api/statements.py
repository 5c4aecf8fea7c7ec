"""GET /me/transactions: the customer's statement lines, newest first."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource

from app.api.docs_schemas import PageQuerySchema, StatementPageSchema
from app.api.openapi import operation
from app.api.responses import Body
from app.api.validation import query_int
from app.auth.decorators import require
from app.customers.service import get_customer
from app.db import transaction
from app.principal import current_principal
from app.transfers.statements import customer_statement

ns = Namespace("statements", path="/me", description="Statement of the customer's wallet")


@ns.route("/transactions")
class Transactions(Resource):
    @operation("listMyTransactions", query=PageQuerySchema, response=StatementPageSchema)
    @ns.doc(security="bearer", params={"limit": "1-100 (default 20)", "cursor": "from next_cursor"})
    @require("customer")
    def get(self) -> Body:
        """Statement lines: reference, type, direction, amount, fee, balance after, counterparty."""
        limit = query_int("limit", 20)
        cursor = request.args.get("cursor") or None
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            items, next_cursor = customer_statement(session, customer, limit=limit, cursor=cursor)
        for item in items:
            item["created_at"] = item["created_at"].isoformat()
        return {"items": items, "next_cursor": next_cursor}
