"""Outside development and testing a merchant's or biller's callback may only reach the
public internet (SSRF): in staging as in production.

The resolver is replaced in every test: no test looks anything up in DNS.
"""

import socket

import pytest

from app import outbound_urls
from app.config import Config
from app.errors import ValidationFailed
from app.payments import callbacks

PUBLIC = "93.184.216.34"


@pytest.fixture(params=["production", "staging"])
def production(monkeypatch, request):
    """Settings where the guard applies: production, and staging too."""
    config = Config(APP_ENV=request.param)
    monkeypatch.setattr(callbacks, "settings", lambda session: config)
    monkeypatch.setattr(callbacks, "clean_url", lambda session, value: value)
    return config


@pytest.fixture
def dns(monkeypatch):
    """What the (fake) DNS answers, name → addresses; a name it does not know fails."""
    records: dict[str, list[str]] = {}

    def resolve(host):
        if host not in records:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return records[host]

    monkeypatch.setattr(outbound_urls, "resolve", resolve)
    return records


@pytest.mark.parametrize(
    "url",
    [
        "https://2130706433/hook",
        "https://127.1/hook",
        "https://0x7f000001/hook",
        "https://0/hook",
        "https://017700000001/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.5/hook",
        "https://localhost./hook",
    ],
)
def test_a_merchant_callback_url_may_not_point_at_our_own_host(production, dns, url):
    with pytest.raises(ValidationFailed):
        callbacks.clean_callback_url(None, url, "callback_url")


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1"],
        ["10.1.2.3"],
        ["172.16.0.9"],
        ["192.168.1.1"],
        ["100.64.0.1"],  # carrier-grade NAT
        ["169.254.169.254"],  # cloud metadata
        ["fc00::1"],
        ["fe80::1%eth0"],
        ["224.0.0.1"],
        [PUBLIC, "127.0.0.1"],  # one inward address is enough
    ],
)
def test_a_name_that_resolves_inward_is_refused(production, dns, addresses):
    dns["hooks.shop.example"] = addresses

    with pytest.raises(ValidationFailed) as refused:
        callbacks.clean_callback_url(None, "https://hooks.shop.example/cb", "callback_url")
    assert refused.value.extra["errors"] == {"callback_url": ["A public address is required."]}


def test_a_name_that_does_not_resolve_is_refused(production, dns):
    with pytest.raises(ValidationFailed) as refused:
        callbacks.clean_callback_url(None, "https://nowhere.example/cb", "webhook_url")
    assert refused.value.extra["errors"] == {"webhook_url": ["The host name does not resolve."]}


def test_a_name_that_resolves_to_public_addresses_is_accepted(production, dns):
    dns["hooks.shop.example"] = [PUBLIC, "2606:2800:220:1:248:1893:25c8:1946"]

    url = "https://hooks.shop.example/cb"
    assert callbacks.clean_callback_url(None, url, "callback_url") == url


@pytest.mark.parametrize("env", ["development", "testing"])
def test_on_a_laptop_and_in_tests_a_local_receiver_is_allowed_and_nothing_is_resolved(
    monkeypatch, dns, env
):
    monkeypatch.setattr(callbacks, "settings", lambda session: Config(APP_ENV=env))
    monkeypatch.setattr(callbacks, "clean_url", lambda session, value: value)

    url = "http://127.0.0.1:8123/hooks/postcash"
    assert callbacks.clean_callback_url(None, url, "callback_url") == url


def test_a_url_with_a_control_character_is_refused_everywhere(monkeypatch):
    monkeypatch.setattr(callbacks, "settings", lambda session: Config(APP_ENV="development"))

    with pytest.raises(ValidationFailed):
        callbacks.clean_callback_url(None, "https://shop.example/cb\x00", "callback_url")
