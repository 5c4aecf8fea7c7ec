"""Lighthouse (the npm package, pinned) against pages of the served app.

``audit(urls, cookie=...)`` runs Lighthouse's mobile profile (its default: a
mid-range phone, simulated slow 4G, 4x CPU) on each URL with Debian's Chromium
and answers each page's category scores out of 100; the JSON reports are kept
among the browser artefacts, the scores in
``lighthouse-scores.json`` beside them. A signed-in page is audited by passing the
session cookie (``"postcash=…"``): Lighthouse sends it as a header.

Lighthouse is not a Python package: ``make lighthouse`` (and ``.ci/run`` where
npm exists) installs ``lighthouse@12.2.3`` into ``LIGHTHOUSE_DIR`` (default
``~/.cache/postcash-lighthouse``); 13.x wants Node 22.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

from tests.browser.conftest import ARTEFACTS, CHROMIUM

VERSION = "12.2.3"
HOME = Path(
    os.environ.get("LIGHTHOUSE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "postcash-lighthouse"
)
CATEGORIES = ("performance", "accessibility")
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu"


def binary() -> Path | None:
    """The installed ``lighthouse`` command, or None."""
    path = HOME / "node_modules" / ".bin" / "lighthouse"
    return path if os.access(path, os.X_OK) else None


def audit(
    urls: list[str], *, cookie: str | None = None, categories: tuple[str, ...] = CATEGORIES
) -> dict[str, dict[str, int]]:
    """``{url: {category: score 0 to 100}}`` for each URL, one Lighthouse run each."""
    command = binary()
    if command is None:
        raise FileNotFoundError(f"lighthouse {VERSION} is not installed in {HOME}")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    scores = {}
    with tempfile.TemporaryDirectory() as work:
        for url in urls:
            report = ARTEFACTS / f"lighthouse-{_slug(url)}.json"
            args = [
                str(command),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                f"--only-categories={','.join(categories)}",
                f"--chrome-flags={CHROME_FLAGS}",
            ]
            if cookie:
                headers = Path(work) / "headers.json"
                headers.write_text(json.dumps({"Cookie": cookie}))
                args.append(f"--extra-headers={headers}")
            subprocess.run(
                args,
                check=True,
                timeout=180,
                env={**os.environ, "CHROME_PATH": CHROMIUM},
                capture_output=True,
            )
            found = json.loads(report.read_text())["categories"]
            scores[url] = {name: round(found[name]["score"] * 100) for name in categories}
    summary = ARTEFACTS / "lighthouse-scores.json"
    known = json.loads(summary.read_text()) if summary.exists() else {}
    known.update({_slug(url): found for url, found in scores.items()})
    summary.write_text(json.dumps(known, indent=2))
    return scores


def _slug(url: str) -> str:
    path = re.sub(r"^https?://[^/]+", "", url) or "/"
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
