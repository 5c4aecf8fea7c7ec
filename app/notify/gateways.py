"""Where an SMS leaves the building: Africa's Talking, the console, or a test recorder.

``SMS_BACKEND`` picks one when the application is built; it lives in
``runtime.services["sms_gateway"]``. A gateway answers with a ``SendResult``
when the provider gave a verdict for the recipient (accepted, or refused for
good such as an invalid number) and raises ``GatewayUnavailable`` when it could
not get one (network error, HTTP 5xx, provider hiccup): the rq job then retries.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from app.clock import clock
from app.config import Config
from app.ops.observability import mask_msisdn

if TYPE_CHECKING:
    from app.db import Runtime

log = logging.getLogger(__name__)

SERVICE_NAME = "sms_gateway"


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    message_id: str
    to: str
    text: str  # what the phone shows, code included
    masked_text: str  # the same with any code masked: the only form that may be logged


@dataclass(frozen=True, slots=True)
class SendResult:
    status: str  # "sent" (accepted by the provider) or "failed" (refused for good)
    provider_message_id: str | None = None
    cost: str | None = None
    failure_reason: str | None = None


class GatewayUnavailable(Exception):
    """No verdict from the provider; sending again later may work."""


class SmsGateway(Protocol):
    name: str

    def send(self, sms: OutgoingSms) -> SendResult: ...


@dataclass(frozen=True, slots=True)
class DevOutboxEntry:
    message_id: str
    to: str
    text: str
    at: datetime


class ConsoleGateway:
    """Development: log a masked line and keep the last messages for ``GET /dev/outbox``."""

    name = "console"

    def __init__(self, keep: int = 200) -> None:
        self._outbox: deque[DevOutboxEntry] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def send(self, sms: OutgoingSms) -> SendResult:
        log.info("sms %s (console): %s", sms.message_id, sms.masked_text)
        with self._lock:
            self._outbox.append(DevOutboxEntry(sms.message_id, sms.to, sms.text, clock.now()))
        return SendResult("sent", provider_message_id=f"console-{sms.message_id}")

    def messages(self, to: str | None = None) -> list[DevOutboxEntry]:
        """Newest first; only the development outbox route may show them."""
        with self._lock:
            entries = list(self._outbox)
        return [e for e in reversed(entries) if to is None or e.to == to]


@dataclass
class RecordingGateway:
    """Tests: keep every message, and answer with scripted outcomes when told to.

    Append a ``SendResult`` or an exception to ``outcomes`` and the next send
    returns or raises it instead of succeeding.
    """

    name = "recording"
    sent: list[OutgoingSms] = field(default_factory=list)
    outcomes: deque[SendResult | Exception] = field(default_factory=deque)

    def send(self, sms: OutgoingSms) -> SendResult:
        if self.outcomes:
            outcome = self.outcomes.popleft()
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        self.sent.append(sms)
        return SendResult("sent", provider_message_id=f"rec-{len(self.sent)}", cost="XAF 0")


# Africa's Talking per-recipient status codes that no retry will change.
AT_SENT = {100, 101, 102}  # Processed, Sent, Queued
AT_REFUSED_FOR_GOOD = {
    403,  # InvalidPhoneNumber
    404,  # UnsupportedNumberType
    406,  # UserInBlacklist
    409,  # DoNotDisturbRejection
}


class AfricasTalkingGateway:
    """The official ``africastalking`` SDK, live or sandbox (username ``sandbox``).

    The SDK opens a new HTTPS connection for every message (``requests.post``);
    here it goes through one ``requests.Session`` per thread instead, so a
    worker sending message after message reuses its connection to the provider
    (no TCP and TLS handshake per SMS: most of a send's time against a remote
    provider).

    The SDK's ``SMSService`` is held per gateway rather than through the
    module-level ``africastalking.initialize`` globals, so two applications in
    one process (tests) do not share credentials or endpoints. ``base_url``
    replaces the provider's endpoint (the SDK's ``_baseUrl``) for a local fake.
    """

    name = "africastalking"

    def __init__(
        self,
        username: str,
        api_key: str,
        sender_id: str | None = None,
        base_url: str | None = None,
        timeout: tuple[float, float] = (3.05, 9.05),
    ) -> None:
        self._service = _pooled_sms_service(username, api_key)
        if base_url:
            self._service._baseUrl = base_url.rstrip("/")
        self.sender_id = sender_id
        self.timeout = timeout

    @property
    def base_url(self) -> str:
        return str(self._service._baseUrl)

    def send(self, sms: OutgoingSms) -> SendResult:
        import requests
        from africastalking.Service import AfricasTalkingException

        try:
            answer = self._service.send(
                sms.text, [sms.to], sender_id=self.sender_id, timeout=self.timeout
            )
        except ValueError:  # the SDK's own check of the number, before any request
            return SendResult("failed", failure_reason="InvalidPhoneNumber")
        except AfricasTalkingException as exc:  # any non-2xx answer
            raise GatewayUnavailable(f"provider error: {mask_msisdn(str(exc))[:150]}") from exc
        except requests.RequestException as exc:
            raise GatewayUnavailable(f"provider unreachable: {exc.__class__.__name__}") from exc
        return self._verdict(_as_dict(answer))

    @staticmethod
    def _verdict(answer: dict[str, Any]) -> SendResult:
        data = answer.get("SMSMessageData") or {}
        recipients = data.get("Recipients") or []
        if not recipients:
            reason = mask_msisdn(str(data.get("Message") or "no recipient in answer"))
            raise GatewayUnavailable(f"provider sent nothing: {reason[:150]}")
        recipient = recipients[0]
        status = str(recipient.get("status") or "")
        try:
            code = int(recipient.get("statusCode"))
        except (TypeError, ValueError):
            code = 0
        message_id = recipient.get("messageId")
        provider_id = str(message_id) if message_id and message_id != "None" else None
        cost = str(recipient.get("cost")) if recipient.get("cost") is not None else None
        if code in AT_SENT or status == "Success":
            return SendResult("sent", provider_message_id=provider_id, cost=cost)
        if code in AT_REFUSED_FOR_GOOD:
            return SendResult("failed", provider_id, cost, failure_reason=status or str(code))
        raise GatewayUnavailable(f"provider status {status or '?'} ({code})")


def _pooled_sms_service(username: str, api_key: str) -> Any:
    """The SDK's ``SMSService`` whose POSTs go through a kept-alive session per thread."""
    import requests
    from africastalking.SMS import SMSService

    class PooledSMSService(SMSService):
        _sessions = threading.local()

        # The SDK calls its private ``__make_post_request`` (a static method): same
        # signature and answer, over this thread's session.
        def _Service__make_post_request(
            self,
            url: str,
            headers: dict[str, str],
            data: Any,
            params: Any,
            callback: Any = None,
            timeout: Any = None,
        ) -> Any:
            session = getattr(self._sessions, "session", None)
            if session is None:
                session = self._sessions.session = requests.Session()
            answer = session.post(
                url=url, headers=headers, params=params, data=data, timeout=timeout
            )
            if callback is None or callback == {}:
                return answer
            callback(answer)
            return None

    return PooledSMSService(username, api_key)


