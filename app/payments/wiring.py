"""Hooking bill and merchant payments into the transfer lifecycle.

Reversals of both are hooked the same way (``payments.reversals``). Called
once by the application factory (``register_domain_hooks``), so every
process (web, worker, ``flask`` commands) completes a ``bill`` or ``merchant``
transfer with its receipt and notifications, whichever channel confirmed it.
Registering twice is harmless.
"""

from __future__ import annotations

from app.payments.bills import on_bill_completed
from app.payments.requests import on_merchant_completed
from app.payments.reversals import on_bill_reversing, on_merchant_reversing
from app.transfers.lifecycle import on_completed, on_reversing


def register() -> None:
    on_completed("bill", on_bill_completed)
    on_completed("merchant", on_merchant_completed)
    on_reversing("bill", on_bill_reversing)
    on_reversing("merchant", on_merchant_reversing)
