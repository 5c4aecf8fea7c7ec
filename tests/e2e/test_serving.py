"""Production serving: gunicorn with gunicorn.conf.py, several workers, one set of metrics."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import request
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.config import BASE_DIR
from tests.conftest import make_config

BOOT_DEADLINE = 60  # seconds for a cold gunicorn start on a loaded CI machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base + path, headers={"Connection": "close"}, timeout=10)

    def wait_until_serving(self, workers: int, exclude: Collection[int] = ()) -> int:
        """Poll until the workers are up; returns how many /health answers that took."""
        deadline = time.monotonic() + BOOT_DEADLINE
        answered = 0
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            fresh = [pid for pid in self.workers() if pid not in exclude]
            if len(fresh) >= workers:
                try:
                    self.get("/health")
                    return answered + 1
                except requests.ConnectionError:
                    pass
            time.sleep(0.1)  # polling a subprocess that boots, not waiting on app time
        raise AssertionError("gunicorn did not start:\n" + self.log.read_text())


@pytest.fixture
def server(sqlite_template: Path, tmp_path: Path) -> Iterator[Server]:
    database = tmp_path / "postcash.db"
    shutil.copy(sqlite_template, database)
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"sqlite:///{database}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    yield Server(process, f"http://127.0.0.1:{port}", log)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def health_requests_counted(server: Server) -> float:
    text = server.get("/metrics").text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "postcash_http_requests_total"
        and s.labels == {"method": "GET", "route": "/health", "status": "200"}
    )


def test_gunicorn_serves_with_the_configured_workers(server):
    server.wait_until_serving(workers=2)
    assert len(server.workers()) == 2
    response = server.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_metrics_add_up_across_workers_including_killed_ones(server):
    served = server.wait_until_serving(workers=2)
    for _ in range(6):
        assert server.get("/health").status_code == 200
    served += 6
    killed = set(server.workers())
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    served += server.wait_until_serving(workers=2, exclude=killed)
    for _ in range(4):
        assert server.get("/health").status_code == 200
    served += 4
    assert health_requests_counted(server) == served


def client_address_seen_by(app, **headers: str) -> str:  # type: ignore[no-untyped-def]
    app.add_url_rule("/whoami", "whoami", lambda: {"ip": request.remote_addr})
    return app.test_client().get("/whoami", headers=headers).json["ip"]


def test_behind_a_trusted_load_balancer_the_client_address_is_forwarded(db_url):
    app = create_app(make_config(db_url, TRUSTED_PROXIES=1))
    try:
        seen = client_address_seen_by(app, **{"X-Forwarded-For": "41.202.1.10"})
    finally:
        app.extensions["postcash"].database.dispose()
    assert seen == "41.202.1.10"


def test_without_trusted_proxies_a_forwarded_address_is_ignored(app):
    assert client_address_seen_by(app, **{"X-Forwarded-For": "41.202.1.10"}) == "127.0.0.1"
