"""/admin/staff, /admin/api-clients, /admin/customers/{id}/freeze: who may still call us,
and whose money may still leave (admins only).

Staff accounts and organisations' API keys are never deleted (the audit trail
and the ledger keep naming them); they are disabled, enabled again, and keys
are replaced. A customer's wallet is frozen and unfrozen. Every change needs a
reason and is written to the audit trail.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_restx import Namespace, Resource

from app.agents import access, lockout, staff
from app.agents.models import STAFF_ROLES, STAFF_STATUSES, StaffUser
from app.api.cursors import decode_cursor, encode_cursor
from app.api.docs_schemas import (
    AccessListQuerySchema,
    ApiClientPageSchema,
    ApiClientViewSchema,
    FrozenCustomerSchema,
    ReplacedKeySchema,
    StaffPageSchema,
    StaffViewSchema,
)
from app.api.openapi import operation
from app.api.responses import Body, Headers
from app.api.schemas import ReasonSchema
from app.api.validation import load, query_int
from app.auth import client_access
from app.auth.api_keys import API_ROLES, ApiClient, list_clients
from app.auth.decorators import require
from app.customers.freezing import freeze_customer, unfreeze_customer
from app.db import transaction
from app.errors import ValidationFailed
from app.principal import current_principal

ns = Namespace("admin-access", path="/admin", description="Staff and API clients: access")

NO_STORE = {"Cache-Control": "no-store"}
STATUSES = ("active", "disabled")


def _choice(name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise ValidationFailed({name: [f"One of: {', '.join(allowed)}."]})
    return value


def staff_view(member: StaffUser) -> dict[str, Any]:
    return {
        "id": member.id,
        "username": member.username,
        "role": member.role,
        "post_office": member.post_office,
        "post_office_code": member.post_office_code,
        "status": member.status,
        "locked_at": member.locked_at.isoformat() if member.locked_at else None,
        "created_at": member.created_at.isoformat(),
    }


def client_view(client: ApiClient) -> dict[str, Any]:
    return {
        "id": client.id,
        "role": client.role,
        "name": client.name,
        "status": client.status,
        "key_prefix": client.key_prefix,
        "created_at": client.created_at.isoformat(),
    }


@ns.route("/staff")
class Staff(Resource):
    @operation("listStaff", query=AccessListQuerySchema, response=StaffPageSchema)
    @ns.doc(
        security="bearer",
        params={
            "role": "agent or admin",
            "status": "active or disabled",
            "cursor": "",
            "limit": "",
        },
    )
    @ns.response(200, "Staff by username")
    @require("admin")
    def get(self) -> Body:
        """Agents and admins, by username, with their status."""
        role = _choice("role", STAFF_ROLES)
        status = _choice("status", STAFF_STATUSES)
        limit = query_int("limit", 20)
        after = decode_cursor("staff", request.args.get("cursor"))
        with transaction() as session:
            rows = staff.list_staff(session, role=role, status=status, after=after, limit=limit + 1)
            items = [staff_view(row) for row in rows[:limit]]
        last = rows[limit - 1].username if len(rows) > limit else None
        next_cursor = encode_cursor("staff", last)
        return {"items": items, "next_cursor": next_cursor}


@ns.route("/staff/<string:staff_id>/disable")
class StaffDisable(Resource):
    @operation("disableStaff", body=ReasonSchema, response=StaffViewSchema)
    @ns.response(200, "Disabled (or already was); its live tokens are revoked")
    @ns.response(409, "conflict: your own account, or the last active admin")
    @require("admin")
    def post(self, staff_id: str) -> Body:
        """Stop an agent or admin signing in, and sign them out everywhere, now."""
        data = load(ReasonSchema())
        with transaction() as session:
            member = access.disable_staff(session, staff_id, by=current_principal(), **data)
            return staff_view(member)


@ns.route("/staff/<string:staff_id>/enable")
class StaffEnable(Resource):
    @operation("enableStaff", body=ReasonSchema, response=StaffViewSchema)
    @ns.response(200, "Active (or already was)")
    @require("admin")
    def post(self, staff_id: str) -> Body:
        """Let a disabled agent or admin sign in again (old tokens stay revoked)."""
        data = load(ReasonSchema())
        with transaction() as session:
            member = access.enable_staff(session, staff_id, by=current_principal(), **data)
            return staff_view(member)


@ns.route("/staff/<string:staff_id>/unlock")
class StaffUnlock(Resource):
    @operation("unlockStaff", body=ReasonSchema, response=StaffViewSchema)
    @ns.response(200, "Unlocked (or was not locked); the failure count starts over")
    @require("admin")
    def post(self, staff_id: str) -> Body:
        """Let an agent or admin locked by sign-in failures sign in again (audited)."""
        data = load(ReasonSchema())
        with transaction() as session:
            member = lockout.unlock_staff(session, staff_id, by=current_principal(), **data)
            return staff_view(member)


@ns.route("/api-clients")
class ApiClients(Resource):
    @operation("listApiClients", query=AccessListQuerySchema, response=ApiClientPageSchema)
    @ns.doc(
        security="bearer",
        params={
            "role": "partner, merchant, biller or payer",
            "status": "active or disabled",
            "cursor": "",
            "limit": "",
        },
    )
    @ns.response(200, "Clients by name")
    @require("admin")
    def get(self) -> Body:
        """Partners, merchants, billers and payers with API keys, with their status."""
        role = _choice("role", API_ROLES)
        status = _choice("status", STATUSES)
        limit = query_int("limit", 20)
        after = decode_cursor("api-clients", request.args.get("cursor"))
        with transaction() as session:
            rows = list_clients(session, role=role, status=status, after=after, limit=limit + 1)
            items = [client_view(row) for row in rows[:limit]]
        last = rows[limit - 1].id if len(rows) > limit else None
        next_cursor = encode_cursor("api-clients", last)
        return {"items": items, "next_cursor": next_cursor}


@ns.route("/api-clients/<string:client_id>/disable")
class ApiClientDisable(Resource):
    @operation("disableApiClient", body=ReasonSchema, response=ApiClientViewSchema)
    @ns.response(200, "Disabled (or already was); its key is refused")
    @require("admin")
    def post(self, client_id: str) -> Body:
        """Refuse an organisation's API key from the next request on."""
        data = load(ReasonSchema())
        with transaction() as session:
            client = client_access.disable_client(
                session, client_id, by=current_principal(), **data
            )
            return client_view(client)


