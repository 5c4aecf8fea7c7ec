"""Hybrid mail: how long a sender's 10 000-letter batch takes to be validated and
accepted (goal < 60 s on PostgreSQL).

For each backend (``BENCH_BACKENDS``, default ``postgresql``; ``sqlite`` too if
asked): a throw-away database migrated to head, a prefunded sender, 2 000
customers with an e-mailbox (inserted in bulk: the bench's own setup), then one
PDF per letter (1 to 3 pages, each different), a CSV manifest and a zip of the
PDFs (setup, not timed). Timed: ``app.mail.bulk.submit`` in one unit of work,
commit included — reading the manifest and the archive, checking each PDF with
pypdf, the recipients, the price, one ledger entry, the letters and their
evidence chains written in bulk, the e-mailbox notices recorded and the files
stored. ``BENCH_MAIL_LETTERS`` (default 10 000) changes the size.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
import uuid
import zipfile
from typing import Any

from sqlalchemy import func, insert, select

from bench.databases import (
    bench_app,
    database_at_head,
)

CUSTOMERS = 2_000


def _pdf(number: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, invariant=True)
    for side in range(1 + number % 3):
        page.drawString(72, 750, f"Avis d'imposition n° {number:05d}, page {side + 1}")
        page.showPage()
    page.save()
    return out.getvalue()


def _setup(runtime: Any, letters: int) -> tuple[str, bytes, bytes]:
    """A prefunded sender, customers with an e-mailbox; the manifest and the archive."""
    from app import ledger
    from app.auth.onboarding import create_sender
    from app.clock import clock
    from app.customers.models import Customer
    from app.ledger import chart
    from app.seed import seed

    now = clock.now()
    with runtime.unit_of_work() as uow:
        session = uow.session
        seed(session, demo=False)
        sender, _key = create_sender(session, name="Direction Générale des Impôts (bench)")
        ledger.post_entry(
            session,
            key="bench:prefund-mail",
            kind="prefunding",
            legs=[
                ledger.debit(chart.TRUST_BANK, 2_000 * letters),
                ledger.credit(chart.sender(sender.id), 2_000 * letters),
            ],
        )
        customers = [
            {
                "id": str(uuid.uuid4()),
                "msisdn": f"+24206{i:07d}",
                "first_name": "Contribuable",
                "last_name": "Bench",
                "language": "fr",
                "kyc_tier": "basic",
                "status": "active",
                "failed_pin_attempts": 0,
                "pin_hash": "bench-no-pin",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(CUSTOMERS)
        ]
        session.execute(insert(Customer), customers)
        uow.commit()
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(["file", "name", "msisdn", "line1", "city", "service", "subject"])
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for i in range(letters):
            name = f"avis-{i:05d}.pdf"
            zipped.writestr(name, _pdf(i))
            electronic = i % 5 == 0  # one in five to an e-mailbox
            writer.writerow(
                [
                    name,
                    f"Contribuable {i}",
                    f"+24206{i % CUSTOMERS:07d}" if electronic else "",
                    f"{i} avenue de la Paix",
                    "Brazzaville" if i % 2 else "Pointe-Noire",
                    "registered" if i % 10 == 0 else "ordinary",
                    "Avis d'imposition 2026",
                ]
            )
    return sender.id, manifest.getvalue().encode(), archive.getvalue()


def run(backend: str, letters: int) -> dict[str, Any]:
    from app.db import settings, transaction
    from app.ledger.checks import run_checks
    from app.mail import bulk
    from app.mail.evidence import verify_all
    from app.mail.models import Letter
    from app.mail.storage import storage_for

    with database_at_head(backend, "bench_mail") as url, tempfile.TemporaryDirectory() as storage:
        app = bench_app(url, MAIL_STORAGE_DIR=storage)
        runtime = app.extensions["postcash"]
        runtime.queue.runner = lambda _job: None  # the SMS jobs are not what is timed
        with app.app_context():
            started = time.perf_counter()
            sender_id, manifest, archive = _setup(runtime, letters)
            setup_s = time.perf_counter() - started

            started = time.perf_counter()
            with transaction(runtime) as session:
                batch = bulk.submit(
                    session,
                    storage_for(settings(session)),
                    sender_id,
                    reference="BENCH-2026",
                    manifest=manifest,
                    archive=archive,
                )
                valid, price = batch.valid, batch.price
            accept_s = time.perf_counter() - started

            with runtime.unit_of_work() as uow:
                stored = uow.session.scalar(select(func.count()).select_from(Letter))
                checks_ok = all(result.ok for result in run_checks(uow.session))
                started = time.perf_counter()
                checked, broken = verify_all(uow.session)
                verify_s = time.perf_counter() - started
        runtime.database.dispose()
    return {
        "backend": backend,
        "letters": letters,
        "archive_mb": len(archive) / 1024 / 1024,
        "setup_s": setup_s,
        "accept_s": accept_s,
        "valid": valid,
        "stored": stored,
        "price": price,
        "ledger_ok": checks_ok,
        "chains": (checked, len(broken)),
        "verify_s": verify_s,
    }


def main() -> None:
    letters = int(os.environ.get("BENCH_MAIL_LETTERS") or 10_000)
    backends = os.environ.get("BENCH_BACKENDS", "postgresql").split(",")
    print(f"hybrid mail: one sender batch of {letters} letters (manifest + zip of PDFs)")
    for backend in backends:
        r = run(backend.strip(), letters)
        goal = "goal < 60 s met" if r["accept_s"] < 60 else "goal < 60 s missed"
        print(
            f"  {r['backend']:<10} setup {r['setup_s']:6.1f} s"
            f" | validated and accepted {r['valid']}/{r['letters']} letters"
            f" ({r['archive_mb']:.1f} MB zip) in {r['accept_s']:6.1f} s ({goal}),"
            f" {r['letters'] / r['accept_s']:6.0f} letters/s, paid {r['price']} XAF once"
            f" | ledger check {'ok' if r['ledger_ok'] else 'FAILED'}"
            f" | evidence: {r['chains'][0]} chains, {r['chains'][1]} broken,"
            f" verified in {r['verify_s']:.1f} s"
        )


if __name__ == "__main__":
    main()
