"""``python -m tests.chaos [kill|redis|postgres|fuzz|all] [--flows N] [--concurrency C]``.

Runs each named scenario on its own throw-away PostgreSQL cluster and Redis
(never the shared servers), prints the load, the faults and the proof, and
exits 1 if any finding was made. ``fuzz`` runs the schemathesis test with
``--examples`` per operation and mode, valid and malformed (on SQLite, and on
PostgreSQL too when ``TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from tests.chaos.harness import tools_available
from tests.chaos.scenarios import FAULTS, run_scenario


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def fuzz(examples: int) -> bool:
    env = {**os.environ, "FUZZ_EXAMPLES": str(examples)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["tests/chaos/test_openapi_fuzz.py"]
    if not env.get("TEST_DATABASE_URL"):
        command += ["-k", "sqlite"]
    say(f"== chaos fuzz: schemathesis, {examples} examples per operation")
    return subprocess.run(command, env=env).returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("scenarios", nargs="*", default=["all"])
    parser.add_argument("--flows", type=int, default=150, help="operations in the load")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument(
        "--examples", type=int, default=100, help="fuzz examples per operation and mode"
    )
    options = parser.parse_args(argv)
    names = [*FAULTS, "fuzz"] if "all" in options.scenarios else options.scenarios
    unknown = set(names) - set(FAULTS) - {"fuzz"}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    missing = tools_available()
    if missing and set(names) & set(FAULTS):
        say(f"cannot run the chaos scenarios, missing: {missing}")
        return 2
    ok = True
    for name in names:
        if name == "fuzz":
            ok &= fuzz(options.examples)
            continue
        report = run_scenario(name, options.flows, options.concurrency)
        say(report.text())
        ok &= report.ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
