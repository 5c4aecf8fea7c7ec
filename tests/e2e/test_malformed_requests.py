"""Hand-written malformed requests on every operation of the OpenAPI document: never a 5xx.

schemathesis (tests/chaos/test_openapi_fuzz.py) generates from the document, which
does not describe most request bodies and never writes a lone surrogate. Here, for
each operation, signed in as the role it is for:

* its body: the fields it takes are learnt from its own ``validation_error``
  (``Unknown field.`` / ``Missing data``), then each field in turn gets each hostile
  value while the others stay plausible, so the value reaches the field's parser
  and, when it passes, the business rules: lone surrogates, NUL and other control
  characters, huge integers (10**30, 2**63), negatives, fractions, NaN, empty
  strings, null, lists and objects;
* whole bodies that are not what it takes: empty, ``null``, a list, broken JSON, a
  number too big for a float, and the wrong content types (text, form, multipart, XML);
* each path parameter and query parameter with the same kind of values, an empty
  path segment (``//``), odd ``Idempotency-Key`` headers, and odd ``Accept``,
  ``X-Fields``, ``X-Request-ID``, ``Authorization`` and ``X-API-Key`` headers.

The test counts the requests it made and says how many and what came back.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import quote

import pytest

from app.db import transaction
from tests import factories
from tests.openapi_support import credentials, operations

pytestmark = pytest.mark.slow

HOSTILE_VALUES: list[Any] = [
    "\ud800",  # a lone surrogate (json.dumps writes it as the escape \ud800)
    "a\u0000b",
    "\x1b[31m\x7f\u0085",
    10**30,
    2**63,
    -1,
    1.5,
    float("nan"),  # json.dumps writes NaN, which Python's parser reads back
    "",
    None,
    [],
    {},
]
# Written into a URL as they are (already percent-encoded where needed).
HOSTILE_IN_URLS = [
    "%00",
    "%ED%A0%80",  # the UTF-8 bytes of a surrogate, percent-encoded
    "%1B%7F",
    str(10**30),
    str(2**63),
    "-1",
    "1.5",
    "NaN",
    "9" * 400,
    "%C2%B2",  # a superscript two: a digit to str.isdigit, not to int
    "%2F..%2F",
    "",
]
RAW_BODIES: list[tuple[str, bytes]] = [
    ("application/json", b""),
    ("application/json", b"null"),
    ("application/json", b"[]"),
    ("application/json", b'"\\ud800"'),
    ("application/json", b'{"amount": 1e999}'),
    ("application/json", b'{"amount": '),
    ("text/plain", b'{"amount": 1000}'),
    ("application/x-www-form-urlencoded", b"amount=1000&to=%00"),
    ("multipart/form-data; boundary=XX", b"--XX\r\nContent-Disposition: form-data"),
    ("application/xml", b"<amount>1000</amount>"),
    ("application/json; charset=bogus", b'{"amount": 1000}'),
    ("application/x-www-form-urlencoded; charset=bogus", b"amount=1000"),
]
ODD_IDEMPOTENCY_KEYS = ["retry\x01", "k" * 300, "\xed\xa0\x80"]
# Headers beside the signed-in ones (each replaces its namesake).
ODD_HEADERS: list[dict[str, str]] = [
    {"Accept": "application/xml"},
    {"Accept": "text/plain;q=1, */*;q=0"},
    {"X-Fields": "{broken"},
    {"X-Request-ID": "\x7f" * 100},
    {"Authorization": "Bearer \xed\xa0\x80"},
    {"X-API-Key": "k" * 5000},
]


def plausible_values(bob: str) -> dict[str, Any]:
    """A value that reads as valid for each body field name the API uses."""
    person = {"name": "Bob Mabiala", "msisdn": bob}
    return {
        "account_holder": "Bob Mabiala",
        "amount": 1_000,
        "biller": "SNE",
        "bill_reference": "12345678",
        "callback_url": "https://shop.example/postcash",
        "category": "water",
        "code": "1234567890",
        "country": "FR",
        "currency": "EUR",
        "display_name": "Boutique",
        "fee_rate": 150,
        "first_name": "Bob",
        "fixed_amount": 1_000,
        "from": "EUR",
        "id_number": "P1234567",
        "id_type": "passport",
        "items": [{**person, "amount": 1_000, "reference": "L-1"}],
        "kyc_tier": "standard",
        "language": "fr",
        "last_name": "Mabiala",
        "msisdn": bob,
        "name": "Bob Mabiala",
        "new_pin": "1357",
        "note": "loyer",
        "old_pin": factories.PIN,
        "otp": "123456",
        "partner_reference": "P-1",
        "password": factories.PASSWORD,
        "payout": "cash",
        "payout_method": "cash",
        "pin": factories.PIN,
        "post_office": "BZV-PP",
        "post_office_code": "BZV-PP",
        "quote_id": "q-1",
        "rate": "655.957",
        "reason": "a test",
        "recipient": person,
        "recipient_id_number": "P1234567",
        "recipient_id_type": "passport",
        "reference": "REF-1",
        "reference_example": "12345678",
        "reference_hint": "8 digits",
        "reference_pattern": "^[0-9]{8}$",
        "send_amount": 1_000,
        "send_currency": "EUR",
        "sender": {"name": "Awa Mabiala", "msisdn": "+33612345678"},
        "tier": "standard",
        "to": bob,
        "totp": "123456",
        "type": "p2p",
        "url": "https://partner.example/postcash",
        "username": "agent",
        "webhook_url": "https://partner.example/postcash",
    }


class Caller:
    """Sends requests as the role of each operation, counting them and their answers."""

    def __init__(self, client: Any, signed_in: dict[str, dict[str, str]]) -> None:
        self.client = client
        self.signed_in = signed_in
        self.sent = 0
        self.statuses: Counter[int] = Counter()
        self.server_errors: list[str] = []

    def send(self, operation, path: str, *, headers=None, **kwargs) -> Any:  # type: ignore[no-untyped-def]
        all_headers = {**self.signed_in[operation.role]}
        if operation.idempotent:
            all_headers["Idempotency-Key"] = factories.key()
        all_headers.update(headers or {})
        response = self.client.open(path, method=operation.method, headers=all_headers, **kwargs)
        self.sent += 1
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            shown = kwargs.get("data", kwargs.get("query_string", ""))
            self.server_errors.append(
                f"{operation.label} {path} {str(shown)[:200]!r} -> {response.status_code}"
            )
        return response

    def send_json(self, operation, body: Any) -> Any:  # type: ignore[no-untyped-def]
        return self.send(
            operation,
            operation.path(),
            data=json.dumps(body),
            content_type="application/json",
        )


def fields_taken(caller: Caller, operation, plausible: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The body fields ``operation`` takes, with plausible values, learnt from its answers."""
    body = dict(plausible)
    for _ in range(3):
        answer = caller.send_json(operation, body).get_json(silent=True) or {}
        errors = answer.get("errors") if answer.get("code") == "validation_error" else None
        if not isinstance(errors, dict):
            break
        unknown = {k for k, v in errors.items() if v == ["Unknown field."]}
        missing = {k for k, v in errors.items() if v == ["Missing data for required field."]}
        if not unknown and not missing - body.keys():
            break
        body = {k: v for k, v in body.items() if k not in unknown}
        body.update({k: "x" for k in missing if k not in body})
    return body if len(body) < len(plausible) else {}


