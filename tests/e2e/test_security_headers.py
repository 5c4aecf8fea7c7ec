"""Security headers on every answer; Swagger UI and the USSD simulator still work under
their Content-Security-Policy; HSTS where the service is reached over HTTPS only."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from flask import Flask

from app import security_headers
from app.config import Config
from tests.openapi_support import API

EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
LOADS_NOTHING = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive → sources."""
    found = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        found[name] = sources
    return found


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


class Page(HTMLParser):
    """What an HTML page loads: script and style sources, inline scripts, handlers."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (tag, url)
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False
        self._script = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [name for name in attributes if name.startswith("on")]
        for name in ("src", "href"):
            if attributes.get(name) and tag in ("script", "link", "img"):
                self.urls.append((tag, attributes[name]))
        if tag == "script" and "src" not in attributes:
            self._in_script, self._script = True, ""

    def handle_data(self, data):
        if self._in_script:
            self._script += data

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script:
            self.inline_scripts.append(self._script)
            self._in_script = False


# -- on every answer --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{API}/fees?type=p2p&amount=5000"),  # JSON
        ("GET", f"{API}/me"),  # problem+json 401
        ("GET", "/nowhere"),  # 404 outside the API
        ("GET", "/health"),
        ("POST", "/ussd"),  # text/plain for the gateway
        ("GET", "/swaggerui/swagger-ui-bundle.js"),  # a static file
    ],
)
def test_every_answer_carries_the_security_headers(client, method, path):
    with client.open(path, method=method) as response:
        for name, value in EVERYWHERE.items():
            assert response.headers.get(name) == value, (path, name)
        assert "Content-Security-Policy" in response.headers


def test_a_json_answer_may_load_nothing(client):
    response = client.get(f"{API}/fees?type=p2p&amount=5000")

    assert response.headers["Content-Security-Policy"] == LOADS_NOTHING


def test_no_hsts_in_the_tests_or_on_a_laptop(client):
    assert "Strict-Transport-Security" not in client.get("/health").headers


class TestStaging:
    @pytest.fixture
    def config_overrides(self):
        return {"APP_ENV": "staging"}

    def test_answers_pin_https_for_a_year_with_subdomains(self, client):
        response = client.get(f"{API}/fees?type=p2p&amount=5000")

        assert response.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        )


def test_production_answers_pin_https_too():
    app = Flask("production")
    security_headers.register(app, Config(APP_ENV="production"))
    app.get("/")(lambda: "ok")

    response = app.test_client().get("/")

    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# -- HTML pages under their policy ------------------------------------------------------


def test_swagger_ui_loads_only_what_its_policy_allows_and_all_of_it_is_served(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    csp = policy(response)

    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert page.handlers == []  # inline handlers would be refused
    (script,) = page.inline_scripts  # the one that starts SwaggerUIBundle
    assert csp["script-src"] == ["'self'", sha256(script)]
    assert "SwaggerUIBundle" in script
    assert {tag for tag, _url in page.urls} == {"script", "link"}
    for _tag, url in page.urls:
        assert url.startswith("/") and not url.startswith("//"), url  # this origin only
        with client.get(url) as loaded:
            assert loaded.status_code == 200, url
    specs = re.search(r'url: "([^"]+)"', script).group(1)
    assert specs == f"{API}/swagger.json"  # fetched from this origin (connect-src 'self')
    assert client.get(specs).status_code == 200
    assert 'validatorUrl: "none"' in script  # no badge from validator.swagger.io


def test_swagger_ui_styles_and_fonts_come_from_this_origin_or_data_uris(client):
    page = Page(client.get(f"{API}/docs").get_data(as_text=True))

    for url in (url for tag, url in page.urls if url.endswith(".css")):
        with client.get(url) as loaded:
            css = loaded.get_data(as_text=True)
        for target in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
            assert target.startswith(("data:", "./", "/")) or "://" not in target, (url, target)
        assert "@import" not in css


class TestUssdSimulator:
    @pytest.fixture
    def config_overrides(self):
        return {"APP_ENV": "development"}

    def test_its_script_runs_under_the_policy_and_talks_to_this_origin(self, client):
        response = client.get("/ussd/simulator")
        assert response.status_code == 200
        page = Page(response.get_data(as_text=True))
        csp = policy(response)

        assert page.handlers == []
        assert page.inline_scripts
        assert csp["script-src"] == ["'self'", *(sha256(s) for s in page.inline_scripts)]
        assert csp["connect-src"] == ["'self'"]
        assert all('fetch("/' in s for s in page.inline_scripts if "fetch(" in s)
        assert "'unsafe-inline'" not in csp["script-src"]

    def test_no_hsts_on_a_laptop(self, client):
        assert "Strict-Transport-Security" not in client.get("/ussd/simulator").headers


def test_a_script_added_to_a_page_is_not_in_its_policy():
    app = Flask("page")
    security_headers.register(app, Config(APP_ENV="testing"))
    app.get("/")(lambda: "<p>hi</p><script>alert(1)</script><script src='/a.js'></script>")

    response = app.test_client().get("/")

    assert policy(response)["script-src"] == ["'self'", sha256("alert(1)")]
    assert sha256("alert(2)") not in response.headers["Content-Security-Policy"]
