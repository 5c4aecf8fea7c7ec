"""A feature phone for the USSD end-to-end tests: it talks to ``POST /ussd`` only.

``phone.dial()`` opens a session; ``phone.send("1")`` types one input, exactly as
Africa's Talking would forward it (every input of the session joined by ``*``);
``phone.repeat()`` is the gateway retrying the last request. Every answer is
checked for the protocol (200, text/plain UTF-8, ``CON``/``END``, ≤ 182 characters).
"""

from __future__ import annotations

import itertools
from typing import Any

from app import ledger
from app.db import transaction
from app.ledger import chart

_sessions = itertools.count(1)


class Phone:
    def __init__(self, client: Any, msisdn: str) -> None:
        self.client = client
        self.msisdn = msisdn
        self.session_id = ""
        self.inputs: list[str] = []
        self.screen = ""

    def dial(self) -> str:
        self.session_id = f"ATUid_test_{next(_sessions):06d}"
        self.inputs = []
        return self._post()

    def send(self, *inputs: str) -> str:
        """Type each input in turn (one request each); the last screen."""
        for value in inputs:
            self.inputs.append(value)
            self._post()
        return self.screen

    def repeat(self) -> str:
        """The gateway sending the last request again (a timeout on its side)."""
        return self._post()

    def run(self, *inputs: str) -> str:
        """A whole session: dial, then the inputs."""
        self.dial()
        return self.send(*inputs)

    @property
    def text(self) -> str:
        return "*".join(self.inputs)

    @property
    def open(self) -> bool:
        return self.screen.startswith("CON ")

    def _post(self) -> str:
        response = self.client.post(
            "/ussd",
            data={
                "sessionId": self.session_id,
                "serviceCode": "*144#",
                "phoneNumber": self.msisdn,
                "networkCode": "62901",
                "text": self.text,
            },
        )
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        screen = response.get_data(as_text=True)
        assert screen.startswith(("CON ", "END ")), screen
        assert len(screen) <= 182, screen
        self.screen = screen
        return screen


def balance_of(runtime: Any, who: Any) -> int:
    with transaction(runtime) as session:
        return ledger.balance(session, chart.wallet(who.id)).available
