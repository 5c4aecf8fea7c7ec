"""Jobs of bulk disbursements: paying a batch, texting receipts, resuming stalled batches."""

from __future__ import annotations

import logging
import time

from app.db import current_runtime, jobs, transaction
from app.disbursements import processing
from app.disbursements.batches import PROCESS_JOB, stalled_batch_ids
from app.disbursements.notifications import notify_lines

log = logging.getLogger(__name__)

# A job pays for about this long, then queues its own continuation: no job runs
# into rq's timeout, and other jobs get the worker in between.
SLICE_SECONDS = 120.0
# A processing batch without progress for this long lost its worker.
STALLED_AFTER = 600


def process_batch(batch_id: str, slice_seconds: float = SLICE_SECONDS) -> int:
    """Pay the batch chunk by chunk (one transaction each); the number of chunks done.

    Approval queues ``DISBURSEMENT_JOBS`` copies of this job: each worker running one
    claims the next lines no other holds (``processing.claim_lines``), so the copies
    pay the batch side by side and no line twice; the last one done completes it.
    """
    rt = current_runtime()
    started = time.monotonic()
    chunks = 0
    while True:
        with transaction(rt) as session:
            more = processing.process_chunk(session, batch_id)
        chunks += 1
        if not more:
            return chunks
        if time.monotonic() - started > slice_seconds:
            with transaction(rt) as session:
                jobs.enqueue(session, PROCESS_JOB, batch_id=batch_id)
            log.info("batch %s continues in a new job after %d chunk(s)", batch_id, chunks)
            return chunks


def notify(batch_id: str, first_line: int, last_line: int) -> int:
    """Text the receipts of one paid chunk."""
    with transaction(current_runtime()) as session:
        return notify_lines(session, batch_id, first_line, last_line)


def resume_stalled() -> int:
    """Queue again every batch whose worker died (no progress for ``STALLED_AFTER``)."""
    rt = current_runtime()
    with transaction(rt) as session:
        ids = stalled_batch_ids(session, STALLED_AFTER)
        for batch_id in ids:
            for _ in range(max(1, rt.config.DISBURSEMENT_JOBS)):
                jobs.enqueue(session, PROCESS_JOB, batch_id=batch_id)
    if ids:
        log.warning("resuming %d stalled batch(es)", len(ids))
    return len(ids)
