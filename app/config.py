"""Configuration, read once from the environment.

Development defaults are safe and runnable on a laptop: an SQLite file under
``instance/``, jobs run in-process after commit, SMS printed to the console.
Outside development the settings that protect money and customers are required
and ``Config.validate`` refuses to start without them.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"

DEV_SECRET_KEY = "dev-only-not-secret"
GATEWAY_TOKEN_MIN_LENGTH = 32
# The PIN pepper of a laptop and of the tests: known to all, so refused elsewhere
# (docs/PINS.md). Its version is "1" like a first real pepper's: a database made in
# development does not verify under a real pepper, which is the point.
DEV_PIN_PEPPER = "dev-only-pin-pepper-not-secret"
PIN_PEPPER_MIN_LENGTH = 32
# What a pepper version may be: it is written into every PIN hash ($pcpep$v<version>$…).
PIN_PEPPER_VERSION_PATTERN = re.compile(r"[A-Za-z0-9]{1,16}")


def _is_network(value: object) -> bool:
    try:
        ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return False
    return True


ENVIRONMENTS = ("development", "testing", "staging", "production")
# Where a webhook address may point into our own network (a receiver on the laptop).
LOCAL_ENVIRONMENTS = ("development", "testing")
_SWITCH = {
    **{"1": True, "on": True, "true": True, "yes": True},
    **{"0": False, "off": False, "false": False, "no": False},
}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def _env_optional_int(name: str) -> int | None:
    value = _env(name)
    return int(value) if value else None


def _env_list(name: str) -> list[str]:
    """A list given as words separated by commas or spaces."""
    return [item for item in (_env(name) or "").replace(",", " ").split() if item]


def _env_switch(name: str, default: bool | None) -> bool | None:
    """``on``/``off`` (or 1/0, true/false, yes/no); anything else refuses to start."""
    value = _env(name)
    if value is None:
        return default
    if value.strip().lower() not in _SWITCH:
        raise RuntimeError(f"Refusing to start: {name} must be on or off, not {value!r}")
    return _SWITCH[value.strip().lower()]


def _env_json(name: str, default: Any) -> Any:
    value = _env(name)
    return json.loads(value) if value is not None else default


def _env_secret_json(name: str, default: Any) -> Any:
    """Like ``_env_json`` for a value holding secrets: unreadable JSON refuses to start
    without quoting any of it (no traceback carries the text)."""
    try:
        return _env_json(name, default)
    except ValueError:
        raise RuntimeError(f"Refusing to start: {name} is not readable JSON") from None


DEFAULT_KYC_TIERS: dict[str, dict[str, int]] = {
    "basic": {"balance": 200_000, "single": 100_000, "daily": 200_000, "monthly": 1_000_000},
    "standard": {"balance": 1_000_000, "single": 500_000, "daily": 1_000_000, "monthly": 5_000_000},
    "full": {"balance": 5_000_000, "single": 2_000_000, "daily": 5_000_000, "monthly": 20_000_000},
}

# Postal savings products (app/savings/products.py): annual rate and tax withheld on
# interest in basis points, minimum first deposit and balance cap in XAF; a rate
# change applies from the first fortnight after the day it is decided on.
DEFAULT_SAVINGS_PRODUCTS: dict[str, dict[str, Any]] = {
    "livret": {
        "name": "Livret d'épargne postal",
        "annual_rate_bp": 250,
        "min_opening": 5_000,
        "max_balance": 10_000_000,
        "tax_bp": 1_500,
        "rate_changes": [],
    },
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
    # A letter's price is its amount (MAIL_TARIFF below, all of it to fees:mail): no fee on top.
    "mail": [[20_000_000, 0]],
    "savings": [[20_000_000, 0]],  # to and from a livret d'épargne: free
}

# -- hybrid mail (app/mail) -------------------------------------------------------------
# Price per service: the first page, then each further page (XAF).
DEFAULT_MAIL_TARIFF: dict[str, dict[str, int]] = {
    "ordinary": {"first_page": 250, "next_page": 50},
    "registered": {"first_page": 1_000, "next_page": 50},
    "registered_ar": {"first_page": 1_500, "next_page": 50},
}
# S10 service indicators per service (docs/API.md: RR registered, LA... as configured).
DEFAULT_MAIL_SERVICE_CODES: dict[str, str] = {
    "ordinary": "LA",
    "registered": "RR",
    "registered_ar": "RA",
}
# Print centres and the post offices each serves: code → name, cities, post offices
# (code → name). A paper letter goes to the centre serving its post office.
DEFAULT_MAIL_PRINT_CENTRES: dict[str, dict[str, Any]] = {
    "BZV-CI": {
        "name": "Centre d'impression de Brazzaville",
        "cities": ["Brazzaville"],
        "post_offices": {
            "BZV-CE": "Bureau de poste central de Brazzaville",
            "BZV-PP": "Bureau de poste de Poto-Poto",
            "BZV-OZ": "Bureau de poste de Ouenzé",
            "BZV-BC": "Bureau de poste de Bacongo",
        },
    },
    "PNR-CI": {
        "name": "Centre d'impression de Pointe-Noire",
        "cities": ["Pointe-Noire", "Dolisie"],
        "post_offices": {
            "PNR-CE": "Bureau de poste central de Pointe-Noire",
            "PNR-TP": "Bureau de poste de Tié-Tié",
            "DOL-CE": "Bureau de poste de Dolisie",
        },
    },
}
# -- end hybrid mail ----------------------------------------------------------------------

# Share of the fee (percent) paid to the agent, and a flat amount for fee-free
# operations such as cash-in, paid out of the operator's income.
DEFAULT_COMMISSIONS: dict[str, dict[str, int]] = {
    "cashin": {"percent_of_fee": 0, "percent_of_amount_bp": 20, "max": 1_000},
    "cashout": {"percent_of_fee": 40, "percent_of_amount_bp": 0, "max": 5_000},
    "remittance_send": {"percent_of_fee": 30, "percent_of_amount_bp": 0, "max": 5_000},
    "remittance_payout": {"percent_of_fee": 0, "percent_of_amount_bp": 25, "max": 2_500},
}


RATE_LIMIT_SETTINGS = (
    "USSD_PIN_SCREENS",
    "RATELIMIT_LOGIN",
    "RATELIMIT_REGISTER",
    "RATELIMIT_OTP",
    "RATELIMIT_OTP_ACCOUNT",
    "RATELIMIT_PER_IP",
)


@dataclass
class Config:
    APP_ENV: str = "development"
    SECRET_KEY: str = DEV_SECRET_KEY
    # Retired keys, newest first: what they sealed still opens (docs/DEPLOY.md).
    SECRET_KEY_PREVIOUS: list[str] = field(default_factory=list)
    DATABASE_URL: str = f"sqlite:///{INSTANCE_DIR / 'postcash.db'}"
    REDIS_URL: str | None = None
    CURRENCY: str = "XAF"
    # Printed at the top of counter receipts and end-of-day reports.
    OPERATOR_NAME: str = "Société des Postes et de l'Épargne du Congo"
    SERVICE_NAME: str = "PostCash"
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
    # The counter's web pages (/counter) sign an agent out after this many idle seconds.
    COUNTER_IDLE_TIMEOUT: int = 15 * 60
    BACKOFFICE_IDLE_TIMEOUT: int = 15 * 60
    PORTAL_IDLE_TIMEOUT: int = 15 * 60
    PIN_MAX_ATTEMPTS: int = 3
    STAFF_LOGIN_MAX_FAILURES: int = 5  # in a row, then locked until an admin unlocks
    STAFF_LOGIN_BURST: int = 20  # failures across all staff within the window: alert
    STAFF_LOGIN_BURST_WINDOW: int = 5 * 60
    # Wrong PINs lock for these many seconds, one step further at each lock in a row;
    # the lock after the last step lasts until an agent or admin unlocks. A customer
    # not locked for PIN_LOCK_DECAY seconds starts again at the first step.
    PIN_LOCK_DURATIONS: list[int] = field(default_factory=lambda: list(DEFAULT_PIN_LOCKS))
    PIN_LOCK_DECAY: int = 30 * 24 * 3600
    # Secret peppers of the PIN hashes by version, kept outside the database (the secret
    # store): the current version hashes, every listed one verifies (docs/PINS.md).
    # Required outside development; never logged (repr=False keeps them out of reprs).
    PIN_PEPPERS: dict[str, str] = field(default_factory=lambda: {"1": DEV_PIN_PEPPER}, repr=False)
    PIN_PEPPER_VERSION: str = "1"
    OTP_TTL: int = 5 * 60
    OTP_MAX_ATTEMPTS: int = 3
    OTP_RESEND_COOLDOWN: int = 60
    REGISTRATION_TTL: int = 15 * 60  # an app registration waits this long for its code
    WITHDRAWAL_TTL: int = 15 * 60
    WITHDRAWAL_MAX_ATTEMPTS: int = 3
    IDEMPOTENCY_TTL: int = 24 * 3600
    KYC_TIERS: dict[str, dict[str, int]] = field(default_factory=lambda: DEFAULT_KYC_TIERS)
    TARIFFS: dict[str, list[list[int]]] = field(default_factory=lambda: DEFAULT_TARIFFS)
    COMMISSIONS: dict[str, dict[str, int]] = field(default_factory=lambda: DEFAULT_COMMISSIONS)
    SAVINGS_PRODUCTS: dict[str, dict[str, Any]] = field(
        default_factory=lambda: DEFAULT_SAVINGS_PRODUCTS
    )

    REMITTANCE_TTL_DAYS: int = 30
    # Jobs queued for each approved disbursement batch: that many rq workers pay its
    # chunks side by side (each claims the next unclaimed lines; docs/DEPLOY.md).
    DISBURSEMENT_JOBS: int = 2
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
    # PIN screens one number may submit over USSD per window (app/auth/throttle.py).
    USSD_PIN_SCREENS: str = "10/15 minutes"

    # Who may call the gateway callbacks (/ussd, /sms/inbound, /sms/delivery-reports):
    # source addresses (CIDRs, copied from the aggregator's documentation) and a secret
    # token in the callback URL (?token=) or the X-Gateway-Token header. Both are
    # required in production; unset elsewhere, that check is off (app/gateway_access.py).
    GATEWAY_ALLOWED_CIDRS: list[str] = field(default_factory=list)
    GATEWAY_TOKEN: str | None = None

    # SQLAlchemy's pool per process on PostgreSQL (None: 10 + 20 overflow, for
    # workers, commands and tests). gunicorn.conf.py sets them to its threads
    # (+ 2): a request holds one connection at a time (docs/DEPLOY.md, "Scaling").
    DB_POOL_SIZE: int | None = None
    DB_MAX_OVERFLOW: int | None = None

    # Rate limits (flask-limiter strings) keyed on what is attacked, not on the address:
    # carrier-grade NAT puts thousands of customers behind one (app/api/ratelimit.py).
    RATELIMIT_ENABLED: bool = True
    RATELIMIT_LOGIN: str = "30/minute;300/hour"  # per number, staff username, account
    RATELIMIT_REGISTER: str = "10/hour"  # per number registered
    RATELIMIT_OTP: str = "10/minute"  # per challenge (transfer, remittance, request, code)
    RATELIMIT_OTP_ACCOUNT: str = "30/minute;300/hour"  # codes typed per signed-in account
    RATELIMIT_PER_IP: str = "1000/minute;20000/hour"  # ceiling per client address

    MERCHANT_REQUEST_TTL: int = 10 * 60
    MERCHANT_FEE_BP: int = 150  # default merchant fee rate, basis points of the amount
    WEBHOOK_MAX_ATTEMPTS: int = 10  # biller and merchant callbacks, then undeliverable
    WEBHOOK_BACKOFF_SECONDS: int = 30  # first retry delay, doubled at each attempt
    ONCALL_WEBHOOK_URL: str | None = None
    # Reverse proxies (load balancers) in front of the app whose X-Forwarded-For and
    # X-Forwarded-Proto are trusted: the client address audited and rate-limited.
    TRUSTED_PROXIES: int = 0
    # GET /metrics: off (404), or only with "Authorization: Bearer <METRICS_TOKEN>" when
    # a token is set. Production refuses to start with it on and no token.
    METRICS_ENABLED: bool = True
    METRICS_TOKEN: str | None = None
    # Swagger UI (/api/v1/docs) and /api/v1/swagger.json; None: on, except in production.
    API_DOCS: bool | None = None
    # Sweeps in a thread of the server (development without REDIS_URL); False: never.
    SWEEPS_IN_PROCESS: bool = True

    # -- hybrid mail (app/mail) --
    # Where letter files live (content-addressed); None: instance/mail. Never a folder
    # the web server serves.
    MAIL_STORAGE_DIR: str | None = None
    MAIL_MAX_BYTES: int = 10 * 1024 * 1024
    MAIL_MAX_PAGES: int = 50
    MAIL_COUNTRY: str = "CG"
    MAIL_TARIFF: dict[str, dict[str, int]] = field(default_factory=lambda: DEFAULT_MAIL_TARIFF)
    MAIL_SERVICE_CODES: dict[str, str] = field(
        default_factory=lambda: dict(DEFAULT_MAIL_SERVICE_CODES)
    )
    MAIL_PRINT_CENTRES: dict[str, dict[str, Any]] = field(
        default_factory=lambda: DEFAULT_MAIL_PRINT_CENTRES
    )
    # -- end hybrid mail --

    @classmethod
    def from_env(cls, **overrides: Any) -> Config:
        """Build the configuration from environment variables, then apply overrides."""
        env = _env("APP_ENV", "development") or "development"
        values: dict[str, Any] = {
            "APP_ENV": env,
            "SECRET_KEY": _env("SECRET_KEY", DEV_SECRET_KEY if env == "development" else None),
            "SECRET_KEY_PREVIOUS": _env_list("SECRET_KEY_PREVIOUS"),
            "DATABASE_URL": _env("DATABASE_URL", cls.DATABASE_URL),
            "REDIS_URL": _env("REDIS_URL"),
            "DEBUG": _env("FLASK_DEBUG", "0") == "1",
            "LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
            # Plain lines in development, JSON elsewhere; LOG_JSON=on/off decides.
            "LOG_JSON": bool(_env_switch("LOG_JSON", env != "development")),
            "SMS_BACKEND": _env("SMS_BACKEND", "console"),
            "SMS_SENDER_ID": _env("SMS_SENDER_ID"),
            "AT_USERNAME": _env("AT_USERNAME", "sandbox"),
            "AT_API_KEY": _env("AT_API_KEY"),
            "ONCALL_WEBHOOK_URL": _env("ONCALL_WEBHOOK_URL"),
            "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
            "GATEWAY_ALLOWED_CIDRS": _env_list("GATEWAY_ALLOWED_CIDRS"),
            "GATEWAY_TOKEN": _env("GATEWAY_TOKEN"),
            "USSD_PIN_SCREENS": _env("USSD_PIN_SCREENS", cls.USSD_PIN_SCREENS),
            "KYC_TIERS": _env_json("KYC_TIERS", DEFAULT_KYC_TIERS),
            "TARIFFS": _env_json("TARIFFS", DEFAULT_TARIFFS),
            "COMMISSIONS": _env_json("COMMISSIONS", DEFAULT_COMMISSIONS),
            "SAVINGS_PRODUCTS": _env_json("SAVINGS_PRODUCTS", DEFAULT_SAVINGS_PRODUCTS),
            "PIN_LOCK_DURATIONS": _env_json("PIN_LOCK_DURATIONS", list(DEFAULT_PIN_LOCKS)),
            "PIN_LOCK_DECAY": _env_int("PIN_LOCK_DECAY", 30 * 24 * 3600),
            "PIN_PEPPERS": _env_secret_json(
                "PIN_PEPPERS", {"1": DEV_PIN_PEPPER} if env == "development" else {}
            ),
            "PIN_PEPPER_VERSION": _env("PIN_PEPPER_VERSION", cls.PIN_PEPPER_VERSION),
            "REMITTANCE_TTL_DAYS": _env_int("REMITTANCE_TTL_DAYS", 30),
            "DISBURSEMENT_JOBS": max(1, _env_int("DISBURSEMENT_JOBS", 2)),
            "CUSTOMER_TOKEN_TTL": _env_int("CUSTOMER_TOKEN_TTL", 15 * 60),
            "AGENT_TOKEN_TTL": _env_int("AGENT_TOKEN_TTL", 8 * 3600),
            "COUNTER_IDLE_TIMEOUT": _env_int("COUNTER_IDLE_TIMEOUT", 15 * 60),
            "BACKOFFICE_IDLE_TIMEOUT": _env_int("BACKOFFICE_IDLE_TIMEOUT", 15 * 60),
            "PORTAL_IDLE_TIMEOUT": _env_int("PORTAL_IDLE_TIMEOUT", 15 * 60),
            "SMS_MAX_TX_AMOUNT": _env_int("SMS_MAX_TX_AMOUNT", 25_000),
            "SMS_MAX_DAILY_AMOUNT": _env_int("SMS_MAX_DAILY_AMOUNT", 50_000),
            "SMS_REPLIES_PER_HOUR": _env_int("SMS_REPLIES_PER_HOUR", 10),
            "RATELIMIT_ENABLED": _env("RATELIMIT_ENABLED", "1") == "1",
            "DB_POOL_SIZE": _env_optional_int("DB_POOL_SIZE"),
            "DB_MAX_OVERFLOW": _env_optional_int("DB_MAX_OVERFLOW"),
            "STAFF_LOGIN_MAX_FAILURES": _env_int("STAFF_LOGIN_MAX_FAILURES", 5),
            "STAFF_LOGIN_BURST": _env_int("STAFF_LOGIN_BURST", 20),
            "STAFF_LOGIN_BURST_WINDOW": _env_int("STAFF_LOGIN_BURST_WINDOW", 5 * 60),
            "RATELIMIT_LOGIN": _env("RATELIMIT_LOGIN", cls.RATELIMIT_LOGIN),
            "RATELIMIT_REGISTER": _env("RATELIMIT_REGISTER", cls.RATELIMIT_REGISTER),
            "RATELIMIT_OTP": _env("RATELIMIT_OTP", cls.RATELIMIT_OTP),
            "RATELIMIT_OTP_ACCOUNT": _env("RATELIMIT_OTP_ACCOUNT", cls.RATELIMIT_OTP_ACCOUNT),
            "RATELIMIT_PER_IP": _env("RATELIMIT_PER_IP", cls.RATELIMIT_PER_IP),
            "USSD_BILLS_ENABLED": _env("USSD_BILLS_ENABLED", "1") == "1",
            "METRICS_ENABLED": _env_switch("METRICS_ENABLED", True),
            "METRICS_TOKEN": _env("METRICS_TOKEN"),
            "API_DOCS": _env_switch("API_DOCS", None),
            "SWEEPS_IN_PROCESS": bool(_env_switch("SWEEPS_IN_PROCESS", True)),
            # -- hybrid mail --
            "MAIL_STORAGE_DIR": _env("MAIL_STORAGE_DIR"),
            "MAIL_TARIFF": _env_json("MAIL_TARIFF", DEFAULT_MAIL_TARIFF),
            "MAIL_SERVICE_CODES": _env_json("MAIL_SERVICE_CODES", DEFAULT_MAIL_SERVICE_CODES),
            "MAIL_PRINT_CENTRES": _env_json("MAIL_PRINT_CENTRES", DEFAULT_MAIL_PRINT_CENTRES),
        }
        values.update(overrides)
        return cls(**values)

    @property
    def is_development(self) -> bool:
        return self.APP_ENV == "development"

    @property
    def is_production(self) -> bool:
        return self.APP_ENV == "production"

    @property
    def serves_https_only(self) -> bool:
        """Production and staging are reached over HTTPS only (HSTS)."""
        return self.APP_ENV in ("production", "staging")

    @property
    def checks_outbound_urls(self) -> bool:
        """Whether webhook addresses must reach the public internet only (the SSRF
        guard, ``app/outbound_urls.py``): everywhere but a laptop and the tests."""
        return self.APP_ENV not in LOCAL_ENVIRONMENTS

    @property
    def api_docs_enabled(self) -> bool:
        return self.API_DOCS if self.API_DOCS is not None else not self.is_production

    @property
    def sweeps_in_process(self) -> bool:
        """The server sweeps in a thread: development, not testing, no Redis, not turned off."""
        return (
            self.is_development
            and not self.TESTING
            and not self.REDIS_URL
            and self.SWEEPS_IN_PROCESS
        )

    def validate(self) -> None:
        """Refuse settings that would be unsafe for real money."""
        problems: list[str] = []
        if self.APP_ENV not in ENVIRONMENTS:
            raise RuntimeError(
                f"Refusing to start: APP_ENV must be one of {', '.join(ENVIRONMENTS)}, "
                f"not {self.APP_ENV!r}"
            )
        weak_key = not self.SECRET_KEY or self.SECRET_KEY == DEV_SECRET_KEY
        if not self.is_development and not self.TESTING and weak_key:
            problems.append("SECRET_KEY must be set outside development")
        locks = self.PIN_LOCK_DURATIONS
        if not isinstance(locks, list) or not all(type(s) is int and s > 0 for s in locks):
            problems.append("PIN_LOCK_DURATIONS must be a JSON list of positive seconds")
        if type(self.PIN_LOCK_DECAY) is not int or self.PIN_LOCK_DECAY < 0:
            problems.append("PIN_LOCK_DECAY must be a number of seconds")
        problems += self._pin_pepper_problems()
        if self.is_production:
            if self.DEBUG:
                problems.append("debug must be off in production")
            if not self.DATABASE_URL.startswith("postgresql"):
                problems.append("DATABASE_URL must point at PostgreSQL in production")
            if self.TESTING:
                problems.append("TESTING must be off in production")
            if not weak_key and len(self.SECRET_KEY) < 32:
                problems.append("SECRET_KEY must be at least 32 characters in production")
            if any(len(key) < 32 for key in self.SECRET_KEY_PREVIOUS):
                problems.append("every SECRET_KEY_PREVIOUS key must be at least 32 characters")
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
            if self.METRICS_ENABLED and not self.METRICS_TOKEN:
                problems.append("METRICS_TOKEN is required in production (or METRICS_ENABLED=off)")
            if not self.GATEWAY_ALLOWED_CIDRS:
                problems.append(
                    "GATEWAY_ALLOWED_CIDRS (the USSD/SMS aggregator's addresses) is required "
                    "in production"
                )
            if not self.GATEWAY_TOKEN or len(self.GATEWAY_TOKEN) < GATEWAY_TOKEN_MIN_LENGTH:
                problems.append(
                    f"GATEWAY_TOKEN of at least {GATEWAY_TOKEN_MIN_LENGTH} characters is "
                    "required in production"
                )
        problems += self._unreadable_rate_limits()
        problems += [
            f"GATEWAY_ALLOWED_CIDRS: {cidr!r} is not an address or network (CIDR)"
            for cidr in self.GATEWAY_ALLOWED_CIDRS
            if not _is_network(cidr)
        ]
        if self.TRUSTED_PROXIES < 0:
            problems.append("TRUSTED_PROXIES cannot be negative")
        if problems:
            raise RuntimeError("Refusing to start: " + "; ".join(problems))

    def _pin_pepper_problems(self) -> list[str]:
        """What is wrong with PIN_PEPPERS and PIN_PEPPER_VERSION, never quoting a pepper."""
        peppers = self.PIN_PEPPERS
        well_formed = isinstance(peppers, dict) and all(
            isinstance(version, str)
            and PIN_PEPPER_VERSION_PATTERN.fullmatch(version)
            and isinstance(pepper, str)
            and pepper
            for version, pepper in peppers.items()
        )
        if not well_formed:
            return [
                "PIN_PEPPERS must be a JSON object of versions (letters and digits) to "
                'secrets, such as {"1": "<secret>"}'
            ]
        problems = []
        weak = not peppers or DEV_PIN_PEPPER in peppers.values()
        if not self.is_development and not self.TESTING and weak:
            problems.append("PIN_PEPPERS must be set outside development")
        elif self.PIN_PEPPER_VERSION not in peppers:
            problems.append("PIN_PEPPER_VERSION must name one of the versions in PIN_PEPPERS")
        if self.is_production and any(len(p) < PIN_PEPPER_MIN_LENGTH for p in peppers.values()):
            problems.append(
                f"every PIN_PEPPERS secret must be at least {PIN_PEPPER_MIN_LENGTH} characters "
                "in production"
            )
        if self.SECRET_KEY and self.SECRET_KEY in peppers.values() and not self.is_development:
            problems.append("a PIN pepper must not be the SECRET_KEY")
        return problems

    def _unreadable_rate_limits(self) -> list[str]:
        from limits import parse_many

        problems = []
        for name in RATE_LIMIT_SETTINGS:
            try:
                parse_many(getattr(self, name))
            except ValueError:
                problems.append(f"{name} is not a rate limit such as '30/minute;300/hour'")
        return problems

    def as_flask_mapping(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}
