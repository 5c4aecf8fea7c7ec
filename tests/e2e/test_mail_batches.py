"""A sender's batch (POST /mail/batches): a CSV manifest and a zip of PDFs, each line
checked on its own, the valid ones paid once and sent; a zip bomb stays harmless."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.ledger.models import Entry
from app.mail.models import Letter
from app.notify.gateways import recording_outbox
from tests import factories
from tests.mail_support import batch_form, encrypted_pdf, make_pdf
from tests.problems import problem

API = "/api/v1"
PAPER = {"msisdn": "", "line1": "12 rue Mbochi", "city": "Brazzaville", "post_office_code": ""}


@pytest.fixture
def config_overrides(tmp_path: Path) -> dict[str, object]:
    return {"MAIL_STORAGE_DIR": str(tmp_path / "mail")}


@pytest.fixture
def store(config_overrides: dict[str, object]) -> Path:
    return Path(str(config_overrides["MAIL_STORAGE_DIR"]))


@pytest.fixture
def sender(runtime) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        client, key = factories.sender(session, balance=100_000, name="Direction des Impôts")
    return {"id": client.id, "headers": {"X-API-Key": key}}


def post(client: Any, headers: dict[str, str], form: dict[str, Any]) -> Any:
    return client.post(
        f"{API}/mail/batches",
        data=form,
        content_type="multipart/form-data",
        headers={**headers, "Idempotency-Key": factories.key()},
    )


def row(file: str, name: str = "Chantal", **more: str) -> dict[str, str]:
    return {"file": file, "name": name, **PAPER, **more}


def count_letters(runtime) -> int:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        return int(session.scalar(select(func.count()).select_from(Letter)) or 0)


def prefunding(runtime, sender_id: str) -> int:  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        return ledger.balance(session, chart.sender(sender_id)).available


def test_valid_lines_are_sent_and_paid_once_bad_lines_reported(
    client, app, runtime, sender, store
) -> None:
    with transaction(runtime) as session:
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
    rows = [
        row("a.pdf"),
        row("b.pdf", service="registered"),
        row("a.pdf", name="Bruno", msisdn=bruno.msisdn),
        row("missing.pdf"),
        row("a.pdf", post_office_code="XXX-1"),
        row("locked.pdf"),
        row("", name="No file"),
    ]
    files = {"a.pdf": make_pdf(1), "b.pdf": make_pdf(3), "locked.pdf": encrypted_pdf()}
    answer = post(client, sender["headers"], batch_form("TAX-2026-11", rows, files))
    assert answer.status_code == 201, answer.get_json()
    batch = answer.get_json()
    assert batch["total"] == 7 and batch["valid"] == 3
    assert [(r["line"], r["code"]) for r in batch["rejected"]] == [
        (4, "file_not_found"),
        (5, "unknown_post_office"),
        (6, "invalid_file"),
        (7, "invalid_line"),
    ]
    assert "encrypted" in batch["rejected"][2]["detail"]
    assert batch["price"] == 250 + (1_000 + 2 * 50) + 250
    assert prefunding(runtime, sender["id"]) == 100_000 - batch["price"]
    with transaction(runtime) as session:
        kinds = session.scalars(select(Entry.idempotency_key).where(Entry.kind == "mail")).all()
        assert kinds == [f"mail-batch:{batch['id']}"]  # paid once
        letters = session.scalars(select(Letter).order_by(Letter.tracking_number)).all()
        assert sorted(x.status for x in letters) == [
            "delivered_electronic",
            "queued_for_print",
            "queued_for_print",
        ]
    assert len([p for p in store.rglob("*") if p.is_file()]) == 2  # a.pdf stored once
    texts = [t for to, t in recording_outbox(app.extensions["postcash"]) if to == bruno.msisdn]
    assert any("Direction des Impots" in t for t in texts)
    result = app.test_cli_runner().invoke(args=["mail", "verify-evidence"])
    assert result.exit_code == 0 and "3 letters checked, 0 broken" in result.output
    seen = client.get(f"{API}/mail/batches/{batch['id']}", headers=sender["headers"])
    assert seen.status_code == 200 and seen.get_json()["valid"] == 3


def test_a_batch_the_prefunding_cannot_cover_is_refused_whole(client, runtime, store) -> None:
    with transaction(runtime) as session:
        poor, key = factories.sender(session, balance=400)
    rows = [row("a.pdf"), row("a.pdf")]
    answer = post(client, {"X-API-Key": key}, batch_form("B1", rows, {"a.pdf": make_pdf(1)}))
    problem(answer, 422, "insufficient_funds")
    assert count_letters(runtime) == 0 and not store.exists()
    assert prefunding(runtime, poor.id) == 400


def test_a_zip_bomb_entry_is_refused_unread(client, runtime, sender) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("bomb.pdf", b"%PDF-" + b"\0" * (50 * 1024 * 1024))
        zipped.writestr("a.pdf", make_pdf(1))
    form = batch_form("B2", [row("bomb.pdf"), row("a.pdf")], {})
    form["archive"] = (io.BytesIO(bomb.getvalue()), "letters.zip", "application/zip")
    batch = post(client, sender["headers"], form).get_json()
    assert batch["valid"] == 1 and batch["rejected"] == [
        {"line": 1, "code": "invalid_file", "detail": None}
    ]


def test_an_archive_that_is_not_a_zip_is_refused(client, runtime, sender) -> None:
    form = batch_form("B3", [row("a.pdf")], {})
    form["archive"] = (io.BytesIO(b"not a zip"), "letters.zip", "application/zip")
    body = problem(post(client, sender["headers"], form), 400, "validation_error")
    assert body["errors"] == {"archive": ["Not a zip archive."]}
    assert count_letters(runtime) == 0


def test_a_manifest_without_its_columns_is_refused(client, sender) -> None:
    form = batch_form("B4", [{"pdf": "a.pdf", "who": "x"}], {"a.pdf": make_pdf(1)})
    body = problem(post(client, sender["headers"], form), 400, "validation_error")
    assert "Missing columns" in body["errors"]["manifest"][0]


def test_more_than_ten_thousand_lines_are_refused(client, sender) -> None:
    rows = [row("a.pdf")] * 10_001
    body = problem(
        post(client, sender["headers"], batch_form("B5", rows, {"a.pdf": make_pdf(1)})),
        400,
        "validation_error",
    )
    assert "At most 10000" in body["errors"]["manifest"][0]


def test_a_batch_of_only_bad_lines_charges_nothing(client, runtime, sender) -> None:
    answer = post(
        client, sender["headers"], batch_form("B6", [row("x.pdf")], {"a.pdf": make_pdf(1)})
    )
    problem(answer, 400, "validation_error")
    assert prefunding(runtime, sender["id"]) == 100_000


def test_a_reference_used_already_is_a_conflict(client, sender) -> None:
    form = lambda: batch_form("SAME", [row("a.pdf")], {"a.pdf": make_pdf(1)})  # noqa: E731
    assert post(client, sender["headers"], form()).status_code == 201
    problem(post(client, sender["headers"], form()), 409, "conflict")


def test_only_its_sender_and_admins_see_a_batch(client, app, runtime, sender) -> None:
    batch = post(
        client, sender["headers"], batch_form("B7", [row("a.pdf")], {"a.pdf": make_pdf(1)})
    ).get_json()
    with transaction(runtime) as session:
        _other, key = factories.sender(session)
        admin = factories.admin(session)
        awa = factories.customer(session)
    url = f"{API}/mail/batches/{batch['id']}"
    problem(client.get(url, headers={"X-API-Key": key}), 404, "not_found")
    assert client.get(url, headers=factories.headers_for(app, awa)).status_code == 403
    assert client.get(url, headers=factories.headers_for(app, admin)).status_code == 200
    customer_post = post(
        client,
        factories.headers_for(app, awa),
        batch_form("B8", [row("a.pdf")], {"a.pdf": make_pdf(1)}),
    )
    assert customer_post.status_code == 403
