"""Reading remittances for the people allowed to see them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.otp.models import Challenge
from app.otp.service import otp_view
from app.remittances.errors import RemittanceNotFound
from app.remittances.lifecycle import expire_if_due, is_due
from app.remittances.locks import lock_for_refund
from app.remittances.models import Remittance


def get_remittance(
    session: Session, remittance_id: str, *, role: str, viewer_id: str
) -> Remittance:
    """The remittance for its sender (wallet) or an admin; NotFound for anyone else, so
    ids leak nothing. One past its deadline is expired on the way, as the sweep would."""
    remittance = session.get(Remittance, remittance_id)
    visible = remittance is not None and (
        role == "admin" or (role == "customer" and remittance.sender_customer_id == viewer_id)
    )
    if not visible or remittance is None:
        raise RemittanceNotFound()
    if is_due(remittance):
        remittance = lock_for_refund(session, remittance)
        expire_if_due(session, remittance)
    return remittance


def otp_state(session: Session, remittance: Remittance) -> dict[str, Any] | None:
    """``{expires_at, attempts_left}`` while the remittance awaits its OTP, else None."""
    if remittance.status != "pending_confirmation" or remittance.challenge_id is None:
        return None
    return otp_view(session.get(Challenge, remittance.challenge_id))


def refund_view(remittance: Remittance) -> dict[str, Any] | None:
    """How a cancelled or expired remittance's money went back, once it has:
    ``{method: "wallet"|"cash_pickup"|"funder", amount, reference?}`` (``reference``:
    the cash pickup whose code was texted to the sender). None before, and for
    remittances closed before this was recorded."""
    refund = (remittance.meta or {}).get("refund")
    return dict(refund) if isinstance(refund, dict) else None
