"""Postal savings over REST (docs/API.md "Postal savings"): products, livrets, their
statements, deposits from the wallet, withdrawals confirmed at
``/transfers/{id}/confirm``, cash deposits at a counter and the operator's
capitalisation. Thin: load, one domain call in a unit of work, dump."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app.agents.errors import TillClosed
from app.agents.staff import get_agent
from app.api.docs_schemas import PageQuerySchema, StatementPageSchema, TransferOutSchema
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.responses import Body
from app.api.schemas import dump_transfer, dump_transfer_with_otp
from app.api.validation import Amount, load, query_int
from app.auth.decorators import require
from app.customers.service import get_customer
from app.db import current_runtime, transaction
from app.errors import (
    AccountFrozen,
    AccountLocked,
    InsufficientFunds,
    InvalidState,
    LimitExceeded,
)
from app.principal import current_principal
from app.savings import accounts, accrual, movements
from app.savings.errors import ProductNotFound, SavingsAccountExists, SavingsAccountNotFound
from app.savings.models import SavingsAccount
from app.savings.products import all_products
from app.savings.statements import savings_statement

ns = Namespace("savings", path="/savings", description="Postal savings: the livret d'épargne")
agent_ns = Namespace("agent-savings", path="/agent/savings", description="Savings at the counter")
admin_ns = Namespace("admin-savings", path="/admin/savings", description="Savings interest")


class ProductSchema(Schema):
    code = fields.String()
    name = fields.String()
    annual_rate_bp = fields.Integer()
    min_opening = fields.Integer()
    max_balance = fields.Integer()
    tax_bp = fields.Integer()


class SavingsAccountSchema(Schema):
    id = fields.String()
    number = fields.String()
    product = fields.String()
    status = fields.String()
    balance = fields.Integer()
    accrued_interest = fields.Integer(
        metadata={"description": "interest provisioned, credited at the capitalisation"}
    )
    annual_rate_bp = fields.Integer()
    opened_at = fields.AwareDateTime()
    currency = fields.String()


ProductListSchema = Schema.from_dict(
    {"items": fields.List(fields.Nested(ProductSchema))}, name="SavingsProductList"
)
SavingsAccountListSchema = Schema.from_dict(
    {"items": fields.List(fields.Nested(SavingsAccountSchema))}, name="SavingsAccountList"
)


class OpenAccount(Schema):
    product = fields.String(required=True, validate=validate.Length(min=1, max=32))


class SavingsAmount(Schema):
    amount = Amount(required=True)


class CashDeposit(Schema):
    account_number = fields.String(required=True, validate=validate.Length(min=4, max=16))
    amount = Amount(required=True)


class InterestRun(Schema):
    as_of = fields.Date(required=True, metadata={"description": "a past day, YYYY-MM-DD"})


class CapitalisationSchema(Schema):
    as_of = fields.String()
    accounts = fields.Integer()
    gross = fields.Integer()
    tax = fields.Integer()
    net = fields.Integer()


_account = SavingsAccountSchema()


def _dump(session: Any, account: SavingsAccount) -> dict[str, Any]:
    data: dict[str, Any] = _account.dump(accounts.account_view(session, account))
    return data


@ns.route("/products")
class Products(Resource):
    @operation("listSavingsProducts", response=ProductListSchema)
    def get(self) -> Body:
        """The savings products on offer (rate and tax in basis points, amounts in XAF)."""
        items = [
            {
                "code": p.code,
                "name": p.name,
                "annual_rate_bp": p.annual_rate_bp,
                "min_opening": p.min_opening,
                "max_balance": p.max_balance,
                "tax_bp": p.tax_bp,
            }
            for p in all_products(current_runtime().config)
        ]
        return {"items": items}


@ns.route("/accounts")
class Accounts(Resource):
    @operation(
        "createSavingsAccount",
        body=OpenAccount,
        status=201,
        response=SavingsAccountSchema,
        errors=(ProductNotFound, SavingsAccountExists, AccountFrozen),
    )
    @ns.doc(security="bearer")
    @require("customer")
    def post(self) -> tuple[Body, int]:
        """Open a livret of a product: one per product per customer."""
        data = load(OpenAccount())
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            account = accounts.open_savings_account(session, customer, data["product"])
            body = _dump(session, account)
        return body, 201

    @operation("listSavingsAccounts", response=SavingsAccountListSchema)
    @ns.doc(security="bearer")
    @require("customer", "admin")
    def get(self) -> Body:
        """The caller's livrets (an admin: the latest opened)."""
        principal = current_principal()
        with transaction() as session:
            if principal.role == "admin":
                rows = accounts.all_accounts(session)
            else:
                rows = accounts.accounts_of(session, principal.id)
            items = [_dump(session, account) for account in rows]
        return {"items": items}


