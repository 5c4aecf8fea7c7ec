"""Shapes shared by several namespaces: API.md objects out, common bodies in."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from app.otp.service import otp_view
from app.transfers.models import Transfer


class ReasonSchema(Schema):
    """``{reason}``: why an admin changes someone's access (kept on the audit trail)."""

    reason = fields.String(
        required=True,
        validate=validate.Length(min=3, max=200),
        metadata={"example": "Left the Poto-Poto office on 28 Nov"},
    )


class TransferSchema(Schema):
    """API.md's Transfer object (``otp`` is added by ``dump_transfer``)."""

    id = fields.String()
    reference = fields.String()
    type = fields.String()
    status = fields.String()
    amount = fields.Integer()
    fee = fields.Integer()
    currency = fields.String()
    from_ = fields.String(attribute="from_msisdn", data_key="from", allow_none=True)
    to = fields.String(attribute="to_msisdn", allow_none=True)
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)


_transfer_schema = TransferSchema()


def dump_transfer(transfer: Transfer, otp: dict[str, Any] | None = None) -> dict[str, Any]:
    """The transfer, with its OTP state while it awaits confirmation."""
    data: dict[str, Any] = _transfer_schema.dump(transfer)
    data["otp"] = otp if transfer.status == "pending_confirmation" else None
    return data


def dump_transfer_with_otp(session: Session, transfer: Transfer) -> dict[str, Any]:
    """The transfer and the state of its OTP, read from its challenge.

    Only a transfer awaiting its code shows one (``dump_transfer``), so only
    then is the challenge read: a confirmed or cancelled one costs no SELECT."""
    from app.otp.models import Challenge

    if transfer.status != "pending_confirmation" or not transfer.challenge_id:
        return dump_transfer(transfer)
    return dump_transfer(transfer, otp_view(session.get(Challenge, transfer.challenge_id)))
