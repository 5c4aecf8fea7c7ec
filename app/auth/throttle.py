"""Per-number limits the domain enforces, whatever the address the request came from.

Over USSD the gateway vouches for the caller's number and every request of a
carrier arrives from the gateway's few addresses, so a limit per address means
nothing there. What a PIN guesser cannot change is the number they dial from
(or target): ``take_pin_screen`` lets one number submit at most
``USSD_PIN_SCREENS`` PIN screens (default ``"10/15 minutes"``, a moving
window), then refuses with ``PinScreensExceeded`` (``rate_limited``) naming the
minutes to wait, which the channel shows on an ``END`` screen. The PIN
lockout (``customers.service``) still applies underneath: this only slows a
number that keeps typing PINs, locked or not, across sessions.

The counters live in the rate-limit storage (``limits``): Redis when
``REDIS_URL`` is set (shared by every web node), process memory otherwise (the
embedded mode). They are taken before the PIN is checked and outside the
database transaction, so a refusal or a rollback never gives a PIN back. If
Redis cannot be reached the screen goes through (logged): an outage of Redis
must not lock every customer out, and the PIN lockout still holds.
"""

from __future__ import annotations

import logging
import math
import time

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import Session

from app.db import Runtime, runtime_of
from app.errors import RateLimited
from app.ops.metrics import USSD_PIN_THROTTLED

log = logging.getLogger(__name__)

SERVICE_NAME = "throttle"
NAMESPACE = "postcash-throttle"


class PinScreensExceeded(RateLimited):
    """This number submitted too many PIN screens in the window; ``minutes`` to wait."""


class Throttle:
    """Moving-window counters in the rate-limit storage, keyed by scope and subject."""

    def __init__(self, storage_uri: str) -> None:
        self.storage = storage_from_string(storage_uri)
        self.limiter = MovingWindowRateLimiter(self.storage)

    def take(self, limits: str, scope: str, key: str) -> int | None:
        """Count one; None if allowed, else the seconds until the window frees a slot."""
        for item in parse_many(limits):
            if not self.limiter.hit(item, NAMESPACE, scope, key):
                reset = self.limiter.get_window_stats(item, NAMESPACE, scope, key).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None

    def reset(self) -> None:
        self.storage.reset()


def build_throttle(redis_url: str | None) -> Throttle:
    return Throttle(redis_url or "memory://")


def throttle_of(runtime: Runtime) -> Throttle:
    throttle = runtime.services.get(SERVICE_NAME)
    if throttle is None:
        throttle = runtime.services.setdefault(
            SERVICE_NAME, build_throttle(runtime.config.REDIS_URL)
        )
    return throttle


def take_pin_screen(session: Session, msisdn: str) -> None:
    """Count a PIN screen submitted from ``msisdn``; ``PinScreensExceeded`` past the limit."""
    runtime = runtime_of(session)
    try:
        wait = throttle_of(runtime).take(runtime.config.USSD_PIN_SCREENS, "ussd-pin", msisdn)
    except Exception as exc:  # storage down: the PIN lockout still applies
        log.error("throttle storage unavailable: %s", exc.__class__.__name__)
        return
    if wait is None:
        return
    USSD_PIN_THROTTLED.inc()
    log.warning("ussd: a number passed %s PIN screens", runtime.config.USSD_PIN_SCREENS)
    raise PinScreensExceeded(
        "Too many PIN screens from this number; try again later.",
        limit="pin_screens",
        retry_after=wait,
        minutes=max(1, math.ceil(wait / 60)),
    )
