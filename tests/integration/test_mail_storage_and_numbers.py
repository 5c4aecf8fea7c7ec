"""Letter files are stored by their SHA-256 (write then rename), and tracking numbers
are handed out once each, even to senders racing each other."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.config import INSTANCE_DIR, Config
from app.mail import numbers, s10
from app.mail.storage import FileStorage, StoredFileMissing, storage_for
from tests.concurrency import RACERS, committed, together
from tests.mail_support import make_pdf


def test_a_file_is_stored_under_its_fingerprint(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    data = make_pdf(1)
    digest = storage.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert storage.get(digest) == data
    assert storage.path(digest) == tmp_path / digest[:2] / digest[2:4] / digest


def test_the_same_content_is_stored_once(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    data = make_pdf(2)
    assert storage.put(data) == storage.put(data)
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    storage.put(make_pdf(1))
    assert not list(tmp_path.rglob(".incoming-*"))


def test_a_missing_file_is_an_operations_fault(tmp_path: Path) -> None:
    with pytest.raises(StoredFileMissing):
        FileStorage(tmp_path).get("0" * 64)


def test_a_fingerprint_cannot_walk_out_of_the_store(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        FileStorage(tmp_path).path("../../etc/passwd")


def test_the_default_store_is_under_instance_not_a_served_folder() -> None:
    storage = storage_for(Config())
    assert isinstance(storage, FileStorage)
    assert storage.root == INSTANCE_DIR / "mail"
    assert "static" not in storage.root.parts


def test_the_store_path_is_configurable(tmp_path: Path) -> None:
    storage = storage_for(Config(MAIL_STORAGE_DIR=str(tmp_path)))
    assert isinstance(storage, FileStorage) and storage.root == tmp_path


def test_numbers_follow_each_other_and_carry_their_check_digit(session, config) -> None:
    first, second = numbers.allocate(session, config, "registered", 2)
    assert first.startswith("RR") and first.endswith("CG")
    assert s10.is_valid(first) and s10.is_valid(second)
    assert int(second[2:10]) == int(first[2:10]) + 1


def test_each_service_has_its_own_indicator(session, config) -> None:
    (ordinary,) = numbers.allocate(session, config, "ordinary")
    (advice,) = numbers.allocate(session, config, "registered_ar")
    assert ordinary[:2] == "LA" and advice[:2] == "RA"


def test_a_number_is_never_handed_out_twice(runtime, config) -> None:
    seen: set[str] = set()
    for _ in range(3):
        seen.update(committed(runtime, lambda s: numbers.allocate(s, config, "ordinary", 5)))
    assert len(seen) == 15


@pytest.mark.postgres_only
def test_racing_senders_never_share_a_number(runtime, config) -> None:
    def work(_i: int) -> list[str]:
        return committed(runtime, lambda s: numbers.allocate(s, config, "registered", 3))

    outcomes = together(RACERS, work)
    handed = [number for outcome in outcomes for number in outcome]  # type: ignore[union-attr]
    assert len(handed) == len(set(handed)) == 3 * RACERS


def test_many_files_are_stored_at_once_each_under_its_fingerprint(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    first, second = make_pdf(1), make_pdf(2)
    digests = storage.put_many([first, second, first])
    assert digests == [hashlib.sha256(d).hexdigest() for d in (first, second, first)]
    assert storage.get(digests[1]) == second
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 2
    assert not list(tmp_path.rglob(".incoming-*"))


def test_many_pdfs_are_checked_in_worker_processes_alike(monkeypatch) -> None:
    from app.mail import pdf

    monkeypatch.setattr(pdf, "PARALLEL_FROM", 2)
    monkeypatch.setattr(pdf.os, "cpu_count", lambda: 2)
    files = [make_pdf(2), b"not a pdf", make_pdf(1)]
    results = pdf.check_many(files, max_bytes=10 * 1024 * 1024, max_pages=50)
    assert [r[0].pages if r[0] else None for r in results] == [2, None, 1]
    assert results[1][1] == "The file is not a PDF."
