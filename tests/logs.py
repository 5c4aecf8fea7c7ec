"""Capturing what the application logs, as the JSON lines production writes."""

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from app.ops.observability import JsonFormatter


@contextmanager
def json_log_stream(level: int) -> Iterator[io.StringIO]:
    """The root logger's records at ``level`` and above, JSON-formatted, while inside."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