@ns.route("/api-clients/<string:client_id>/enable")
class ApiClientEnable(Resource):
    @operation("enableApiClient", body=ReasonSchema, response=ApiClientViewSchema)
    @ns.response(200, "Active (or already was)")
    @require("admin")
    def post(self, client_id: str) -> Body:
        """Accept an organisation's current API key again."""
        data = load(ReasonSchema())
        with transaction() as session:
            client = client_access.enable_client(session, client_id, by=current_principal(), **data)
            return client_view(client)


@ns.route("/api-clients/<string:client_id>/key")
class ApiClientKey(Resource):
    @operation("rotateApiClientKey", body=ReasonSchema, response=ReplacedKeySchema)
    @ns.response(200, "The new key, shown once; the old one is refused")
    @require("admin")
    def post(self, client_id: str) -> tuple[Body, int, Headers]:
        """Replace an organisation's API key (a leaked key stops working at once)."""
        data = load(ReasonSchema())
        with transaction() as session:
            client, key = client_access.rotate_key(
                session, client_id, by=current_principal(), **data
            )
            body = {"id": client.id, "api_key": key}
        return body, 200, NO_STORE


@ns.route("/customers/<string:customer_id>/freeze")
class CustomerFreeze(Resource):
    @operation("freezeCustomer", body=ReasonSchema, response=FrozenCustomerSchema)
    @ns.response(200, "Frozen (or already was)")
    @require("admin")
    def post(self, customer_id: str) -> Body:
        """Stop all money leaving a customer's wallet; pending payments are cancelled."""
        data = load(ReasonSchema())
        with transaction() as session:
            done = freeze_customer(session, customer_id, by=current_principal(), **data)
            body = {
                "id": done.customer.id,
                "status": done.customer.status,
                "cancelled_transfers": done.cancelled_transfers,
                "cancelled_remittances": done.cancelled_remittances,
            }
        return body


@ns.route("/customers/<string:customer_id>/unfreeze")
class CustomerUnfreeze(Resource):
    @operation("unfreezeCustomer", body=ReasonSchema, response=FrozenCustomerSchema)
    @ns.response(200, "No longer frozen (locked if it was PIN-locked)")
    @require("admin")
    def post(self, customer_id: str) -> Body:
        """Let money leave a frozen customer's wallet again."""
        data = load(ReasonSchema())
        with transaction() as session:
            customer = unfreeze_customer(session, customer_id, by=current_principal(), **data)
            body = {
                "id": customer.id,
                "status": customer.status,
                "cancelled_transfers": [],
                "cancelled_remittances": [],
            }
        return body
