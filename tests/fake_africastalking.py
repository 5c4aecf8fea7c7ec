"""A local stand-in for Africa's Talking's SMS endpoint (never the real service in tests).

It answers ``POST /version1/messaging`` like the provider: 201 with
``SMSMessageData.Recipients`` per number, or whatever a test scripted
(an invalid number, a 500). Every request is kept for the test to inspect.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Answer:
    status: int
    body: str
    content_type: str = "application/json"


def recipients_answer(
    number: str,
    status: str = "Success",
    code: int = 101,
    message_id: str = "ATXid_0001",
    cost: str = "XAF 25.0000",
    content_type: str = "application/json",
) -> Answer:
    sent = 1 if code in (100, 101, 102) else 0
    body = {
        "SMSMessageData": {
            "Message": f"Sent to {sent}/1 Total Cost: {cost}",
            "Recipients": [
                {
                    "statusCode": code,
                    "number": number,
                    "status": status,
                    "cost": cost if sent else "0",
                    "messageId": message_id if sent else "None",
                }
            ],
        }
    }
    return Answer(201, json.dumps(body), content_type)


@dataclass
class FakeProvider:
    answers: deque[Answer] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/version1"

    def start(self) -> FakeProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections alive, as the provider does

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.requests.append(
                    {
                        "path": self.path,
                        "form": form,
                        "api_key": self.headers.get("apiKey"),
                        "client_port": self.client_address[1],
                        "at": time.time(),
                    }
                )
                if provider.answers:
                    answer = provider.answers.popleft()
                else:
                    answer = recipients_answer(form.get("to", ""))
                data = answer.body.encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
