"""Counting the SQL statements a piece of work sends (round trips to the database).

The paths people wait on cost round trips and lock waits more than Python
(issue 21's profile), so the benches print statements per operation next to
each figure and tests can pin a path's count: a change that adds a round trip
to a payment shows up as a number, not as a vague slowdown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class StatementCount:
    """What the engine sent while counting: ``total`` statements, by their first word."""

    total: int = 0
    by_verb: dict[str, int] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    keep_texts: bool = False

    def record(self, statement: str, executemany: bool) -> None:
        self.total += 1
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
        self.by_verb[verb] = self.by_verb.get(verb, 0) + 1
        if self.keep_texts:
            self.texts.append(statement)

    def summary(self) -> str:
        """'12 (SELECT 5, INSERT 4, UPDATE 3)': for a bench line or an assertion message."""
        verbs = ", ".join(f"{verb} {count}" for verb, count in sorted(self.by_verb.items()))
        return f"{self.total} ({verbs})" if verbs else str(self.total)


@contextmanager
def count_statements(engine: Engine, *, keep_texts: bool = False) -> Iterator[StatementCount]:
    """Count every statement ``engine`` sends inside the block (from any thread: keep
    the block to the work being measured). BEGIN and COMMIT are sent by the driver, not
    as statements, so they are not counted; ``SAVEPOINT`` and friends are."""
    counted = StatementCount(keep_texts=keep_texts)

    def before(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        counted.record(statement, executemany)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", before)
