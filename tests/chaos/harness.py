"""Throw-away servers and processes for the chaos runs: never the shared ones.

* ``PostgresCluster``: its own ``initdb`` in a temporary directory, on its own
  port, restarted or stopped at will (as the ``postgres`` user when run as root).
* ``RedisServer``: its own ``redis-server`` on its own port, no persistence.
* ``Gunicorn``: ``gunicorn.conf.py`` serving ``tests.chaos.chaos_app:app``; its
  worker processes can be killed with SIGKILL (the master starts new ones).
* ``RqWorker``: ``python -m tests.chaos.chaos_worker`` (``python -m workers`` with
  the SMS gateway pointed at the fake provider), killed and started again.
* ``FakeProvider`` (tests/fake_africastalking.py) plays Africa's Talking: every
  SMS the application really hands over is recorded there.

Every process is started by this module, remembered by its pid and stopped by
it; nothing here looks processes up by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.config import BASE_DIR

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SECRET_KEY = "chaos-secret-key-0123456789abcdef-0123456789"
# The PIN pepper every process of a run shares (staging refuses to start without one).
PIN_PEPPERS = {"1": "chaos-pin-pepper-0123456789abcdef-0123456789"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def tools_available() -> str | None:
    """None when every binary a chaos run needs is installed, else what is missing."""
    missing = [str(p) for p in (PG_BIN / "initdb", PG_BIN / "pg_ctl") if not p.exists()]
    missing += [name for name in ("redis-server", "redis-cli") if shutil.which(name) is None]
    return ", ".join(missing) or None


class PostgresCluster:
    """A PostgreSQL cluster of its own: ``initdb`` into a temp dir, served on ``port``."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="postcash-chaos-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(a) for a in args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)

    def init(self) -> PostgresCluster:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync")
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off "
            "-c max_connections=100 -c shared_buffers=32MB"
        )
        (self.root / "options").write_text(options)
        self.start()
        return self

    @property
    def options(self) -> str:
        return (self.root / "options").read_text()

    def start(self) -> None:
        self._run(
            PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-o", self.options, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def restart(self, mode: str = "immediate") -> None:
        """Stop at once (in-flight transactions die with their connections), start again."""
        self.stop(mode)
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class RedisServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="postcash-chaos-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, 10, f"redis on port {self.port}")
        return self

    def answers(self) -> bool:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
        )
        return result.stdout.strip() == "PONG"

    def kill(self) -> None:
        """Gone at once, as a crashed Redis without persistence: its queues are lost."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def app_environment(
    database_url: str, redis_url: str, sms_url: str, **extra: str
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEST_", "PYTEST", "PROMETHEUS_MULTIPROC_DIR", "METRICS_PORT"))
    }
    env.update(
        {
            "APP_ENV": "staging",
            "SECRET_KEY": SECRET_KEY,
            "PIN_PEPPERS": json.dumps(PIN_PEPPERS),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CHAOS_SMS_URL": sms_url,
            "SMS_BACKEND": "console",
            "LOG_LEVEL": "WARNING",
            "LOG_JSON": "1",
            "RATELIMIT_ENABLED": "0",
            "FLASK_APP": "tests.chaos.chaos_app:app",
            "PYTHONPATH": str(BASE_DIR),
        }
    )
    env.update(extra)
    return env


class Process:
    """A child process started here, its output kept in a file."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=BASE_DIR, stdout=handle, stderr=subprocess.STDOUT
        )
        handle.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class Gunicorn(Process):
    def __init__(self, env: dict[str, str], log: Path, workers: int = 2, threads: int = 4) -> None:
        self.port = free_port()
        env = {
            **env,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_TIMEOUT": "30",
        }
        self.workers = workers
        super().__init__(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "tests.chaos.chaos_app:app",
            ],
            env,
            log,
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The master's children: its worker processes."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        with contextlib.suppress(OSError):
            return [int(pid) for pid in children.read_text().split()]
        return []

    def start_and_wait(self) -> None:
        import requests

        self.start()

        def serving() -> bool:
            with contextlib.suppress(requests.RequestException):
                healthy = requests.get(f"{self.base_url}/health", timeout=2).status_code == 200
                return healthy and len(self.worker_pids()) == self.workers
            return False

        wait_until(serving, 60, "gunicorn to serve")

    def kill_a_worker(self, index: int = 0) -> int:
        pids = sorted(self.worker_pids())
        victim = pids[index % len(pids)]
        os.kill(victim, signal.SIGKILL)
        return victim


class RqWorker(Process):
    def __init__(self, env: dict[str, str], log: Path) -> None:
        super().__init__(
            [sys.executable, "-m", "tests.chaos.chaos_worker", "--tick", "1"], env, log
        )


def run_flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def migrate(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    from app.db import make_engine

    cfg = AlembicConfig(str(BASE_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(BASE_DIR / "migrations"))
    engine = make_engine(database_url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    engine.dispose()


def count_lines(path: Path, needle: str) -> int:
    if not path.exists():
        return 0
    return sum(needle in line for line in path.read_text(errors="replace").splitlines())


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def describe(value: Any) -> str:
    return repr(value)[:300]
