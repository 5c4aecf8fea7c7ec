"""The sweep registry: what the worker enqueues, how often, under which job id."""

import pytest

from workers.schedule import SWEEPS, register_sweep, sweep_job_id


def test_the_outbox_drain_and_the_idempotency_purge_are_registered():
    assert SWEEPS["outbox-drain"] == ("workers.outbox.drain", 15)
    assert SWEEPS["idempotency-purge"] == ("workers.idempotency.purge", 3600)


def test_one_job_id_per_sweep_and_period():
    assert sweep_job_id("default", "outbox-drain", 60, 7_200.0) == "default-sweep-outbox-drain-120"
    assert sweep_job_id("default", "outbox-drain", 60, 7_259.9) == "default-sweep-outbox-drain-120"
    assert sweep_job_id("default", "outbox-drain", 60, 7_260.0) == "default-sweep-outbox-drain-121"


def test_a_sweep_must_be_a_job_of_the_workers_package():
    with pytest.raises(ValueError, match="workers/"):
        register_sweep("evil", "os.system", 60)


def test_a_sweep_needs_a_positive_period():
    with pytest.raises(ValueError, match="positive"):
        register_sweep("never", "workers.outbox.drain", 0)


def test_a_sweep_name_must_fit_in_an_rq_job_id():
    with pytest.raises(ValueError, match="letters"):
        register_sweep("a sweep:name", "workers.outbox.drain", 60)
    assert "a sweep:name" not in SWEEPS
