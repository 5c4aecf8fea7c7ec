"""Africa's Talking's USSD protocol: the request's form fields and the answer's shape.

A request carries ``sessionId``, ``serviceCode``, ``phoneNumber``, ``networkCode``
and ``text``: every input of the session so far joined by ``*`` (empty on the
first request). The answer is plain text: ``CON <screen>`` keeps the session
open for one more input, ``END <screen>`` closes it. A screen holds at most 182
characters; we count the prefix too, so every phone shows the whole screen.

Control characters (C0: NUL, tab, newline…) and lone surrogates are dropped from
the fields as they arrive: no keypad types them, PostgreSQL refuses a NUL in a
text column and UTF-8 cannot encode a surrogate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app.ussd.models import SESSION_ID_MAX

log = logging.getLogger(__name__)

SCREEN_LIMIT = 182
# Far beyond any real session (the longest path is about ten inputs): a bound on
# the work one request may ask for.
MAX_INPUTS = 64
MAX_TEXT = 1_000

CON = "CON"
END = "END"

# C0 and lone surrogates (UTF-8 cannot encode them), removed by str.translate
_CONTROLS = dict.fromkeys([*range(0x20), *range(0xD800, 0xE000)])


@dataclass(frozen=True, slots=True)
class UssdRequest:
    session_id: str
    service_code: str
    phone_number: str
    network_code: str
    text: str

    @classmethod
    def from_form(cls, form: Any) -> UssdRequest:
        def field(name: str) -> str:
            value = form.get(name, "")
            return value.translate(_CONTROLS) if isinstance(value, str) else ""

        return cls(
            session_id=field("sessionId").strip(),
            service_code=field("serviceCode").strip(),
            phone_number=field("phoneNumber").strip(),
            network_code=field("networkCode").strip(),
            text=field("text"),
        )

    @property
    def well_formed(self) -> bool:
        """A session id we can key a row by, a number, and a text of sane size."""
        return (
            0 < len(self.session_id) <= SESSION_ID_MAX
            and self.session_id.isprintable()
            and bool(self.phone_number)
            and len(self.text) <= MAX_TEXT
            and len(self.inputs) <= MAX_INPUTS
        )

    @property
    def inputs(self) -> list[str]:
        """The customer's inputs in order, each stripped of surrounding spaces."""
        if self.text == "":
            return []
        return [part.strip() for part in self.text.split("*")]


@dataclass(frozen=True, slots=True)
class Reply:
    kind: str  # CON or END
    body: str

    @classmethod
    def con(cls, body: str) -> Reply:
        return cls(CON, body)

    @classmethod
    def end(cls, body: str) -> Reply:
        return cls(END, body)

    @classmethod
    def parse(cls, rendered: str) -> Reply:
        kind, _, body = rendered.partition(" ")
        if kind not in (CON, END):
            raise ValueError("not a USSD answer")
        return cls(kind, body)

    @property
    def ends(self) -> bool:
        return self.kind == END

    def render(self) -> str:
        """The answer as sent. Catalog tests keep every screen within the limit; should one
        still overflow (a bug), it is cut rather than sent to a phone that would cut it
        anywhere, and the cut is logged so the bug is found."""
        text = f"{self.kind} {self.body}"
        if len(text) > SCREEN_LIMIT:
            log.error("ussd screen too long (%d characters), cut", len(text))
            text = text[: SCREEN_LIMIT - 1] + "…"
        return text
