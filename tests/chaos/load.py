"""A load of mixed money operations, driven over HTTP like real clients drive it.

Each *flow* is one customer-visible operation made of keyed requests: a P2P
transfer (create, OTP by SMS, confirm) or one abandoned before its OTP, a
cash-in, a withdrawal and its cash-out, a cash remittance and its payout, a
wallet remittance (create, OTP, confirm) and its payout. A client retries a
request with the *same* Idempotency-Key on a dropped connection, a timeout, a
502/503/504 or a 409 ``request_in_progress``, with backoff, until a deadline,
as API.md tells clients to. Codes arrive by SMS, read from the fake provider.

Amounts differ per flow (1 000 + the flow's number), so every SMS of a flow is
told apart by its amount. What each flow's final answers say (fees included)
gives the balance every wallet must end with; ``verify`` compares.
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from app.money import format_amount
from app.notify.gsm import to_gsm7

RETRY_STATUSES = (502, 503, 504)
REQUEST_TIMEOUT = 15
OTP = re.compile(r"code (\d{6})")
REMITTANCE_CODE = re.compile(r"retrait (\d{10})")


@dataclass
class Call:
    """One keyed request, every attempt at it, and the answer that settled it."""

    method: str
    path: str
    body: dict[str, Any] | None
    headers: dict[str, str]
    key: str | None
    attempts: list[str] = field(default_factory=list)
    status: int | None = None
    answer: Any = None
    answered_at: float | None = None  # time.monotonic() of the settling answer


@dataclass
class Flow:
    number: int
    kind: str
    calls: list[Call] = field(default_factory=list)
    outcome: str = "pending"  # completed | abandoned | cancelled: <why> | failed: <why>
    effects: dict[str, int] = field(default_factory=dict)  # customer id -> wallet change


@dataclass
class Cast:
    """Who takes part: customers (id, msisdn, headers) and agents (id, headers)."""

    customers: list[dict[str, Any]]
    agents: list[dict[str, Any]]


class Sms:
    """Reads what the fake provider received (``tests/fake_africastalking.py``)."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    def texts_to(self, msisdn: str) -> list[str]:
        return [
            r["form"].get("message", "")
            for r in list(self.provider.requests)
            if r["form"].get("to") == msisdn
        ]

    def wait_code(self, msisdn: str, amount: int, pattern: re.Pattern[str], timeout: float) -> str:
        wanted = to_gsm7(format_amount(amount))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in self.texts_to(msisdn):
                match = pattern.search(text)
                if match and wanted in text:
                    return match.group(1)
            time.sleep(0.2)
        raise TimeoutError(f"no code for {amount} texted in {timeout:.0f} s")

    def duplicates(self) -> list[tuple[str, str, int]]:
        sent = Counter(
            (r["form"].get("to", ""), r["form"].get("message", ""))
            for r in list(self.provider.requests)
        )
        return [(to, text[:60], n) for (to, text), n in sent.items() if n > 1]


class Client:
    def __init__(self, base_url: str, deadline: float = 90.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.deadline = deadline
        self.local = threading.local()
        self.statuses: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.in_flight = 0  # requests sent and not answered yet

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        return session

    def _note(self, what: str) -> None:
        with self.lock:
            self.statuses[what] += 1

    def send(self, call: Call) -> Call:
        """Send until answered for good, with the same key every time."""
        headers = dict(call.headers)
        if call.key is not None:
            headers["Idempotency-Key"] = call.key
        give_up = time.monotonic() + self.deadline
        pause = 0.2
        while True:
            response = self._attempt(call, headers)
            if isinstance(response, str):
                outcome = response
            else:
                outcome = str(response.status_code)
                body = _json(response)
                in_progress = response.status_code == 409 and (body or {}).get("code") == (
                    "request_in_progress"
                )
                if response.status_code not in RETRY_STATUSES and not in_progress:
                    call.attempts.append(outcome)
                    self._note(outcome)
                    call.status, call.answer = response.status_code, body
                    call.answered_at = time.monotonic()
                    return call
                if in_progress:
                    outcome = "409 request_in_progress"
            call.attempts.append(outcome)
            self._note(outcome)
            if time.monotonic() > give_up:
                call.status, call.answer = None, f"gave up after {len(call.attempts)} attempts"
                return call
            time.sleep(pause)
            pause = min(pause * 1.5, 2.0)

    def _attempt(self, call: Call, headers: dict[str, str]) -> requests.Response | str:
        """One try: the response, or the name of the error that stood for one."""
        with self.lock:
            self.in_flight += 1
        try:
            return self._session().request(
                call.method,
                f"{self.base_url}/api/v1{call.path}",
                json=call.body,
                headers=headers,
                timeout=REQUEST_TIMEOUT,
            )
        except requests.RequestException as exc:
            self.local.session = None  # the connection may be dead: start afresh
            return exc.__class__.__name__
        finally:
            with self.lock:
                self.in_flight -= 1

    def replay(self, call: Call) -> tuple[bool, str]:
        """The same request and key again: the first answer must come back, unchanged."""
        headers = {**call.headers, "Idempotency-Key": call.key or ""}
        response = requests.request(
            call.method,
            f"{self.base_url}/api/v1{call.path}",
            json=call.body,
            headers=headers,
            timeout=REQUEST_TIMEOUT,
        )
        same = response.status_code == call.status and _json(response) == call.answer
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        if same and replayed:
            return True, ""
        return (
            False,
            f"{call.method} {call.path}: first {call.status}, replay {response.status_code}",
        )


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:200]


