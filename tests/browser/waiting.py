"""Waiting in the browser tests: one ``wait`` for every page they drive.

While Chromium swaps one document for the next (a form posted, a page that reloads
itself), asking about a node may fail with an inspector error ("unhandled inspector
error: Node with given id does not belong to the document") instead of the stale
reference selenium's conditions already treat as "not yet". Such a moment says the
page is changing, not that the test failed: the wait asks again until its timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

T = TypeVar("T")

SWAPPING = ("inspector error", "does not belong to the document")


def swapping(exc: WebDriverException) -> bool:
    """Whether ``exc`` is Chromium's answer about a node of a document being replaced."""
    return any(sign in str(exc) for sign in SWAPPING)


class PageWait(WebDriverWait):
    def until(self, method: Callable[[Any], Literal[False] | T], message: str = "") -> T:
        def tolerant(driver: Any) -> Literal[False] | T:
            try:
                return method(driver)
            except WebDriverException as exc:
                if swapping(exc):
                    return False
                raise

        return super().until(tolerant, message)


def wait(driver: Any, seconds: float = 15) -> PageWait:
    return PageWait(driver, seconds)
