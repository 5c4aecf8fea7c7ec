"""Running one outbox row (``workers.outbox.run``): whatever goes wrong, the row says so."""

from __future__ import annotations

import pytest

from app.db import jobs, transaction
from app.db.jobs import OutboxJob


def test_a_job_no_code_answers_to_is_recorded_failed_not_left_pending(runtime, monkeypatch):
    from workers import outbox

    monkeypatch.setattr(runtime.queue, "runner", lambda _outbox_id: None)  # run it here
    with transaction(runtime) as session:
        outbox_id = jobs.enqueue(session, "workers.no_such_module.run")
    with pytest.raises(ModuleNotFoundError):
        outbox.run(outbox_id, runtime)
    with transaction(runtime) as session:
        row = session.get(OutboxJob, outbox_id)
        assert (row.status, row.attempts) == ("failed", 1)  # no rq retry left in-process
        assert row.last_error.startswith("ModuleNotFoundError")