@ns.route("/accounts/<string:account_id>")
class AccountItem(Resource):
    @operation("getSavingsAccount", response=SavingsAccountSchema, errors=(SavingsAccountNotFound,))
    @ns.doc(security="bearer")
    @require("customer", "admin")
    def get(self, account_id: str) -> Body:
        """One livret: balance, interest provisioned so far, current rate."""
        with transaction() as session:
            account = accounts.readable_account(session, account_id, current_principal())
            body = _dump(session, account)
        return body


@ns.route("/accounts/<string:account_id>/transactions")
class AccountTransactions(Resource):
    @operation(
        "listSavingsTransactions",
        query=PageQuerySchema,
        response=StatementPageSchema,
        errors=(SavingsAccountNotFound,),
    )
    @ns.doc(security="bearer")
    @require("customer", "admin")
    def get(self, account_id: str) -> Body:
        """Statement lines of a livret: deposits, withdrawals, interest, tax."""
        limit = query_int("limit", 20)
        cursor = request.args.get("cursor") or None
        with transaction() as session:
            account = accounts.readable_account(session, account_id, current_principal())
            items, next_cursor = savings_statement(session, account, limit=limit, cursor=cursor)
        for item in items:
            item["created_at"] = item["created_at"].isoformat()
        return {"items": items, "next_cursor": next_cursor}


@ns.route("/accounts/<string:account_id>/deposits")
class Deposits(Resource):
    @operation(
        "depositToSavings",
        body=SavingsAmount,
        status=201,
        response=TransferOutSchema,
        errors=(
            SavingsAccountNotFound,
            InsufficientFunds,
            LimitExceeded,
            AccountFrozen,
            InvalidState,
        ),
    )
    @ns.doc(security="bearer", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("customer")
    @idempotent
    def post(self, account_id: str) -> tuple[Body, int]:
        """Move money from the wallet into the livret, at once and free of charge."""
        data = load(SavingsAmount())
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            transfer = movements.deposit_from_wallet(
                session, customer, account_id, amount=data["amount"]
            )
            body = dump_transfer(transfer)
        return body, 201


@ns.route("/accounts/<string:account_id>/withdrawals")
class Withdrawals(Resource):
    @operation(
        "withdrawFromSavings",
        body=SavingsAmount,
        status=201,
        response=TransferOutSchema,
        errors=(
            SavingsAccountNotFound,
            InsufficientFunds,
            LimitExceeded,
            AccountFrozen,
            AccountLocked,
            InvalidState,
        ),
    )
    @ns.doc(security="bearer", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("customer")
    @idempotent
    def post(self, account_id: str) -> tuple[Body, int]:
        """Bring money back to the wallet: held until the SMS code is confirmed at
        ``/transfers/{id}/confirm``."""
        data = load(SavingsAmount())
        with transaction() as session:
            customer = get_customer(session, current_principal().id)
            transfer = movements.create_savings_withdrawal(
                session, customer, account_id=account_id, amount=data["amount"]
            )
            body = dump_transfer_with_otp(session, transfer)
        return body, 201


@agent_ns.route("/deposits")
class CashDeposits(Resource):
    @operation(
        "depositCashToSavings",
        body=CashDeposit,
        status=201,
        response=TransferOutSchema,
        errors=(
            SavingsAccountNotFound,
            InsufficientFunds,
            LimitExceeded,
            AccountFrozen,
            TillClosed,
        ),
    )
    @agent_ns.doc(security="bearer", params={"Idempotency-Key": {"in": "header", "required": True}})
    @require("agent")
    @idempotent
    def post(self) -> tuple[Body, int]:
        """Cash handed over at the counter into a livret, from the counter's float."""
        data = load(CashDeposit())
        with transaction() as session:
            agent = get_agent(session, current_principal().id)
            transfer = movements.deposit_cash(
                session, agent, account_number=data["account_number"], amount=data["amount"]
            )
            body = dump_transfer(transfer)
        return body, 201


@admin_ns.route("/interest")
class Interest(Resource):
    @operation(
        "runSavingsInterest",
        body=InterestRun,
        response=CapitalisationSchema,
        errors=(InvalidState,),
    )
    @admin_ns.doc(security="bearer")
    @require("admin")
    def post(self) -> Body:
        """Capitalise the interest provisioned up to ``as_of`` (a past day); running it
        again for the same day returns the same figures and pays nothing twice."""
        data = load(InterestRun())
        as_of: date = data["as_of"]
        with transaction() as session:
            result = accrual.capitalise(session, as_of)
        return result.as_dict()
