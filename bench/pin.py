"""One PIN check with production parameters: the old scheme against the peppered one.

* old: plain argon2id of the PIN, RFC 9106's low-memory profile (t=3, m=64 MiB,
  p=4), how every PIN was stored before issue 21 and how staff passwords still are;
* new: HMAC-SHA256 of the PIN with the pepper, then argon2id at OWASP's minimum
  (t=2, m=19 MiB, p=1), through ``app.customers.pins.check_pin`` as the app calls it;
* alt: the same with OWASP's equivalent t=5, m=7 MiB, p=1 (less memory, more passes:
  "an equal level of defense" by OWASP's table), informative: what switching
  ``OWASP_MINIMUM`` to it would give on this machine (docs/PINS.md);
* upgrade: what a customer's first right PIN after the change costs once, a legacy
  check plus the new hash (informative, no goal).

Each check is timed alone, the schemes taking turns (blocks of 20) so that both see
the same load;
the goal of issue 21 is p99 ≤ 15 ms for the new one. No database: a check is CPU and
memory bandwidth only. On a shared machine the load average printed with the table
says how much of the figure is other people's work; ``min`` is the closest to what
one check costs on a quiet core.

    python -m bench.pin [--checks 200]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable

from app.auth.hashing import OWASP_MINIMUM, Argon2Cost, PepperRing, hash_secret, verify_secret
from app.config import Config
from app.customers.pins import check_pin, hash_pin, pin_hash_outdated

GOAL_P99_MS = 15.0
# OWASP's equivalent of its minimum with less memory and more passes.
OWASP_LOW_MEMORY = Argon2Cost(memory_kib=7 * 1024, iterations=5, lanes=1)
BLOCK = 20
PIN = "2580"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def schemes() -> dict[str, Callable[[], object]]:
    """What one check runs per scheme, hashes made beforehand with production parameters."""
    production = Config(PIN_PEPPERS={"1": secrets.token_urlsafe(40)}, PIN_PEPPER_VERSION="1")
    assert not production.TESTING  # the production cost, whatever the environment
    legacy = hash_secret(PIN)
    peppered = hash_pin(PIN, production)
    low_memory = PepperRing("1", production.PIN_PEPPERS, OWASP_LOW_MEMORY)
    peppered_low_memory = low_memory.hash(PIN)

    def old() -> object:
        return verify_secret(legacy, PIN)

    def new() -> object:
        return check_pin(peppered, PIN, production)

    def alt() -> object:
        return low_memory.verify(peppered_low_memory, PIN)

    def upgrade() -> object:
        assert check_pin(legacy, PIN, production) and pin_hash_outdated(legacy, production)
        return hash_pin(PIN, production)

    for check in (old, new, alt):
        assert check(), "a right PIN must verify"
    return {"old": old, "new": new, "alt": alt, "upgrade": upgrade}


def measure(checks: int) -> dict[str, list[float]]:
    """Milliseconds per check, each scheme ``checks`` times (upgrade: a tenth as often).

    The schemes take turns in blocks of ``BLOCK`` checks, so that both see the same
    load, and so that the new scheme is not timed right after each old check has
    swept 64 MiB through the caches (a server does not alternate them either).
    """
    runs = schemes()
    for check in runs.values():  # warm allocators
        check()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for block in range(0, checks, BLOCK):
        for name, check in runs.items():
            size = min(BLOCK, checks - block)
            for _ in range(size if name != "upgrade" else max(1, size // 10)):
                started = time.perf_counter()
                check()
                times[name].append((time.perf_counter() - started) * 1000)
    return times


def report(times: dict[str, list[float]]) -> None:
    owasp = f"t={OWASP_MINIMUM.iterations}, m={OWASP_MINIMUM.memory_kib // 1024} MiB, p=1"
    labels = {
        "old": "old: argon2id t=3, m=64 MiB, p=4",
        "new": f"new: HMAC pepper + argon2id {owasp}",
        "alt": "alt: HMAC pepper + argon2id t=5, m=7 MiB, p=1",
        "upgrade": "upgrade once: old check + new hash",
    }
    load = os.getloadavg()[0]
    print(f"\nOne PIN check, production parameters ({os.cpu_count()} cores, load {load:.1f})")
    print(f"{'scheme':<50}{'n':>5}{'min':>9}{'p50':>9}{'p99':>9}{'max':>9}  goal met (p99 ≤ 15 ms)")
    for name, values in times.items():
        p99 = percentile(values, 0.99)
        met = "yes" if p99 <= GOAL_P99_MS else "no"
        verdict = "—" if name == "upgrade" else met if name != "alt" else f"({met})"
        print(
            f"{labels[name]:<50}{len(values):>5}{min(values):>7.1f}ms"
            f"{percentile(values, 0.5):>7.1f}ms{p99:>7.1f}ms{max(values):>7.1f}ms  {verdict}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=200)
    args = parser.parse_args(argv if argv is not None else [])
    report(measure(args.checks))


if __name__ == "__main__":
    main(sys.argv[1:])
