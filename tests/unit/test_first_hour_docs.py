"""What a new user copies from the README and docs/DEMO.md works on a fresh Debian."""

from __future__ import annotations

import re

from app.config import BASE_DIR

README = (BASE_DIR / "README.md").read_text(encoding="utf-8")
DEMO = (BASE_DIR / "docs" / "DEMO.md").read_text(encoding="utf-8")
SIMULATOR = (BASE_DIR / "app" / "ussd" / "templates" / "ussd" / "simulator.html").read_text(
    encoding="utf-8"
)


def test_the_simulator_dials_the_service_code_the_readme_shows():
    simulator_code = re.search(r'id="code" value="([^"]+)"', SIMULATOR)
    assert simulator_code is not None
    assert f"serviceCode={simulator_code.group(1).replace('#', '%23')}" in README


def test_no_command_calls_python_which_debian_does_not_have():
    for text in (README, DEMO):
        assert re.findall(r"(?<![\w/.-])python(?= )", text) == []


def test_make_test_reports_failures_and_errors_not_every_skip():
    import tomllib

    addopts = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"
    ]["addopts"].split()
    assert "-rfE" in addopts
    assert not any(opt.startswith("-r") and ("s" in opt[2:] or "a" in opt[2:]) for opt in addopts)
