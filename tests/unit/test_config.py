"""The application refuses to start with settings unsafe for real money."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from app import create_app
from app.config import BASE_DIR, DEV_PIN_PEPPER, DEV_SECRET_KEY, Config

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql+psycopg://postcash@db.internal:5432/postcash",
    "REDIS_URL": "redis://queue.internal:6379/0",
    "SMS_BACKEND": "africastalking",
    "AT_USERNAME": "postcash",
    "AT_API_KEY": "at-key",
    "GATEWAY_ALLOWED_CIDRS": ["192.0.2.0/24"],
    "GATEWAY_TOKEN": "g" * 40,
    "METRICS_TOKEN": "m" * 32,
    "PIN_PEPPERS": {"1": "p" * 48},
    "PIN_PEPPER_VERSION": "1",
}


def production(**changes: object) -> Config:
    return Config(**{**PRODUCTION, **changes})  # type: ignore[arg-type]


def refusal(config: Config) -> str:
    with pytest.raises(RuntimeError) as excinfo:
        config.validate()
    return str(excinfo.value)


def test_a_complete_production_configuration_is_accepted():
    production().validate()


def test_development_runs_with_its_defaults():
    Config().validate()


@pytest.mark.parametrize("key", [None, "", DEV_SECRET_KEY])
def test_production_needs_a_real_secret_key(key):
    assert "SECRET_KEY must be set" in refusal(production(SECRET_KEY=key))


def test_production_refuses_a_short_secret_key():
    assert "at least 32 characters" in refusal(production(SECRET_KEY="short-but-set"))


def test_staging_needs_a_secret_key_too():
    assert "SECRET_KEY" in refusal(Config(APP_ENV="staging", SECRET_KEY=DEV_SECRET_KEY))


@pytest.mark.parametrize(
    "url", ["sqlite:////srv/postcash.db", "mysql://db/postcash", Config.DATABASE_URL]
)
def test_production_needs_postgresql(url):
    assert "DATABASE_URL must point at PostgreSQL" in refusal(production(DATABASE_URL=url))


def test_production_needs_redis():
    assert "REDIS_URL is required" in refusal(production(REDIS_URL=None))


@pytest.mark.parametrize(
    "changes",
    [
        {"SMS_BACKEND": "console"},
        {"SMS_BACKEND": "recording"},
        {"AT_API_KEY": None},
        {"AT_USERNAME": "sandbox"},
    ],
)
def test_production_needs_real_sms_credentials(changes):
    assert "AT_API_KEY are required" in refusal(production(**changes))


def test_production_refuses_debug():
    assert "debug must be off" in refusal(production(DEBUG=True))


def test_production_refuses_testing_mode():
    assert "TESTING must be off" in refusal(production(TESTING=True))


def test_every_problem_is_named_at_once():
    message = refusal(Config(APP_ENV="production", SECRET_KEY=None, DEBUG=True))  # type: ignore[arg-type]
    for problem in ("SECRET_KEY", "debug", "DATABASE_URL", "REDIS_URL", "AT_API_KEY"):
        assert problem in message


def test_debug_comes_from_flask_debug_in_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert Config.from_env().DEBUG is True


def test_production_from_the_environment_without_settings_is_refused(monkeypatch):
    names = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "AT_API_KEY", "SMS_BACKEND", "PIN_PEPPERS")
    for name in names:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError, match="Refusing to start"):
        create_app()


def test_production_needs_the_gateway_allowlist():
    assert "GATEWAY_ALLOWED_CIDRS" in refusal(production(GATEWAY_ALLOWED_CIDRS=[]))


@pytest.mark.parametrize("token", [None, "", "short-token"])
def test_production_needs_a_long_gateway_token(token):
    assert "GATEWAY_TOKEN of at least 32 characters" in refusal(production(GATEWAY_TOKEN=token))


@pytest.mark.parametrize("cidr", ["192.0.2.0/33", "africastalking.com", "10.0.0.0/8x"])
def test_a_malformed_gateway_network_is_refused_everywhere(cidr):
    assert "not an address or network" in refusal(Config(GATEWAY_ALLOWED_CIDRS=[cidr]))


def test_development_runs_without_gateway_checks():
    Config(GATEWAY_ALLOWED_CIDRS=[], GATEWAY_TOKEN=None).validate()


def test_the_gateway_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("GATEWAY_ALLOWED_CIDRS", "192.0.2.0/24, 2001:db8::/32 10.1.2.3")
    monkeypatch.setenv("GATEWAY_TOKEN", "t" * 40)
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    config = Config.from_env()
    assert config.GATEWAY_ALLOWED_CIDRS == ["192.0.2.0/24", "2001:db8::/32", "10.1.2.3"]
    assert (config.GATEWAY_TOKEN, config.TRUSTED_PROXIES) == ("t" * 40, 1)


@pytest.mark.parametrize(
    "setting", ["RATELIMIT_LOGIN", "RATELIMIT_OTP", "RATELIMIT_PER_IP", "USSD_PIN_SCREENS"]
)
def test_an_unreadable_rate_limit_is_refused(setting):
    assert f"{setting} is not a rate limit" in refusal(Config(**{setting: "many"}))


def test_rate_limits_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("RATELIMIT_PER_IP", "5000/minute")
    monkeypatch.setenv("RATELIMIT_LOGIN", "5/minute")
    config = Config.from_env()
    assert (config.RATELIMIT_PER_IP, config.RATELIMIT_LOGIN) == ("5000/minute", "5/minute")


# -- APP_ENV ----------------------------------------------------------------------------


@pytest.mark.parametrize("env", ["prod", "Production", "dev", "test", "stage", "", "production "])
def test_an_unknown_environment_is_refused_by_name(env):
    message = refusal(production(APP_ENV=env))

    assert "APP_ENV must be one of development, testing, staging, production" in message
    assert repr(env) in message


@pytest.mark.parametrize(
    "config",
    [
        Config(),
        Config(APP_ENV="testing", TESTING=True),
        Config(APP_ENV="staging", SECRET_KEY="s" * 32, PIN_PEPPERS={"1": "p" * 32}),
        production(),
    ],
    ids=["development", "testing", "staging", "production"],
)
def test_the_four_known_environments_start(config):
    config.validate()


def test_an_unknown_environment_from_the_environment_does_not_start(monkeypatch):
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    with pytest.raises(RuntimeError, match="APP_ENV must be one of"):
        create_app()


# -- where webhooks may point (SSRF guard) ----------------------------------------------


@pytest.mark.parametrize(
    ("env", "checked"),
    [("development", False), ("testing", False), ("staging", True), ("production", True)],
)
def test_webhook_addresses_are_checked_everywhere_but_a_laptop_and_the_tests(env, checked):
    assert Config(APP_ENV=env).checks_outbound_urls is checked


# -- HTTPS only (HSTS) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "https_only"),
    [("development", False), ("testing", False), ("staging", True), ("production", True)],
)
def test_production_and_staging_are_served_over_https_only(env, https_only):
    assert Config(APP_ENV=env).serves_https_only is https_only


# -- /metrics ---------------------------------------------------------------------------


def test_production_refuses_metrics_open_to_anyone():
    assert "METRICS_TOKEN is required" in refusal(production(METRICS_TOKEN=None))


def test_production_may_turn_metrics_off_instead_of_protecting_them():
    production(METRICS_TOKEN=None, METRICS_ENABLED=False).validate()


def test_metrics_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("METRICS_ENABLED", "off")
    monkeypatch.setenv("METRICS_TOKEN", "scrape-token")

    config = Config.from_env()

    assert config.METRICS_ENABLED is False
    assert config.METRICS_TOKEN == "scrape-token"


# -- API docs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "served"),
    [("development", True), ("testing", True), ("staging", True), ("production", False)],
)
def test_api_docs_are_served_by_default_except_in_production(env, served):
    assert Config(APP_ENV=env).api_docs_enabled is served


@pytest.mark.parametrize(("value", "served"), [("on", True), ("off", False), ("1", True)])
def test_api_docs_follow_api_docs_in_the_environment(monkeypatch, value, served):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("API_DOCS", value)

    assert Config.from_env().api_docs_enabled is served


def test_a_switch_that_is_neither_on_nor_off_does_not_start(monkeypatch):
    monkeypatch.setenv("API_DOCS", "maybe")
    with pytest.raises(RuntimeError, match="API_DOCS must be on or off, not 'maybe'"):
        Config.from_env()


# -- make run ---------------------------------------------------------------------------


def make_run(**variables: str) -> str:
    """The commands ``make run`` would run (``make -n``: nothing is run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "MAKEFLAGS")}
    args = [
        "make",
        "-n",
        "--no-print-directory",
        "run",
        *(f"{k}={v}" for k, v in variables.items()),
    ]
    done = subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def test_make_run_listens_on_this_machine_only_by_default():
    assert "flask run --host 127.0.0.1 --port 5000" in make_run()


