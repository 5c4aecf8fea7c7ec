"""SMS jobs: hand one recorded message to the gateway."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.db import current_runtime, runtime_of
from app.notify.gateways import GatewayUnavailable, gateway_of
from app.notify.service import deliver_message
from workers.outbox import in_job_transaction


@in_job_transaction(commit_on=(GatewayUnavailable,))
def deliver(message_id: str, session: Session | None = None) -> None:
    """Send the message if it is still queued; safe to run any number of times.

    When the provider gives no verdict the counted attempt and its reason are
    committed before the error goes back to rq, which retries with backoff.
    The outbox runs it in the transaction that records the job done
    (``session``): "sent" and "done" commit together, or neither does and the
    retry finds the message still queued. Without a session (a direct call)
    it opens and commits its own.
    """
    if session is not None:
        deliver_message(session, message_id, gateway_of(runtime_of(session)))
        return
    runtime = current_runtime()
    gateway = gateway_of(runtime)
    with runtime.unit_of_work() as uow:
        try:
            deliver_message(uow.session, message_id, gateway)
        except GatewayUnavailable:
            uow.commit()
            raise
        uow.commit()
