"""Every text the back office's network pages and the counter's float page ask for is
in the web catalog, the keys built from a value included."""

import re
from pathlib import Path

import pytest

from app.agents.models import FLOAT_REQUEST_KINDS, FLOAT_REQUEST_STATUSES, STAFF_STATUSES
from app.i18n.web import web_texts
from app.network.models import OFFICE_KINDS, OFFICE_STATUSES, SERVICES, WEEKDAYS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "app" / "templates" / "backoffice" / "network").glob("*.html")),
    ROOT / "app" / "templates" / "counter" / "float.html",
    ROOT / "app" / "web" / "backoffice" / "network.py",
    ROOT / "app" / "web" / "counter" / "float_page.py",
]
USE = re.compile(r"""(?:\b_|page_text|notify)\(\s*["']([a-z_]+\.[a-z_.]+[a-z_])["']""")


def used_keys() -> set[str]:
    return {key for path in SOURCES for key in USE.findall(path.read_text(encoding="utf-8"))}


def test_the_sources_were_read():
    assert len(used_keys()) > 80


@pytest.mark.parametrize("key", sorted(used_keys()))
def test_every_key_used_has_a_french_text(key):
    assert key in web_texts()


def test_every_value_shown_by_its_own_key_has_a_text():
    keys = [
        *(f"bo.network.kind.{k}" for k in OFFICE_KINDS),
        *(f"bo.network.status.{s}" for s in OFFICE_STATUSES),
        *(f"bo.network.service.{s}" for s in SERVICES),
        *(f"bo.network.day.{d}" for d in WEEKDAYS),
        *(f"bo.network.float.kind.{k}" for k in FLOAT_REQUEST_KINDS),
        *(f"bo.network.float.status.{s}" for s in FLOAT_REQUEST_STATUSES),
        *(f"bo.network.staff.status.{s}" for s in STAFF_STATUSES),
        *(f"bo.network.role.{r}" for r in ("agent", "supervisor")),
    ]
    missing = [key for key in keys if key not in web_texts()]
    assert not missing
