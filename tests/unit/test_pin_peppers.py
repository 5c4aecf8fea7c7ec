"""PIN hashes are keyed with a versioned pepper from the configuration (docs/PINS.md).

A hash names its pepper version; every version listed verifies, the current one
hashes; a legacy plain argon2id hash (before the pepper) still verifies and is
outdated, so the next right PIN replaces it. A version no longer listed is refused
loudly, never taken for a wrong PIN. No pepper ever reaches a log line or a repr.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

import pytest
from argon2 import PasswordHasher

from app.auth.hashing import OWASP_MINIMUM, PepperRing, UnknownPepperVersion, hash_secret
from app.config import DEV_PIN_PEPPER, Config
from app.customers.pins import (
    check_pin,
    check_pin_of_nobody,
    hash_pin,
    pepper_ring,
    pin_hash_outdated,
)

PIN = "2580"
OLD = "old-pepper-" + "o" * 32
NEW = "new-pepper-" + "n" * 32


def peppers(current: str = "1", **versions: str) -> Config:
    """A cheap-profile configuration with the given peppers by version (v1, v2 …)."""
    listed = {name.removeprefix("v"): pepper for name, pepper in versions.items()}
    return Config(TESTING=True, PIN_PEPPERS=listed, PIN_PEPPER_VERSION=current)


V1 = peppers("1", v1=OLD)
ROTATED = peppers("2", v1=OLD, v2=NEW)
V1_RETIRED = peppers("2", v2=NEW)


# -- the format -------------------------------------------------------------------------


def test_the_hash_names_its_pepper_version_before_the_argon2id_string():
    stored = hash_pin(PIN, ROTATED)
    assert stored.startswith("$pcpep$v2$argon2id$v=19$")


def test_neither_the_pin_nor_the_pepper_is_in_the_hash():
    stored = hash_pin(PIN, V1)
    assert PIN not in stored and OLD not in stored


def test_the_rest_is_argon2id_of_hmac_sha256_of_the_pin_keyed_with_the_pepper():
    """A standard PHC string: argon2-cffi verifies what OpenSSL made, given the HMAC."""
    phc = hash_pin(PIN, V1).removeprefix("$pcpep$v1")
    keyed = hmac.new(OLD.encode(), PIN.encode(), hashlib.sha256).digest()
    assert PasswordHasher().verify(phc, keyed)


def test_the_same_pin_hashes_differently_each_time():
    assert hash_pin(PIN, V1) != hash_pin(PIN, V1)


def test_the_pepper_is_part_of_the_hash():
    """The same version number with another secret: the database alone is not enough."""
    stored = hash_pin(PIN, peppers("1", v1=OLD))
    assert not check_pin(stored, PIN, peppers("1", v1=NEW))


def test_production_cost_is_owasps_argon2id_minimum():
    assert (OWASP_MINIMUM.memory_kib, OWASP_MINIMUM.iterations, OWASP_MINIMUM.lanes) == (
        19 * 1024,
        2,
        1,
    )
    assert pepper_ring(Config()).cost == OWASP_MINIMUM


def test_a_fresh_hash_is_not_outdated():
    assert not pin_hash_outdated(hash_pin(PIN, ROTATED), ROTATED)


# -- rotation ---------------------------------------------------------------------------


def test_a_hash_of_an_older_pepper_version_still_verifies():
    stored = hash_pin(PIN, V1)
    assert check_pin(stored, PIN, ROTATED)
    assert not check_pin(stored, "2581", ROTATED)


def test_a_hash_of_an_older_pepper_version_is_outdated():
    assert pin_hash_outdated(hash_pin(PIN, V1), ROTATED)


def test_a_hash_of_other_argon2_costs_is_outdated():
    cheap = hash_pin(PIN, V1)
    production = Config(PIN_PEPPERS={"1": OLD}, PIN_PEPPER_VERSION="1")
    assert check_pin(cheap, PIN, production)
    assert pin_hash_outdated(cheap, production)


def test_a_retired_pepper_version_is_refused_not_taken_for_a_wrong_pin():
    stored = hash_pin(PIN, V1)
    with pytest.raises(UnknownPepperVersion) as refused:
        check_pin(stored, PIN, V1_RETIRED)
    assert refused.value.version == "1"
    assert refused.value.code == "internal_error"


def test_a_retired_pepper_version_is_named_in_the_error_log(caplog):
    stored = hash_pin(PIN, V1)
    with caplog.at_level(logging.ERROR), pytest.raises(UnknownPepperVersion):
        check_pin(stored, PIN, V1_RETIRED)
    assert "pepper version '1'" in caplog.text
    assert "PIN_PEPPERS does not list" in caplog.text


def test_a_ring_cannot_hash_with_a_version_it_does_not_hold():
    with pytest.raises(ValueError, match="pepper version '3'"):
        PepperRing("3", {"1": OLD})


# -- legacy hashes (plain argon2id of the PIN, before the pepper) -------------------------


def test_a_legacy_hash_verifies_the_right_pin_only():
    legacy = hash_secret(PIN, fast=True)
    assert check_pin(legacy, PIN, ROTATED)
    assert not check_pin(legacy, "2581", ROTATED)


def test_a_legacy_hash_is_outdated():
    assert pin_hash_outdated(hash_secret(PIN, fast=True), ROTATED)


def test_another_argon2_variant_never_matches():
    argon2i = "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
    assert not check_pin(argon2i, PIN, V1)


# -- nobody ---------------------------------------------------------------------------


def test_the_check_for_an_unknown_number_never_matches():
    assert check_pin_of_nobody(PIN, V1) is False


def test_the_check_for_an_unknown_number_uses_the_current_pepper(monkeypatch):
    seen = []
    original = PepperRing.verify

    def recording(ring, stored, secret):
        seen.append(stored.split("$")[2])
        return original(ring, stored, secret)

    monkeypatch.setattr(PepperRing, "verify", recording)
    check_pin_of_nobody(PIN, ROTATED)
    assert seen == ["v2"]


# -- never logged ---------------------------------------------------------------------


def test_no_pepper_reaches_the_logs(caplog):
    with caplog.at_level(logging.DEBUG):
        check_pin(hash_pin(PIN, V1), PIN, ROTATED)
        check_pin_of_nobody(PIN, ROTATED)
        with pytest.raises(UnknownPepperVersion) as refused:
            check_pin(hash_pin(PIN, V1), PIN, V1_RETIRED)
        logging.getLogger("test").exception("refused", exc_info=refused.value)
    assert caplog.records  # something was logged, and none of it is a pepper
    for pepper in (OLD, NEW):
        assert pepper not in caplog.text


def test_no_pepper_is_in_a_repr():
    for shown in (repr(ROTATED), repr(pepper_ring(ROTATED)), str(pepper_ring(ROTATED))):
        assert OLD not in shown and NEW not in shown


def test_the_development_pepper_is_not_in_a_repr_either():
    assert DEV_PIN_PEPPER not in repr(Config())
