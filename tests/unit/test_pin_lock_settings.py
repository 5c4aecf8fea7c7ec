"""PIN lock steps and decay are settings: read from the environment, refused when unusable."""

from __future__ import annotations

import pytest

from app.config import Config


def test_the_default_locks_last_fifteen_minutes_an_hour_a_day_and_decay_in_thirty_days():
    config = Config()
    assert config.PIN_LOCK_DURATIONS == [15 * 60, 3600, 24 * 3600]
    assert config.PIN_LOCK_DECAY == 30 * 24 * 3600


def test_the_steps_and_the_decay_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("PIN_LOCK_DURATIONS", "[300, 7200]")
    monkeypatch.setenv("PIN_LOCK_DECAY", "86400")
    config = Config.from_env()
    assert (config.PIN_LOCK_DURATIONS, config.PIN_LOCK_DECAY) == ([300, 7200], 86400)


def test_no_steps_at_all_means_every_lock_waits_for_an_agent():
    Config(PIN_LOCK_DURATIONS=[]).validate()


@pytest.mark.parametrize("steps", [[0], [-60], [900, "3600"], [1.5], {"first": 900}, 900])
def test_steps_that_are_not_positive_seconds_refuse_to_start(steps):
    with pytest.raises(RuntimeError, match="PIN_LOCK_DURATIONS"):
        Config(PIN_LOCK_DURATIONS=steps).validate()  # type: ignore[arg-type]


def test_a_negative_decay_refuses_to_start():
    with pytest.raises(RuntimeError, match="PIN_LOCK_DECAY"):
        Config(PIN_LOCK_DECAY=-1).validate()
