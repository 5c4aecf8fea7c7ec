"""The two doors of a payment that waits for its payer's SMS code: confirm, cancel.

A transfer (``/transfers/{id}``) and a remittance (``/remittances/{id}``) are
confirmed and cancelled the same way (``app/transfers/pending.py``), so their
resources are written once here and added to each namespace by
``confirm_and_cancel``: the customer's own payment only, the code counted
against a rate limit, an ``Idempotency-Key``
honoured when sent, the answer the payment as its ``GET`` shows it. Each
namespace gives its own rate limit of the code (its scope, its path id).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from app.api.idempotency import idempotent
from app.api.openapi import SchemaRef, operation
from app.api.validation import load
from app.auth.decorators import require
from app.db import transaction
from app.errors import DomainError, InvalidOtp, OtpAttemptsExceeded, OtpExpired
from app.principal import current_principal

F = TypeVar("F", bound=Callable[..., Any])
# (session, payment id, customer id[, code]) → the payment; (session, payment) → its view
ConfirmPayment = Callable[[Session, str, str, str], Any]
CancelPayment = Callable[[Session, str, str], Any]
DumpPayment = Callable[[Session, Any], dict[str, Any]]


class Confirm(Schema):
    otp = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="Six digits."))


def _summary(text: str) -> Callable[[F], F]:
    """Give the view its Swagger summary (its docstring) before the decorators copy it."""

    def decorate(view: F) -> F:
        view.__doc__ = text
        return view

    return decorate


def _payment_id(ids: dict[str, str]) -> str:
    (payment_id,) = ids.values()  # the route's one parameter: transfer_id, remittance_id
    return payment_id


def confirm_and_cancel(
    ns: Namespace,
    item: str,
    *,
    confirm: ConfirmPayment,
    cancel: CancelPayment,
    dump: DumpPayment,
    limit: Callable[[Callable[..., Any]], Callable[..., Any]],
    confirm_summary: str,
    cancel_summary: str,
    noun: str,
    response: SchemaRef,
    errors: tuple[type[DomainError], ...] = (),
) -> tuple[type[Resource], type[Resource]]:
    """Route ``POST <item>/confirm`` (body ``{"otp"}``) and ``POST <item>/cancel`` in ``ns``;
    ``limit`` is the rate limit of the code (``ratelimit.rate_limit(...)``); ``noun``
    names the operations (``confirmTransfer``, ``cancelTransfer``), ``response`` is the
    schema of the payment, ``errors`` what confirming and cancelling may raise. Returns the
    two resources, which the caller names (a route is declared, not registered as a side
    effect)."""

    @ns.route(f"{item}/confirm")
    class Confirmation(Resource):
        @operation(
            f"confirm{noun}",
            body=Confirm,
            response=response,
            errors=(*errors, InvalidOtp, OtpExpired, OtpAttemptsExceeded),
        )
        @ns.doc(security="bearer")
        @require("customer")
        @limit
        @idempotent(optional=True)
        @_summary(confirm_summary)
        def post(self, **ids: str) -> dict[str, Any]:
            data = load(Confirm())
            with transaction() as session:
                payment = confirm(session, _payment_id(ids), current_principal().id, data["otp"])
                body = dump(session, payment)
            return body

    @ns.route(f"{item}/cancel")
    class Cancellation(Resource):
        @operation(f"cancel{noun}", response=response, errors=errors)
        @ns.doc(security="bearer")
        @require("customer")
        @idempotent(optional=True)
        @_summary(cancel_summary)
        def post(self, **ids: str) -> dict[str, Any]:
            with transaction() as session:
                payment = cancel(session, _payment_id(ids), current_principal().id)
                body = dump(session, payment)
            return body

    return Confirmation, Cancellation