def _as_dict(answer: Any) -> dict[str, Any]:
    """The SDK hands back a dict only for a content type of exactly ``application/json``."""
    if isinstance(answer, dict):
        return answer
    try:
        parsed = json.loads(answer)
    except (TypeError, ValueError) as exc:
        raise GatewayUnavailable("provider answer is not JSON") from exc
    if not isinstance(parsed, dict):
        raise GatewayUnavailable("provider answer is not a JSON object")
    return parsed


def build_gateway(config: Config) -> SmsGateway:
    backend = config.SMS_BACKEND
    if backend == "africastalking":
        if not config.AT_API_KEY:
            raise RuntimeError("SMS_BACKEND=africastalking needs AT_API_KEY")
        return AfricasTalkingGateway(config.AT_USERNAME, config.AT_API_KEY, config.SMS_SENDER_ID)
    if backend == "console":
        return ConsoleGateway()
    if backend == "recording":
        return RecordingGateway()
    raise RuntimeError(f"unknown SMS_BACKEND {backend!r}")


def gateway_of(runtime: Runtime) -> SmsGateway:
    return runtime.services[SERVICE_NAME]


def recording_outbox(runtime: Runtime) -> list[tuple[str, str]]:
    """Tests: ``(to, text)`` of every message the recording gateway sent, codes included."""
    gateway = gateway_of(runtime)
    if not isinstance(gateway, RecordingGateway):
        raise RuntimeError("recording_outbox needs SMS_BACKEND=recording")
    return [(sms.to, sms.text) for sms in gateway.sent]
