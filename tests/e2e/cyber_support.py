"""Helpers of the bill, merchant and disbursement end-to-end tests.

``Receiver`` is a real HTTP server on 127.0.0.1 (a free port) standing in for a
biller's or merchant's callback endpoint: it answers with the statuses it is
scripted with (then 200) and records every request, so a test sees what went
over the wire, signature included.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API = "/api/v1"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        """The X-PostCash-Signature is HMAC-SHA256(secret, "<t>.<body>")."""
        parts = dict(p.split("=", 1) for p in self.headers["X-PostCash-Signature"].split(","))
        expected = hmac.new(
            secret.encode(), f"{parts['t']}.{self.body}".encode(), hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(parts["v1"], expected)


class Receiver:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                with receiver._lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/postcash"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def receiver(*statuses: int) -> Iterator[Receiver]:
    """A callback endpoint answering ``statuses`` in turn, then 200."""
    with Receiver(list(statuses)) as server:
        yield server


def api_key(key: str, idempotency_key: str | None = None) -> dict[str, str]:
    headers = {"X-API-Key": key}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


class Production:
    """The app's settings, except that they say production (for the checks that only
    production makes, such as public webhook addresses)."""

    is_production = True
    checks_outbound_urls = True

    def __init__(self, config: Any) -> None:
        self._config = config

    def __getattr__(self, name: str) -> Any:
        return getattr(self._config, name)
