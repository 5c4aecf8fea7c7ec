"""Statements per operation, measured in-process beside the HTTP figures.

The HTTP benches time requests served by gunicorn in other processes, where the
statements they send cannot be counted. So, on the same database and with the
same settings as the server (``bench.ussd.environment``), the bench builds the
application once more in its own process and plays a few operations through
Flask's test client inside ``app.db.statements.count_statements``: every
statement the request sends (the ORM's, the ledger's on the driver's cursor,
the pool's pre-ping) from the first byte to the answer, after-commit work
included. With jobs on rq that work is only the hand-over to Redis; with jobs
in-process it is the jobs themselves, and the count says so (``jobs``).

The figure printed is the median over the operations played (the first of
each kind warms caches and is not counted).
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from app.db.statements import StatementCount, count_statements


@dataclass
class PerOperation:
    """Statement counts of each operation played, by operation name."""

    counts: dict[str, list[StatementCount]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, counted: StatementCount) -> None:
        self.counts[name].append(counted)

    def median(self, name: str) -> float:
        totals = [c.total for c in self.counts.get(name, [])]
        return statistics.median(totals) if totals else float("nan")

    def example(self, name: str) -> str:
        """The breakdown of the operation whose total is the median (for a footnote)."""
        found = self.counts.get(name, [])
        if not found:
            return "-"
        middle = self.median(name)
        return min(found, key=lambda c: abs(c.total - middle)).summary()


@contextmanager
def bench_app(url: str, redis: str) -> Iterator[Any]:
    """The application as the bench's gunicorn runs it, built in this process."""
    from app import create_app
    from app.config import Config
    from bench.ussd import PIN_PEPPERS, PIN_SCREENS_CEILING, SECRET

    config = Config.from_env(
        APP_ENV="staging",
        SECRET_KEY=SECRET,
        PIN_PEPPERS=PIN_PEPPERS,  # the server's: the PINs populate() hashed
        DATABASE_URL=url,
        REDIS_URL=redis or None,
        SMS_BACKEND="console",
        LOG_LEVEL="WARNING",
        LOG_JSON=False,
        RATELIMIT_ENABLED=False,
        USSD_PIN_SCREENS=PIN_SCREENS_CEILING,
    )
    app = create_app(config)
    try:
        with app.app_context():
            yield app
    finally:
        app.extensions["postcash"].database.dispose()


def counted(
    app: Any, found: PerOperation, name: str, call: Callable[[], Any], *, keep: bool = True
) -> Any:
    """Run ``call`` (one request) counting its statements under ``name``."""
    engine = app.extensions["postcash"].database.engine
    with count_statements(engine) as count:
        result = call()
    if keep:
        found.add(name, count)
    return result


def p2p(
    url: str, redis: str, sender: str, recipient: str, pin: str, rounds: int = 6
) -> PerOperation:
    """Statements of one ``POST /transfers`` and one ``POST /transfers/{id}/confirm``."""
    from bench.p2p_http import _otp_reader

    found = PerOperation()
    read_otp = _otp_reader(url)
    with bench_app(url, redis) as app:
        client = app.test_client()
        answer = client.post("/api/v1/auth/login", json={"msisdn": sender, "pin": pin})
        auth = {"Authorization": f"Bearer {answer.get_json()['access_token']}"}
        for round_ in range(rounds + 1):
            keep = round_ > 0
            created = counted(
                app,
                found,
                "create",
                lambda: client.post(
                    "/api/v1/transfers",
                    json={"type": "p2p", "to": recipient, "amount": 100},
                    headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                ),
                keep=keep,
            )
            if created.status_code != 201:
                raise RuntimeError(f"create → {created.status_code} {created.get_json()}")
            transfer_id = created.get_json()["id"]
            code = read_otp(transfer_id)
            confirmed = counted(
                app,
                found,
                "confirm",
                lambda path=f"/api/v1/transfers/{transfer_id}/confirm", code=code: client.post(
                    path, json={"otp": code}, headers=auth
                ),
                keep=keep,
            )
            if confirmed.status_code != 200:
                raise RuntimeError(f"confirm → {confirmed.status_code} {confirmed.get_json()}")
    return found


def ussd(
    url: str,
    redis: str,
    sender: str,
    recipient: str,
    pin: str,
    screens: tuple[str, ...],
    rounds: int = 4,
) -> PerOperation:
    """Statements of each screen of the send-money session (``bench.ussd.SCREENS``)."""
    found = PerOperation()
    with bench_app(url, redis) as app:
        client = app.test_client()
        for round_ in range(rounds + 1):
            session_id = f"count-{uuid.uuid4().hex}"
            inputs = ["1", "0" + recipient[5:], "150", "1", pin]
            for step, screen in enumerate(screens):
                form = {
                    "sessionId": session_id,
                    "serviceCode": "*144#",
                    "phoneNumber": sender,
                    "networkCode": "62901",
                    "text": "*".join(inputs[:step]),
                }
                answer = counted(
                    app,
                    found,
                    screen,
                    lambda form=form: client.post("/ussd", data=form),  # type: ignore[misc]
                    keep=round_ > 0,
                )
                text = answer.get_data(as_text=True)
                if not text.startswith("END Envoi" if screen == "send.done" else "CON "):
                    raise RuntimeError(f"{screen}: unexpected screen {text[:60]!r}")
    return found
