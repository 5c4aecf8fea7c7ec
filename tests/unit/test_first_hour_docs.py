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