def test_make_run_listens_where_host_says():
    assert "flask run --host 0.0.0.0 --port 5000" in make_run(HOST="0.0.0.0")


def test_development_logs_plain_lines(monkeypatch):
    monkeypatch.delenv("LOG_JSON", raising=False)
    monkeypatch.setenv("APP_ENV", "development")
    assert Config.from_env().LOG_JSON is False


@pytest.mark.parametrize("env", ["staging", "production", "testing"])
def test_other_environments_log_json_lines(monkeypatch, env):
    monkeypatch.delenv("LOG_JSON", raising=False)
    monkeypatch.setenv("APP_ENV", env)
    assert Config.from_env().LOG_JSON is True


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("on", True), ("0", False), ("off", False)]
)
def test_log_json_overrides_the_environment_default(monkeypatch, value, expected):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("LOG_JSON", value)
    assert Config.from_env().LOG_JSON is expected


def test_production_refuses_a_short_retired_secret_key():
    assert "SECRET_KEY_PREVIOUS" in refusal(production(SECRET_KEY_PREVIOUS=["short"]))


def test_production_accepts_a_long_retired_secret_key():
    production(SECRET_KEY_PREVIOUS=["r" * 40]).validate()


# -- PIN peppers (docs/PINS.md) ---------------------------------------------------------

