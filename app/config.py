"""Configuration, read once from the environment.

Development defaults are safe and runnable on a laptop: an SQLite file under
``instance/``, jobs run in-process after commit, SMS printed to the console.
Outside development the settings that protect money and customers are required
and ``Config.validate`` refuses to start without them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"

DEV_SECRET_KEY = "dev-only-not-secret"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def _env_json(name: str, default: Any) -> Any:
    value = _env(name)
    return json.loads(value) if value is not None else default


DEFAULT_KYC_TIERS: dict[str, dict[str, int]] = {
    "basic": {"balance": 200_000, "single": 100_000, "daily": 200_000, "monthly": 1_000_000},
    "standard": {"balance": 1_000_000, "single": 500_000, "daily": 1_000_000, "monthly": 5_000_000},
    "full": {"balance": 5_000_000, "single": 2_000_000, "daily": 5_000_000, "monthly": 20_000_000},
}

DEFAULT_PIN_LOCKS = (15 * 60, 3600, 24 * 3600)  # seconds: 15 min, 1 h, 24 h, then an agent

# Bands are (upper bound inclusive, fee). An amount above the last band is refused
# by the KYC limits long before it reaches the grid; the last band covers it anyway.
DEFAULT_TARIFFS: dict[str, list[list[int]]] = {
    "p2p": [
        [5_000, 50],
        [20_000, 150],
        [50_000, 300],
        [100_000, 500],
        [500_000, 1_000],
        [2_000_000, 2_500],
        [20_000_000, 5_000],
    ],
    "cashout": [
        [5_000, 100],
        [20_000, 300],
        [50_000, 600],
        [100_000, 1_000],
        [500_000, 2_500],
        [2_000_000, 5_000],
        [20_000_000, 10_000],
    ],
    "cashin": [[20_000_000, 0]],
    "remittance": [
        [5_000, 200],
        [20_000, 500],
        [50_000, 1_000],
        [100_000, 1_500],
        [500_000, 3_000],
        [2_000_000, 7_500],
        [20_000_000, 15_000],
    ],
    "bill": [[20_000_000, 100]],
    "merchant": [[20_000_000, 0]],
}

# Share of the fee (percent) paid to the agent, and a flat amount for fee-free
# operations such as cash-in, paid out of the operator's income.
DEFAULT_COMMISSIONS: dict[str, dict[str, int]] = {
    "cashin": {"percent_of_fee": 0, "percent_of_amount_bp": 20, "max": 1_000},
    "cashout": {"percent_of_fee": 40, "percent_of_amount_bp": 0, "max": 5_000},
    "remittance_send": {"percent_of_fee": 30, "percent_of_amount_bp": 0, "max": 5_000},
    "remittance_payout": {"percent_of_fee": 0, "percent_of_amount_bp": 25, "max": 2_500},
}


@dataclass
class Config:
    APP_ENV: str = "development"
    SECRET_KEY: str = DEV_SECRET_KEY
    DATABASE_URL: str = f"sqlite:///{INSTANCE_DIR / 'postcash.db'}"
    REDIS_URL: str | None = None
    CURRENCY: str = "XAF"
    TIMEZONE: str = "Africa/Brazzaville"
    DEFAULT_REGION: str = "CG"
    ALLOWED_REGIONS: list[str] = field(default_factory=lambda: ["CG"])
    DEFAULT_LANGUAGE: str = "fr"
    DEBUG: bool = False
    TESTING: bool = False
    LOG_LEVEL: str = "INFO"
    LOG_JSON: bool = True

    CUSTOMER_TOKEN_TTL: int = 15 * 60
    AGENT_TOKEN_TTL: int = 8 * 3600
    PIN_MAX_ATTEMPTS: int = 3
    # Wrong PINs lock for these many seconds, one step further at each lock in a row;
    # the lock after the last step lasts until an agent or admin unlocks. A customer
    # not locked for PIN_LOCK_DECAY seconds starts again at the first step.
    PIN_LOCK_DURATIONS: list[int] = field(default_factory=lambda: list(DEFAULT_PIN_LOCKS))
    PIN_LOCK_DECAY: int = 30 * 24 * 3600
    OTP_TTL: int = 5 * 60
    OTP_MAX_ATTEMPTS: int = 3
    OTP_RESEND_COOLDOWN: int = 60
    WITHDRAWAL_TTL: int = 15 * 60
    WITHDRAWAL_MAX_ATTEMPTS: int = 3
    IDEMPOTENCY_TTL: int = 24 * 3600
    KYC_TIERS: dict[str, dict[str, int]] = field(default_factory=lambda: DEFAULT_KYC_TIERS)
    TARIFFS: dict[str, list[list[int]]] = field(default_factory=lambda: DEFAULT_TARIFFS)
    COMMISSIONS: dict[str, dict[str, int]] = field(default_factory=lambda: DEFAULT_COMMISSIONS)

    REMITTANCE_TTL_DAYS: int = 30
    REMITTANCE_REFUND_FEE: bool = False
    REMITTANCE_CASH_ID_THRESHOLD: int = 100_000
    PAYOUT_MAX_MISSES: int = 5
    FX_MARGIN_BP: int = 150
    QUOTE_TTL: int = 15 * 60

    SMS_BACKEND: str = "console"
    SMS_SENDER_ID: str | None = None
    AT_USERNAME: str = "sandbox"
    AT_API_KEY: str | None = None
    SMS_MAX_TX_AMOUNT: int = 25_000
    SMS_MAX_DAILY_AMOUNT: int = 50_000
    SMS_REPLIES_PER_HOUR: int = 10

    USSD_SESSION_TTL: int = 180
    USSD_BILLS_ENABLED: bool = True

    RATELIMIT_ENABLED: bool = True
    RATELIMIT_LOGIN: str = "30/minute;300/hour"
    RATELIMIT_REGISTER: str = "200/hour"
    RATELIMIT_OTP: str = "30/minute"

    MERCHANT_REQUEST_TTL: int = 10 * 60
    MERCHANT_FEE_BP: int = 150  # default merchant fee rate, basis points of the amount
    WEBHOOK_MAX_ATTEMPTS: int = 10  # biller and merchant callbacks, then undeliverable
    WEBHOOK_BACKOFF_SECONDS: int = 30  # first retry delay, doubled at each attempt
    ONCALL_WEBHOOK_URL: str | None = None
    # Reverse proxies (load balancers) in front of the app whose X-Forwarded-For and
    # X-Forwarded-Proto are trusted: the client address audited and rate-limited.
    TRUSTED_PROXIES: int = 0

    @classmethod
    def from_env(cls, **overrides: Any) -> Config:
        """Build the configuration from environment variables, then apply overrides."""
        env = _env("APP_ENV", "development") or "development"
        values: dict[str, Any] = {
            "APP_ENV": env,
            "SECRET_KEY": _env("SECRET_KEY", DEV_SECRET_KEY if env == "development" else None),
            "DATABASE_URL": _env("DATABASE_URL", cls.DATABASE_URL),
            "REDIS_URL": _env("REDIS_URL"),
            "DEBUG": _env("FLASK_DEBUG", "0") == "1",
            "LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
            "LOG_JSON": _env("LOG_JSON", "1") == "1",
            "SMS_BACKEND": _env("SMS_BACKEND", "console"),
            "SMS_SENDER_ID": _env("SMS_SENDER_ID"),
            "AT_USERNAME": _env("AT_USERNAME", "sandbox"),
            "AT_API_KEY": _env("AT_API_KEY"),
            "ONCALL_WEBHOOK_URL": _env("ONCALL_WEBHOOK_URL"),
            "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
            "KYC_TIERS": _env_json("KYC_TIERS", DEFAULT_KYC_TIERS),
            "TARIFFS": _env_json("TARIFFS", DEFAULT_TARIFFS),
            "COMMISSIONS": _env_json("COMMISSIONS", DEFAULT_COMMISSIONS),
            "PIN_LOCK_DURATIONS": _env_json("PIN_LOCK_DURATIONS", list(DEFAULT_PIN_LOCKS)),
            "PIN_LOCK_DECAY": _env_int("PIN_LOCK_DECAY", 30 * 24 * 3600),
            "REMITTANCE_TTL_DAYS": _env_int("REMITTANCE_TTL_DAYS", 30),
            "CUSTOMER_TOKEN_TTL": _env_int("CUSTOMER_TOKEN_TTL", 15 * 60),
            "AGENT_TOKEN_TTL": _env_int("AGENT_TOKEN_TTL", 8 * 3600),
            "SMS_MAX_TX_AMOUNT": _env_int("SMS_MAX_TX_AMOUNT", 25_000),
            "SMS_MAX_DAILY_AMOUNT": _env_int("SMS_MAX_DAILY_AMOUNT", 50_000),
            "SMS_REPLIES_PER_HOUR": _env_int("SMS_REPLIES_PER_HOUR", 10),
            "RATELIMIT_ENABLED": _env("RATELIMIT_ENABLED", "1") == "1",
            "USSD_BILLS_ENABLED": _env("USSD_BILLS_ENABLED", "1") == "1",
        }
        values.update(overrides)
        return cls(**values)

    @property
    def is_development(self) -> bool:
        return self.APP_ENV == "development"

    @property
    def is_production(self) -> bool:
        return self.APP_ENV == "production"

    def validate(self) -> None:
        """Refuse settings that would be unsafe for real money."""
        problems: list[str] = []
        weak_key = not self.SECRET_KEY or self.SECRET_KEY == DEV_SECRET_KEY
        if not self.is_development and not self.TESTING and weak_key:
            problems.append("SECRET_KEY must be set outside development")
        locks = self.PIN_LOCK_DURATIONS
        if not isinstance(locks, list) or not all(type(s) is int and s > 0 for s in locks):
            problems.append("PIN_LOCK_DURATIONS must be a JSON list of positive seconds")
        if type(self.PIN_LOCK_DECAY) is not int or self.PIN_LOCK_DECAY < 0:
            problems.append("PIN_LOCK_DECAY must be a number of seconds")
        if self.is_production:
            if self.DEBUG:
                problems.append("debug must be off in production")
            if not self.DATABASE_URL.startswith("postgresql"):
                problems.append("DATABASE_URL must point at PostgreSQL in production")
            if self.TESTING:
                problems.append("TESTING must be off in production")
            if not weak_key and len(self.SECRET_KEY) < 32:
                problems.append("SECRET_KEY must be at least 32 characters in production")
            if not self.REDIS_URL:
                problems.append("REDIS_URL is required in production")
            if (
                self.SMS_BACKEND != "africastalking"
                or not self.AT_API_KEY
                or self.AT_USERNAME in ("", "sandbox")
            ):
                problems.append(
                    "SMS_BACKEND=africastalking, AT_USERNAME (not sandbox) and AT_API_KEY "
                    "are required in production"
                )
        if problems:
            raise RuntimeError("Refusing to start: " + "; ".join(problems))

    def as_flask_mapping(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}
