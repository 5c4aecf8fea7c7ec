"""GET /health tells a load balancer whether this node can serve, and never hangs."""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from tests.conftest import make_config, need_env

ClientFactory = Callable[..., FlaskClient]


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections (the kernel does) and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


@pytest.fixture
def client_for() -> Iterator[ClientFactory]:
    apps = []

    def build(database_url: str, **overrides: object) -> FlaskClient:
        application = create_app(make_config(database_url, **overrides))
        apps.append(application)
        return application.test_client()

    yield build
    for application in apps:
        application.extensions["postcash"].database.dispose()


def test_ok_when_the_database_answers_and_jobs_run_in_process(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "queue": "in-process"}


@pytest.mark.redis
def test_ok_when_the_database_and_redis_answer(client_for, db_url):
    client = client_for(db_url, REDIS_URL=need_env("TEST_REDIS_URL"))
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "queue": "ok"}


def test_degraded_but_serving_when_redis_is_down(client_for, db_url):
    client = client_for(db_url, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "degraded", "database": "ok", "queue": "down"}


def test_503_when_postgresql_is_unreachable(client_for):
    client = client_for(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/postcash")
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json == {"status": "down", "database": "down", "queue": "in-process"}


def test_503_when_the_sqlite_file_cannot_be_opened(client_for, tmp_path: Path):
    client = client_for(f"sqlite:///{tmp_path / 'no-such-dir' / 'postcash.db'}")
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "down"


def test_503_when_the_database_was_never_migrated(client_for, tmp_path: Path):
    client = client_for(f"sqlite:///{tmp_path / 'empty.db'}")
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "down"


def test_503_and_not_degraded_when_both_are_down(client_for):
    client = client_for(
        f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/postcash",
        REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0",
    )
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json == {"status": "down", "database": "down", "queue": "down"}


def test_a_database_that_never_answers_is_reported_down_within_seconds(client_for, silent_server):
    client = client_for(f"postgresql+psycopg://postgres@127.0.0.1:{silent_server}/postcash")
    started = time.monotonic()
    response = client.get("/health")
    assert response.status_code == 503
    assert time.monotonic() - started < 5


def test_a_redis_that_never_answers_is_reported_down_within_seconds(
    client_for, sqlite_template, tmp_path, silent_server
):
    database = tmp_path / "postcash.db"
    shutil.copy(sqlite_template, database)
    client = client_for(f"sqlite:///{database}", REDIS_URL=f"redis://127.0.0.1:{silent_server}/0")
    started = time.monotonic()
    response = client.get("/health")
    assert response.json == {"status": "degraded", "database": "ok", "queue": "down"}
    assert time.monotonic() - started < 5
