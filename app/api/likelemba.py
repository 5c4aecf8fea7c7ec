"""Likelemba groups: /likelemba for their members (and admins, read only).

Creating a group and answering the invitation move no money: the contributions
are pulled later by the collection job (``workers.likelemba``). Only members see
a group: anyone else, whatever the route, gets 404 ``not_found``.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app.api.cursors import decode_cursor, encode_cursor
from app.api.docs_schemas import PageQuerySchema
from app.api.idempotency import idempotent
from app.api.openapi import operation
from app.api.responses import Body
from app.api.validation import Amount, load, query_int
from app.auth.decorators import require
from app.customers.service import get_customer
from app.db import transaction
from app.errors import AccountFrozen, AccountLocked, InvalidState, LimitExceeded, RecipientNotFound
from app.likelemba import service
from app.likelemba.errors import DebtOutstanding, GroupNotFound
from app.likelemba.models import (
    MAX_CONTRIBUTION,
    MAX_MEMBERS,
    MIN_MEMBERS,
    NAME_MAX_LENGTH,
    PERIODS,
)
from app.principal import current_principal

ns = Namespace("likelemba", path="/likelemba", description="Likelemba (rotating savings groups)")
LISTING = "likelemba"


class CreateGroup(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX_LENGTH))
    contribution = Amount(
        required=True,
        validate=validate.Range(max=MAX_CONTRIBUTION),
        metadata={"description": f"each member's share of a pot, at most {MAX_CONTRIBUTION}"},
    )
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    members = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        required=True,
        validate=validate.Length(min=MIN_MEMBERS, max=MAX_MEMBERS),
        metadata={"description": "phone numbers, the creator first, all different"},
    )


class MemberSchema(Schema):
    msisdn = fields.String()
    name = fields.String(allow_none=True, metadata={"description": "first name and initial"})
    position = fields.Integer(metadata={"description": "turn in the rotation, from 1"})
    accepted = fields.Boolean()
    status = fields.String(metadata={"description": "invited, accepted, declined or left"})
    received_at = fields.AwareDateTime(allow_none=True)
    late = fields.Boolean(metadata={"description": "late with the open cycle's contribution"})


class ContributionSchema(Schema):
    msisdn = fields.String()
    amount = fields.Integer()
    status = fields.String(
        metadata={"description": "pending, late, collected, refunded or cancelled"}
    )
    collected_at = fields.AwareDateTime(allow_none=True)
    late_at = fields.AwareDateTime(allow_none=True)
    shortfall = fields.String(
        allow_none=True, metadata={"description": "why the last pull failed (an error code)"}
    )


class CycleSchema(Schema):
    number = fields.Integer()
    status = fields.String(metadata={"description": "open, paid or cancelled"})
    beneficiary = fields.String(metadata={"description": "the beneficiary's msisdn"})
    due_at = fields.AwareDateTime()
    collected = fields.Integer()
    paid_out_at = fields.AwareDateTime(allow_none=True)
    payout_blocked = fields.String(
        allow_none=True,
        metadata={"description": "why a complete pot waits: balance_limit or account_frozen"},
    )
    contributions = fields.List(fields.Nested(ContributionSchema))


class GroupSchema(Schema):
    id = fields.String()
    name = fields.String()
    status = fields.String(metadata={"description": "forming, active, completed or cancelled"})
    contribution = fields.Integer()
    currency = fields.String()
    period = fields.String()
    pot = fields.Integer(metadata={"description": "what the pot holds now"})
    next_beneficiary = fields.String(allow_none=True)
    late = fields.List(fields.String(), metadata={"description": "msisdns of late members"})
    members = fields.List(fields.Nested(MemberSchema))
    cycles = fields.List(fields.Nested(CycleSchema))
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)


class GroupPageSchema(Schema):
    items = fields.List(fields.Nested(GroupSchema))
    next_cursor = fields.String(allow_none=True)


_group = GroupSchema()


def _dump(session: Any, group: Any) -> dict[str, Any]:
    body: dict[str, Any] = _group.dump(service.group_view(session, group))
    return body


@ns.route("")
class Groups(Resource):
    @operation(
        "createLikelembaGroup",
        body=CreateGroup,
        status=201,
        response=GroupSchema,
        errors=(RecipientNotFound, AccountFrozen, AccountLocked),
    )
    @ns.doc(security="bearer")
    @require("customer")
    @idempotent(optional=True)
    def post(self) -> tuple[Body, int]:
        """Create a group (the creator first in ``members``); the others are invited by SMS."""
        data = load(CreateGroup())
        with transaction() as session:
            creator = get_customer(session, current_principal().id)
            group = service.create_group(session, creator, **data)
            body = _dump(session, group)
        return body, 201

    @operation("listLikelembaGroups", query=PageQuerySchema, response=GroupPageSchema)
    @ns.doc(security="bearer", params={"limit": "1-100 (default 20)", "cursor": "from next_cursor"})
    @require("customer", "admin")
    def get(self) -> Body:
        """My groups, newest first (every group for an admin)."""
        limit = query_int("limit", 20)
        after = decode_cursor(LISTING, request.args.get("cursor") or None)
        principal = current_principal()
        with transaction() as session:
            groups, following = service.list_groups(
                session, role=principal.role, viewer_id=principal.id, limit=limit, after=after
            )
            items = [_dump(session, group) for group in groups]
        return {"items": items, "next_cursor": encode_cursor(LISTING, following)}


@ns.route("/<string:group_id>")
class Group(Resource):
    @operation("getLikelembaGroup", response=GroupSchema, errors=(GroupNotFound,))
    @ns.doc(security="bearer")
    @require("customer", "admin")
    def get(self, group_id: str) -> Body:
        """One group: members, cycles and each member's contributions (members, admins)."""
        principal = current_principal()
        with transaction() as session:
            group = service.get_group(
                session, group_id, role=principal.role, viewer_id=principal.id
            )
            body = _dump(session, group)
        return body


def _answer(action: Any, group_id: str) -> Body:
    with transaction() as session:
        customer = get_customer(session, current_principal().id)
        group = action(session, customer, group_id)
        body = _dump(session, group)
    return body


@ns.route("/<string:group_id>/accept")
class Accept(Resource):
    @operation(
        "acceptLikelembaInvitation",
        response=GroupSchema,
        errors=(GroupNotFound, InvalidState, AccountFrozen, AccountLocked),
    )
    @ns.doc(security="bearer")
    @require("customer")
    @idempotent(optional=True)
    def post(self, group_id: str) -> Body:
        """Join; when everyone has, the group is ``active`` and cycle 1 opens."""
        return _answer(service.accept, group_id)


@ns.route("/<string:group_id>/decline")
class Decline(Resource):
    @operation(
        "declineLikelembaInvitation", response=GroupSchema, errors=(GroupNotFound, InvalidState)
    )
    @ns.doc(security="bearer")
    @require("customer")
    @idempotent(optional=True)
    def post(self, group_id: str) -> Body:
        """Refuse: the group is ``cancelled`` (nothing was collected yet)."""
        return _answer(service.decline, group_id)


@ns.route("/<string:group_id>/leave")
class Leave(Resource):
    @operation(
        "leaveLikelembaGroup",
        response=GroupSchema,
        errors=(GroupNotFound, InvalidState, DebtOutstanding, LimitExceeded),
    )
    @ns.doc(security="bearer")
    @require("customer")
    @idempotent(optional=True)
    def post(self, group_id: str) -> Body:
        """Leave before receiving the pot; the contribution to the open cycle comes back."""
        return _answer(service.leave, group_id)