@pytest.fixture
def caller(client, app, runtime):
    with transaction(runtime) as session:
        factories.customer(session, first_name="Bob", msisdn="+242069990001")
    return Caller(client, credentials(app))


def test_no_malformed_request_gets_a_5xx_on_any_operation(client, app, caller, capsys):
    plausible = plausible_values("+242069990001")
    every = operations(client)  # changing the PIN and signing out last

    for operation in every:
        caller.send(operation, operation.path())  # as it is, no body
        for value in HOSTILE_IN_URLS:
            if "{" in operation.template:
                caller.send(operation, operation.path(value))
            for name in operation.query_names():
                caller.send(operation, f"{operation.path()}?{name}={value}")
        if operation.idempotent:
            for key in ODD_IDEMPOTENCY_KEYS:
                caller.send(operation, operation.path(), headers={"Idempotency-Key": key})
        for headers in ODD_HEADERS:
            caller.send(operation, operation.path(), headers=headers)
        if operation.method not in ("POST", "PUT", "PATCH"):
            continue
        for content_type, raw in RAW_BODIES:
            caller.send(operation, operation.path(), data=raw, content_type=content_type)
        body = fields_taken(caller, operation, plausible)
        for field in body:
            for value in HOSTILE_VALUES:
                caller.send_json(operation, {**body, field: value})
                if isinstance(body[field], dict):  # sender, recipient: each nested field too
                    for inner in body[field]:
                        caller.send_json(operation, {**body, field: {**body[field], inner: value}})

    with capsys.disabled():
        print(  # noqa: T201 - the count is the point of the run
            f"\nmalformed requests: {caller.sent} over {len(every)} operations, "
            f"by status {dict(sorted(caller.statuses.items()))}"
        )
    assert len(every) > 50
    assert caller.sent >= 2_000
    assert not caller.server_errors, "\n".join(caller.server_errors)


def test_double_slashes_in_every_operation_path_are_a_problem_404(client, app, caller):
    for operation in operations(client):
        path = operation.path()
        for at in (i for i, c in enumerate(path) if c == "/"):
            response = caller.send(operation, path[:at] + "/" + path[at:])

            assert response.status_code == 404, (operation.label, response.status_code)
            assert response.mimetype == "application/problem+json"


def test_a_url_written_with_raw_bytes_is_refused_cleanly(client, app, caller):
    for operation in operations(client):
        response = caller.send(
            operation,
            operation.path(quote("é")),
            environ_overrides={"QUERY_STRING": "cursor=\xed\xa0\x80&limit=\xff"},
        )

        assert response.status_code < 500, operation.label
