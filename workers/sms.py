"""SMS jobs: hand one recorded message to the gateway."""

from __future__ import annotations

from app.db import current_runtime
from app.notify.gateways import GatewayUnavailable, gateway_of
from app.notify.service import deliver_message


def deliver(message_id: str) -> None:
    """Send the message if it is still queued; safe to run any number of times.

    When the provider gives no verdict the counted attempt and its reason are
    committed before the error goes back to rq, which retries with backoff.
    """
    runtime = current_runtime()
    gateway = gateway_of(runtime)
    with runtime.unit_of_work() as uow:
        try:
            deliver_message(uow.session, message_id, gateway)
        except GatewayUnavailable:
            uow.commit()
            raise
        uow.commit()
