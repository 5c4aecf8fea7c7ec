"""An application object dies with its last user: a process that builds many
(the test suite, a worker recycling) must not keep them all."""

from __future__ import annotations

import gc
import weakref

from app import create_app
from app.config import Config


def test_an_app_nobody_holds_is_collected(config: Config) -> None:
    first = create_app(config)
    first.extensions["postcash"].database.dispose()
    gone = weakref.ref(first)
    del first

    second = create_app(config)
    gc.collect()

    assert gone() is None
    second.extensions["postcash"].database.dispose()