SECRET_PEPPER = "a-real-pepper-" + "x" * 40


@pytest.mark.parametrize(
    "peppers", [{}, {"1": DEV_PIN_PEPPER}, {"1": "p" * 48, "0": DEV_PIN_PEPPER}]
)
def test_production_needs_a_real_pin_pepper(peppers):
    assert "PIN_PEPPERS must be set outside development" in refusal(production(PIN_PEPPERS=peppers))


def test_staging_needs_a_pin_pepper_too():
    assert "PIN_PEPPERS must be set" in refusal(Config(APP_ENV="staging", SECRET_KEY="s" * 32))


def test_development_and_the_tests_run_with_the_development_pepper():
    Config().validate()
    Config(APP_ENV="testing", TESTING=True).validate()
    assert Config().PIN_PEPPERS == {"1": DEV_PIN_PEPPER}


def test_production_refuses_a_short_pin_pepper():
    message = refusal(production(PIN_PEPPERS={"1": "p" * 48, "2": "short-but-set"}))
    assert "every PIN_PEPPERS secret must be at least 32 characters" in message
    assert "short-but-set" not in message


def test_the_current_pepper_version_must_be_configured():
    message = refusal(production(PIN_PEPPER_VERSION="2"))
    assert "PIN_PEPPER_VERSION must name one of the versions in PIN_PEPPERS" in message


@pytest.mark.parametrize(
    "peppers",
    [["p" * 48], {"v$1": "p" * 48}, {"1": ""}, {"1": 12345}, {"": "p" * 48}, "p" * 48],
    ids=["list", "dollar", "empty", "number", "no-version", "string"],
)
def test_malformed_pin_peppers_are_refused(peppers):
    assert "PIN_PEPPERS must be a JSON object" in refusal(production(PIN_PEPPERS=peppers))


def test_a_pin_pepper_cannot_be_the_secret_key():
    message = refusal(production(PIN_PEPPERS={"1": "k" * 48}))
    assert "a PIN pepper must not be the SECRET_KEY" in message


def test_pin_peppers_are_read_from_the_environment_as_json(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("PIN_PEPPERS", f'{{"1": "{"o" * 40}", "2": "{SECRET_PEPPER}"}}')
    monkeypatch.setenv("PIN_PEPPER_VERSION", "2")
    config = Config.from_env()
    assert config.PIN_PEPPERS == {"1": "o" * 40, "2": SECRET_PEPPER}
    assert config.PIN_PEPPER_VERSION == "2"


def test_outside_development_the_environment_has_no_default_pepper(monkeypatch):
    monkeypatch.delenv("PIN_PEPPERS", raising=False)
    monkeypatch.setenv("APP_ENV", "staging")
    assert Config.from_env().PIN_PEPPERS == {}


def test_unreadable_pin_peppers_refuse_to_start_without_quoting_them(monkeypatch):
    monkeypatch.setenv("PIN_PEPPERS", f"{{1: {SECRET_PEPPER}}}")
    with pytest.raises(RuntimeError) as refused:
        Config.from_env()
    assert str(refused.value) == "Refusing to start: PIN_PEPPERS is not readable JSON"
    assert refused.value.__suppress_context__


def test_no_refusal_quotes_a_pin_pepper():
    message = refusal(production(PIN_PEPPERS={"1": "tiny-pepper"}, PIN_PEPPER_VERSION="9"))
    assert "PIN_PEPPER" in message
    assert "tiny-pepper" not in message