class Load:
    """Runs flows over a thread pool and keeps what happened."""

    KINDS = [
        ("p2p", 30),
        ("p2p_abandoned", 8),
        ("cash_in", 20),
        ("withdrawal", 17),
        ("remittance_cash", 12),
        ("remittance_wallet", 13),
    ]

    def __init__(self, client: Client, sms: Sms, cast: Cast, otp_ttl: float, seed: int = 7) -> None:
        self.client, self.sms, self.cast = client, sms, cast
        self.otp_ttl = otp_ttl
        self.random = random.Random(seed)
        self.flows: list[Flow] = []
        self.done = 0
        self.lock = threading.Lock()

    def plan(self, count: int) -> list[Flow]:
        names = [name for name, _ in self.KINDS]
        weights = [w for _, w in self.KINDS]
        self.flows = [
            Flow(i, kind) for i, kind in enumerate(self.random.choices(names, weights, k=count))
        ]
        return self.flows

    def run(self, concurrency: int) -> None:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(self._run_one, self.flows))

    def progress(self) -> float:
        return self.done / max(len(self.flows), 1)

    def _run_one(self, flow: Flow) -> None:
        rng = random.Random(flow.number)
        try:
            getattr(self, flow.kind)(flow, rng)
        except Exception as exc:  # a flow that cannot finish is a finding, not a crash
            flow.outcome = f"failed: {exc.__class__.__name__}: {exc}"[:300]
        with self.lock:
            self.done += 1

    # --- the flows ----------------------------------------------------------------

    def _call(self, flow: Flow, who: dict[str, Any], path: str, body: dict[str, Any]) -> Call:
        call = Call("POST", path, body, who["headers"], f"chaos-{flow.number}-{uuid.uuid4().hex}")
        flow.calls.append(call)
        return self.client.send(call)

    def _expect(self, call: Call, status: int) -> Any:
        if call.status != status:
            raise AssertionError(f"{call.path}: expected {status}, got {call.status} {call.answer}")
        return call.answer

    def _two_customers(self, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
        a, b = rng.sample(self.cast.customers, 2)
        return a, b

    def _otp(self, flow: Flow, customer: dict[str, Any], amount: int, cancel: str) -> str | None:
        """The OTP, or None if it did not come while valid: then the customer cancels.

        A code stuck with a killed worker or behind a Redis outage comes late or,
        past its validity, never (the SMS is dropped): a money-less annoyance the
        customer gets over by cancelling and starting again.
        """
        try:
            return self.sms.wait_code(customer["msisdn"], amount, OTP, self.otp_ttl)
        except TimeoutError:
            self._expect(self._call(flow, customer, cancel, {}), 200)
            flow.outcome = "cancelled: no OTP while it was valid"
            return None

    def amount(self, flow: Flow) -> int:
        return 1_000 + flow.number

    def p2p(self, flow: Flow, rng: random.Random, abandon: bool = False) -> None:
        sender, receiver = self._two_customers(rng)
        amount = self.amount(flow)
        body = {"type": "p2p", "to": receiver["msisdn"], "amount": amount}
        created = self._expect(self._call(flow, sender, "/transfers", body), 201)
        if abandon:
            flow.outcome = "abandoned"
            return
        otp = self._otp(flow, sender, amount, f"/transfers/{created['id']}/cancel")
        if otp is None:
            return
        path = f"/transfers/{created['id']}/confirm"
        done = self._expect(self._call(flow, sender, path, {"otp": otp}), 200)
        if done["status"] != "completed":
            raise AssertionError(f"transfer {done['status']}")
        flow.effects = {sender["id"]: -(amount + done["fee"]), receiver["id"]: amount}
        flow.outcome = "completed"

    def p2p_abandoned(self, flow: Flow, rng: random.Random) -> None:
        self.p2p(flow, rng, abandon=True)

    def cash_in(self, flow: Flow, rng: random.Random) -> None:
        agent, customer = rng.choice(self.cast.agents), rng.choice(self.cast.customers)
        amount = self.amount(flow)
        body = {"msisdn": customer["msisdn"], "amount": amount}
        self._expect(self._call(flow, agent, "/agent/cash-in", body), 201)
        flow.effects = {customer["id"]: amount}
        flow.outcome = "completed"

    def withdrawal(self, flow: Flow, rng: random.Random) -> None:
        agent, customer = rng.choice(self.cast.agents), rng.choice(self.cast.customers)
        amount = self.amount(flow)
        issued = self._expect(self._call(flow, customer, "/withdrawals", {"amount": amount}), 201)
        body = {"msisdn": customer["msisdn"], "code": issued["code"]}
        paid = self._expect(self._call(flow, agent, "/agent/cash-out", body), 200)
        if paid["status"] != "completed":
            raise AssertionError(f"cash-out {paid['status']}")
        flow.effects = {customer["id"]: -(amount + issued["transfer"]["fee"])}
        flow.outcome = "completed"

    def _pay_out(self, flow: Flow, rng: random.Random, recipient: str, amount: int) -> None:
        code = self.sms.wait_code(recipient, amount, REMITTANCE_CODE, self.client.deadline)
        agent = rng.choice(self.cast.agents)
        body = {"code": code, "recipient_id_type": "passport", "recipient_id_number": "OA1234567"}
        paid = self._expect(self._call(flow, agent, "/agent/remittances/payout", body), 200)
        if paid["status"] != "paid_out":
            raise AssertionError(f"payout {paid['status']}")

    def _recipient(self, flow: Flow) -> dict[str, str]:
        return {
            "name": f"Destinataire {flow.number}",
            "msisdn": f"+24205{5_000_000 + flow.number:07d}",
        }

    def remittance_cash(self, flow: Flow, rng: random.Random) -> None:
        agent = rng.choice(self.cast.agents)
        amount, recipient = self.amount(flow), self._recipient(flow)
        body = {
            "sender": {
                "name": f"Expediteur {flow.number}",
                "msisdn": f"+24204{5_000_000 + flow.number:07d}",
            },
            "recipient": recipient,
            "amount": amount,
        }
        sent = self._expect(self._call(flow, agent, "/agent/remittances", body), 201)
        if sent["status"] != "awaiting_payout":
            raise AssertionError(f"cash send {sent['status']}")
        self._pay_out(flow, rng, recipient["msisdn"], amount)
        flow.outcome = "completed"

    def remittance_wallet(self, flow: Flow, rng: random.Random) -> None:
        sender = rng.choice(self.cast.customers)
        amount, recipient = self.amount(flow), self._recipient(flow)
        body = {"recipient": recipient, "amount": amount}
        created = self._expect(self._call(flow, sender, "/remittances", body), 201)
        otp = self._otp(flow, sender, amount, f"/remittances/{created['id']}/cancel")
        if otp is None:
            return
        path = f"/remittances/{created['id']}/confirm"
        confirmed = self._expect(self._call(flow, sender, path, {"otp": otp}), 200)
        if confirmed["status"] != "awaiting_payout":
            raise AssertionError(f"wallet remittance {confirmed['status']}")
        flow.effects = {sender["id"]: -(amount + confirmed["fee"])}
        self._pay_out(flow, rng, recipient["msisdn"], amount)
        flow.outcome = "completed"
