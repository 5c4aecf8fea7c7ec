"""Who may call the gateway callbacks: ``/ussd``, ``/sms/inbound``, ``/sms/delivery-reports``.

These endpoints take the aggregator's word for a phone number (``phoneNumber``,
``from``): whoever can post to them can act as any customer's phone. So the
application itself, not only the load balancer, checks two things before a
callback is read:

* the caller's address is in ``GATEWAY_ALLOWED_CIDRS`` (the aggregator's
  published source ranges, copied by the operator from its documentation);
* the request carries ``GATEWAY_TOKEN``, a long random secret written into the
  callback URL configured at the aggregator (``…/ussd?token=<secret>``), or sent
  in the ``X-Gateway-Token`` header by a gateway that can set headers. It is
  compared in constant time and never logged.

Both are required in production (``Config.validate``); in development and
testing a check whose setting is empty is off, so the USSD simulator and the
tests keep working, and a developer can turn either on to try it.

The address is ``request.remote_addr``: the socket peer, or, when
``TRUSTED_PROXIES`` is N > 0, the address the N-th proxy from us saw
(werkzeug's ``ProxyFix``). A client-supplied ``X-Forwarded-For`` is never
believed beyond those N hops.

A refused caller gets a bare 403 (no body, no hint which check failed); the
refusal is logged with the address masked and counted in
``postcash_gateway_refusals_total``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Response, request

from app.db import current_runtime
from app.ops.metrics import GATEWAY_REFUSALS

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
TOKEN_PARAM = "token"
TOKEN_HEADER = "X-Gateway-Token"


def gateway_only(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Answer 403 to a caller outside the allowlist or without the token."""

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        reason = refusal()
        if reason is not None:
            GATEWAY_REFUSALS.labels(reason=reason).inc()
            log.warning(
                "gateway callback %s refused (%s) from %s",
                request.path,
                reason,
                mask_address(request.remote_addr),
            )
            return Response("", status=403, content_type="text/plain")
        return view(*args, **kwargs)

    return guarded


def refusal() -> str | None:
    """Why this request may not call a gateway callback (``address``, ``token``), or None."""
    config = current_runtime().config
    if config.GATEWAY_ALLOWED_CIDRS and not address_allowed(
        request.remote_addr, config.GATEWAY_ALLOWED_CIDRS
    ):
        return "address"
    if config.GATEWAY_TOKEN and not token_matches(_presented_token(), config.GATEWAY_TOKEN):
        return "token"
    return None


def address_allowed(address: str | None, cidrs: list[str]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def token_matches(presented: str | None, expected: str) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())


def _presented_token() -> str | None:
    return request.headers.get(TOKEN_HEADER) or request.args.get(TOKEN_PARAM)


def mask_address(address: str | None) -> str:
    """'41.202.219.70' → '41.202.219.x'; an IPv6 address keeps its first three groups."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "invalid"
    if isinstance(ip, ipaddress.IPv4Address):
        return ".".join([*str(ip).split(".")[:3], "x"])
    return ":".join([*ip.exploded.split(":")[:3], "x"])
