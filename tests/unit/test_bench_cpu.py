"""bench.cpu: CPU seconds per group of processes, read from /proc."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench.cpu import CpuMeter, client_url, descendants, process_seconds, summary

linux_only = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc")


@linux_only
def test_a_process_s_cpu_seconds_grow_with_its_work():
    before = process_seconds(os.getpid())
    sum(i * i for i in range(300_000))
    after = process_seconds(os.getpid())
    assert before is not None and after is not None and after >= before


def test_a_gone_process_has_no_seconds():
    assert process_seconds(2**22 + 12345) is None


@linux_only
def test_a_child_is_among_the_descendants():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        assert child.pid in descendants(os.getpid())
    finally:
        child.kill()
        child.wait()


def test_the_split_counts_a_new_process_from_zero():
    meter = CpuMeter("sqlite:///:memory:")
    before = meter.snapshot()
    after = meter.snapshot()
    if before is None or after is None:
        pytest.skip("needs /proc")
    after.server[999_999_999] = 0.5
    split = CpuMeter.split(before, after)
    assert split is not None and split["server"] >= 0.5


def test_the_summary_gives_the_ceiling_on_this_machine_s_cores():
    line = summary({"server": 2.0, "postgres": 1.0, "client": 1.0}, 100)
    cores = os.cpu_count() or 1
    assert "server 20.0 ms, PostgreSQL 10.0 ms, client 10.0 ms (total 40.0 ms)" in line
    assert f"ceiling on {cores} cores ≈ {cores * 25}/s" in line
    assert summary(None, 100) == ""


def test_the_client_s_backends_are_named_on_postgresql_only():
    assert "application_name=bench-client" in client_url("postgresql+psycopg://u@h/db")
    assert client_url("sqlite:///x.db") == "sqlite:///x.db"
