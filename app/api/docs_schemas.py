"""Response shapes shared by several namespaces, for the published contract.

Schemas that a namespace also uses to dump its answers live next to it (or in
``schemas.py``); these describe answers that are built as plain dicts, so that
``openapi.py`` can document every success with a schema.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from app.api.schemas import TransferSchema


class OtpStateSchema(Schema):
    expires_at = fields.AwareDateTime()
    attempts_left = fields.Integer()


class TransferOutSchema(TransferSchema):
    """API.md's Transfer object, with its OTP state while it awaits confirmation."""

    otp = fields.Nested(OtpStateSchema, allow_none=True)


class WithdrawalOutSchema(Schema):
    transfer = fields.Nested(TransferOutSchema)
    code = fields.String(metadata={"description": "the 6-digit code to show at the counter"})
    expires_at = fields.AwareDateTime(allow_none=True)


class FeeQuoteSchema(Schema):
    type = fields.String()
    amount = fields.Integer()
    fee = fields.Integer()
    total = fields.Integer()


class BalanceOutSchema(Schema):
    available = fields.Integer(metadata={"description": "posted minus reserved"})
    pending = fields.Integer(metadata={"description": "reserved by payments awaiting confirmation"})
    posted = fields.Integer()
    currency = fields.String()


class PageQuerySchema(Schema):
    """``limit`` and ``cursor`` of a paged list."""

    limit = fields.Integer(metadata={"description": "page size (default 20, at most 100)"})
    cursor = fields.String(metadata={"description": "next_cursor of the previous page"})


class ItemsSchema(Schema):
    """A list answer: ``items`` (objects), ``next_cursor`` when paged."""

    items = fields.List(fields.Dict())
    next_cursor = fields.String(allow_none=True)


class TokenSchema(Schema):
    access_token = fields.String()
    expires_in = fields.Integer()
    role = fields.String()
