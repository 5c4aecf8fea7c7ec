"""GET /admin/audit: the audit trail, read-only, for admins.

Filters combine (all must match); ``since`` is inclusive, ``until`` exclusive,
both ISO 8601 (a time without offset is UTC). Pages are newest first; the
cursor is opaque to clients and only says "older than this event".
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields

from app.api.cursors import decode_id_cursor, encode_id_cursor
from app.api.docs_schemas import AuditQuerySchema, items_of
from app.api.openapi import operation
from app.api.responses import Body
from app.api.validation import query_instant, query_int
from app.audit import list_events
from app.auth.decorators import require
from app.db import transaction

ns = Namespace(
    "audit", path="/admin/audit", description="Audit trail of staff and agent actions (admins)"
)


class EventSchema(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    actor_role = fields.String(metadata={"example": "admin"})
    actor_id = fields.String(allow_none=True)
    action = fields.String(metadata={"example": "float.topup"})
    target_type = fields.String(allow_none=True, metadata={"example": "agent"})
    target_id = fields.String(allow_none=True)
    ip = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    before = fields.Raw(
        allow_none=True,
        metadata={"description": "state before the action (secrets never stored)"},
    )
    after = fields.Raw(allow_none=True, metadata={"description": "state after the action"})
    prev_hash = fields.String()
    hash = fields.String(metadata={"description": "sha256 chaining this event to the previous one"})


_events = EventSchema(many=True)

FILTERS = ("actor_id", "action", "target_type", "target_id")


EventPageSchema = items_of(EventSchema)


@ns.route("")
class AuditEvents(Resource):
    @operation("listAuditEvents", query=AuditQuerySchema, response=EventPageSchema)
    @ns.doc(
        params={
            "actor_id": "who acted",
            "action": "e.g. float.topup, customer.unlock, staff.login",
            "target_type": "e.g. customer, agent, transfer",
            "target_id": "what was acted on",
            "since": "ISO 8601, inclusive",
            "until": "ISO 8601, exclusive",
            "limit": "1-100 (default 20)",
            "cursor": "from next_cursor",
        }
    )
    @ns.response(200, "Events, newest first")
    @require("admin")
    def get(self) -> Body:
        """Audit events matching every filter given, newest first."""
        query: dict[str, Any] = {
            name: request.args[name] for name in FILTERS if request.args.get(name)
        }
        query["since"] = query_instant("since", naive_is_utc=True)
        query["until"] = query_instant("until", naive_is_utc=True)
        query["limit"] = query_int("limit", 20)
        query["before_id"] = decode_id_cursor("audit", request.args.get("cursor"))
        with transaction() as session:
            page = list_events(session, **query)
            items = _events.dump(page.items)
        return {"items": items, "next_cursor": encode_id_cursor("audit", page.next_before_id)}
