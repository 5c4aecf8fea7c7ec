"""CPU seconds spent by each group of processes during a bench's timed part.

On a small machine the client, gunicorn and PostgreSQL share the same cores, so
transfers/s is bounded by the CPU one transfer costs in all of them together,
whatever the concurrency: ``cores / (CPU seconds per transfer)``. The HTTP
benches read it from ``/proc/<pid>/stat`` (utime + stime, children not
included) before and after the timed part, for three groups:

* server: the gunicorn master and its workers (descendants of the bench);
* PostgreSQL: the backends connected to the bench's database, found in
  ``pg_stat_activity`` (a backend that appears during the run starts from 0;
  one that exits during the run is lost, which the pools make rare); the
  bench's own connections (``application_name`` starting with ``bench``) are
  counted with the client, and PostgreSQL's shared background processes
  (WAL writer, checkpointer) with nobody, since other databases use them too;
* client: the bench's own process (its threads, its OTP reads) and its backends.

Linux only (``/proc``); elsewhere the figures are ``None`` and nothing is printed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

CLIENT_APPLICATION = "bench-client"
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_seconds(pid: int) -> float | None:
    """utime + stime of one process (all its threads), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # after "pid (comm)": state is field 3, utime field 14, stime field 15
    return (int(fields[11]) + int(fields[12])) / _TICKS


def descendants(root: int) -> set[int]:
    """Every live process below ``root`` (children, grandchildren...)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def client_url(url: str) -> str:
    """``url`` with the application name that files its backends under the client."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return url
    query = {**parsed.query, "application_name": CLIENT_APPLICATION}
    return parsed.set(query=query).render_as_string(hide_password=False)


@dataclass
class Snapshot:
    server: dict[int, float]
    postgres: dict[int, float]
    client: dict[int, float]


def _seconds(pids: Iterable[int]) -> dict[int, float]:
    return {pid: s for pid in pids if (s := process_seconds(pid)) is not None}


class CpuMeter:
    """Before/after snapshots of the three groups; ``split`` gives seconds per group."""

    def __init__(self, url: str) -> None:
        self.available = os.path.exists("/proc/self/stat")
        parsed = make_url(url)
        self._database = parsed.database if parsed.drivername.startswith("postgresql") else None
        self._engine = create_engine(client_url(url)) if self._database is not None else None

    def _backends(self) -> tuple[set[int], set[int]]:
        """(the server's backends, the bench's) on the bench's database."""
        if self._engine is None:
            return set(), set()
        with self._engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT pid, application_name FROM pg_stat_activity "
                    "WHERE datname = :name AND backend_type = 'client backend'"
                ),
                {"name": self._database},
            ).all()
        server = {pid for pid, name in rows if not (name or "").startswith("bench")}
        return server, {pid for pid, _ in rows} - server

    def snapshot(self) -> Snapshot | None:
        if not self.available:
            return None
        server_backends, client_backends = self._backends()
        return Snapshot(
            server=_seconds(descendants(os.getpid())),
            postgres=_seconds(server_backends),
            client=_seconds({os.getpid(), *client_backends}),
        )

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    @staticmethod
    def split(before: Snapshot | None, after: Snapshot | None) -> dict[str, float] | None:
        """CPU seconds per group between two snapshots (new processes count from 0)."""
        if before is None or after is None:
            return None
        return {
            group: sum(
                seconds - getattr(before, group).get(pid, 0.0)
                for pid, seconds in getattr(after, group).items()
            )
            for group in ("server", "postgres", "client")
        }


def summary(split: dict[str, float] | None, operations: int, noun: str = "transfer") -> str:
    """The CPU line of a bench ("CPU per transfer: server X ms, ..."), or "" without figures."""
    if not split or operations <= 0:
        return ""
    per = {group: seconds * 1000 / operations for group, seconds in split.items()}
    total = sum(per.values())
    cores = os.cpu_count() or 1
    ceiling = cores * 1000 / total if total > 0 else float("inf")
    without_client = per["server"] + per["postgres"]
    server_only = cores * 1000 / without_client if without_client > 0 else float("inf")
    database = (
        f"PostgreSQL {per['postgres']:.1f} ms"
        if split["postgres"] > 0
        else "no database process (SQLite runs in the server)"
    )
    return (
        f"CPU per {noun}: server {per['server']:.1f} ms, {database}, "
        f"client {per['client']:.1f} ms (total {total:.1f} ms); ceiling on {cores} cores "
        f"≈ {ceiling:.0f}/s with the client on the same cores, "
        f"≈ {server_only:.0f}/s with the client elsewhere"
    )
