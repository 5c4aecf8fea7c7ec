"""The application refuses to start with settings unsafe for real money."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import DEV_SECRET_KEY, Config

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql+psycopg://postcash@db.internal:5432/postcash",
    "REDIS_URL": "redis://queue.internal:6379/0",
    "SMS_BACKEND": "africastalking",
    "AT_USERNAME": "postcash",
    "AT_API_KEY": "at-key",
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
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "AT_API_KEY", "SMS_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError, match="Refusing to start"):
        create_app()
