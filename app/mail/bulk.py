"""A sender's batch: up to 10 000 letters from a CSV manifest and a zip of PDFs.

Every line is checked on its own (like a disbursement batch): its columns, its
file in the archive (a PDF ``pdf.check_pdf`` accepts), its recipient and post
office; a line that fails is reported with a code and left out, the others
become letters. The whole batch is paid by one ledger entry
(``sender:<id>`` → ``fees:mail``); a prefunding short of the total refuses the
batch, and nothing is stored or charged. Rows are written in bulk
(``app.db.bulk``), the evidence chains computed here and inserted with them,
the e-mailbox notices sent with ``notify.service.send_many``, and the files
stored last, before the commit (the rule of ``letters``).

The archive is read defensively (a zip bomb stays a small problem): at most
``MAX_LETTERS`` + 100 entries, each read with a cap of ``MAIL_MAX_BYTES`` whatever
its header claims, an entry inflating more than ``MAX_RATIO`` times refused
unread, and the whole inflated content capped at ``MAX_ARCHIVE_BYTES``.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.auth.api_keys import get_api_client
from app.clock import clock
from app.customers.models import Customer
from app.db import settings
from app.db.bulk import any_of, insert_rows, key_chunks
from app.errors import Conflict, InsufficientFunds, ValidationFailed
from app.ledger import chart
from app.mail import evidence, numbers, places, tariff
from app.mail.delivery import EMAILBOX, SENDER_CUT
from app.mail.letters import LetterRequest, clean_meta
from app.mail.models import Letter, LetterEvent, MailBatch, MailboxOptOut
from app.mail.pdf import CheckedPdf, check_many
from app.mail.storage import Storage
from app.notify.gsm import gsm_cut
from app.notify.service import OutgoingDraft, send_many

MAX_LETTERS = 10_000
MAX_RATIO = 100  # a PDF deflates a few times; a hundredfold is a bomb
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024
MANIFEST_MAX_BYTES = 8 * 1024 * 1024
COLUMNS = ("file", "name")
OPTIONAL = (
    "msisdn",
    "line1",
    "po_box",
    "city",
    "post_office_code",
    "service",
    "delivery",
    "subject",
)


@dataclass(slots=True)
class Line:
    line: int
    file: str
    request: LetterRequest | None = None
    pdf: CheckedPdf | None = None
    code: str | None = None
    detail: str | None = None
    channel: str = "paper"
    customer_id: str | None = None
    office: places.PostOffice | None = None
    price: int = 0


def read_manifest(data: bytes) -> list[dict[str, str]]:
    """The manifest's rows (header first: ``file, name`` and any of the optional columns)."""
    if len(data) > MANIFEST_MAX_BYTES:
        raise ValidationFailed({"manifest": ["At most 8 MB."]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"manifest": ["The manifest must be UTF-8 CSV."]}) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ValidationFailed({"manifest": [f"Missing columns: {', '.join(missing)}."]})
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_LETTERS:
                raise ValidationFailed({"manifest": [f"At most {MAX_LETTERS} letters a batch."]})
            rows.append({k: (v or "") for k, v in row.items() if isinstance(k, str)})
    except csv.Error:
        raise ValidationFailed({"manifest": ["Not a CSV file."]}) from None
    if not rows:
        raise ValidationFailed({"manifest": ["The manifest has no line."]})
    return rows


class Archive:
    """The uploaded zip, read entry by entry within the limits above."""

    def __init__(self, data: bytes, max_entry: int) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError):
            raise ValidationFailed({"archive": ["Not a zip archive."]}) from None
        if len(infos) > MAX_LETTERS + 100:
            raise ValidationFailed({"archive": ["Too many files in the archive."]})
        self.entries = {info.filename: info for info in infos if not info.is_dir()}
        self.max_entry = max_entry
        self.inflated = 0

    def read(self, name: str) -> tuple[bytes | None, str | None]:
        """The entry's bytes, or ``(None, code)``: ``file_not_found``, ``invalid_file``."""
        info = self.entries.get(name)
        if info is None:
            return None, "file_not_found"
        if info.file_size > self.max_entry:
            return None, "invalid_file"
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            return None, "invalid_file"
        try:
            with self.zip.open(info) as stream:
                data = stream.read(self.max_entry + 1)
        except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError, EOFError):
            return None, "invalid_file"
        self.inflated += len(data)
        if self.inflated > MAX_ARCHIVE_BYTES:
            raise ValidationFailed({"archive": ["The archive inflates beyond 2 GB."]})
        if len(data) > self.max_entry:
            return None, "invalid_file"
        return data, None


def _request(row: dict[str, str], regions: list[str]) -> LetterRequest:
    address = None
    if row.get("line1") or row.get("city"):
        address = {
            "line1": row.get("line1"),
            "po_box": row.get("po_box") or None,
            "city": row.get("city"),
            "post_office_code": row.get("post_office_code") or None,
        }
    return clean_meta(
        {
            "recipient": {
                "name": row.get("name"),
                "msisdn": row.get("msisdn") or None,
                "address": address,
            },
            "service": row.get("service") or "ordinary",
            "delivery": row.get("delivery") or "auto",
            "subject": row.get("subject") or None,
        },
        regions,
    )


def _first_message(exc: ValidationFailed) -> str:
    errors = exc.extra.get("errors") or {}
    for field, messages in errors.items():
        return f"{field}: {messages[0] if messages else ''}"
    return exc.detail


def validate(session: Session, rows: list[dict[str, str]], archive: Archive) -> list[Line]:
    """Check every line: its columns, its file, its recipient; a failing line gets a code."""
    config = settings(session)
    lines: list[Line] = []
    read: dict[str, tuple[bytes | None, str | None]] = {}
    for number, row in enumerate(rows, start=1):
        item = Line(line=number, file=(row.get("file") or "").strip())
        lines.append(item)
        try:
            item.request = _request(row, config.ALLOWED_REGIONS)
        except ValidationFailed as exc:
            item.code, item.detail = "invalid_line", _first_message(exc)
            continue
        if not item.file:
            item.code, item.detail = "invalid_line", "file: Required."
            continue
        if item.file not in read:
            read[item.file] = archive.read(item.file)
    names = [name for name, (data, _code) in read.items() if data is not None]
    results = check_many(
        [read[name][0] or b"" for name in names],
        max_bytes=config.MAIL_MAX_BYTES,
        max_pages=config.MAIL_MAX_PAGES,
    )
    checked = dict(zip(names, results, strict=True))
    for item in lines:
        if item.code is not None:
            continue
        data, code = read[item.file]
        if data is None:
            item.code = code
            continue
        item.pdf, why = checked[item.file]
        if item.pdf is None:
            item.code, item.detail = "invalid_file", why
    _plan(session, [ln for ln in lines if ln.code is None])
    return lines


def _plan(session: Session, lines: list[Line]) -> None:
    """The channel and destination of each line, the customers looked up in bulk."""
    config = settings(session)
    numbers_ = sorted({ln.request.msisdn for ln in lines if ln.request and ln.request.msisdn})
    customers: dict[str, Customer] = {}
    for chunk in key_chunks(session, numbers_):
        for customer in session.scalars(
            select(Customer).where(any_of(session, Customer.msisdn, chunk))
        ):
            customers[customer.msisdn] = customer
    ids = [c.id for c in customers.values()]
    opted_out: set[str] = set()
    for chunk in key_chunks(session, ids):
        opted_out |= set(
            session.scalars(
                select(MailboxOptOut.customer_id).where(
                    any_of(session, MailboxOptOut.customer_id, chunk)
                )
            )
        )
    for ln in lines:
        request = ln.request
        assert request is not None and ln.pdf is not None  # valid so far
        found = customers.get(request.msisdn or "")
        electronic = found is not None and found.status != "frozen" and found.id not in opted_out
        if request.delivery == "electronic" or (request.delivery == "auto" and electronic):
            if not electronic:
                ln.code, ln.detail = "recipient_not_found", "No e-mailbox at this number."
                continue
            ln.channel, ln.customer_id = "electronic", found.id if found else None
        else:
            if request.address is None:
                ln.code, ln.detail = "invalid_line", "recipient.address: needed for paper."
                continue
            try:
                ln.office = places.destination(
                    config,
                    post_office_code=request.address.get("post_office_code"),
                    city=request.address["city"],
                )
            except ValidationFailed as exc:
                ln.code, ln.detail = "unknown_post_office", exc.detail
                continue
            ln.channel = "paper"
            ln.customer_id = found.id if electronic and found else None
        ln.price = tariff.price(config, request.service, ln.pdf.pages)


def submit(
    session: Session,
    storage: Storage,
    sender_id: str,
    *,
    reference: str,
    manifest: bytes,
    archive: bytes,
) -> MailBatch:
    """Check, pay once and accept a batch; a reference used already is a ``conflict``."""
    config = settings(session)
    client = get_api_client(session, sender_id, role="sender")
    reference = (reference or "").strip()
    if not 1 <= len(reference) <= 64 or not reference.isprintable():
        raise ValidationFailed({"reference": ["1 to 64 printable characters."]})
    existing = session.scalar(
        select(MailBatch).where(MailBatch.sender_id == client.id, MailBatch.reference == reference)
    )
    if existing is not None:
        raise Conflict("This reference names another batch already.")
    rows = read_manifest(manifest)
    lines = validate(session, rows, Archive(archive, config.MAIL_MAX_BYTES))
    valid = [ln for ln in lines if ln.code is None]
    rejected = [{"line": ln.line, "code": ln.code, "detail": ln.detail} for ln in lines if ln.code]
    if not valid:
        raise ValidationFailed(
            {"lines": [f"line {r['line']}: {r['code']}" for r in rejected[:20]]},
            detail="No line of the batch can be sent.",
        )
    total = sum(ln.price for ln in valid)
    account = chart.sender(client.id)
    if ledger.balance(session, account).available < total:
        raise InsufficientFunds("The prefunded account does not cover this batch.", total=total)
    now = clock.now()
    batch = MailBatch(
        id=str(uuid.uuid4()),
        sender_id=client.id,
        reference=reference,
        status="accepted",
        total=len(lines),
        valid=len(valid),
        rejected=rejected,
        price=total,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    entry = ledger.post_entry(
        session,
        key=f"mail-batch:{batch.id}",
        kind="mail",
        legs=[ledger.debit(account, total), ledger.credit(chart.fees("mail"), total)],
        reference=reference[:32],
        meta={"mail_batch_id": batch.id, "letters": len(valid)},
    )
    batch.entry_id = entry.id
    _write_letters(session, batch, client.name, valid, entry.id)
    files: dict[str, bytes] = {}
    for ln in valid:
        assert ln.pdf is not None
        files.setdefault(ln.pdf.sha256, ln.pdf.data)
    storage.put_many(list(files.values()))
    return batch


def _write_letters(
    session: Session, batch: MailBatch, sender_name: str, valid: list[Line], entry_id: int
) -> None:
    config = settings(session)
    by_service: dict[str, list[Line]] = {}
    for ln in valid:
        assert ln.request is not None
        by_service.setdefault(ln.request.service, []).append(ln)
    tracking: dict[int, str] = {}
    for service, group in by_service.items():
        for ln, number in zip(
            group, numbers.allocate(session, config, service, len(group)), strict=True
        ):
            tracking[ln.line] = number
    now = clock.now()
    at = now.replace(microsecond=0)
    letter_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    drafts: list[OutgoingDraft] = []
    language: dict[str, str] = {}
    ids = [ln.customer_id for ln in valid if ln.customer_id and ln.channel == "electronic"]
    for chunk in key_chunks(session, sorted(set(ids))):
        for cid, msisdn, lang in session.execute(
            select(Customer.id, Customer.msisdn, Customer.language).where(
                any_of(session, Customer.id, chunk)
            )
        ):
            language[cid] = f"{lang}|{msisdn}"
    for ln in valid:
        request, pdf = ln.request, ln.pdf
        assert request is not None and pdf is not None
        letter_id = str(uuid.uuid4())
        office = ln.office
        steps = [("accepted", "PostCash")]
        if ln.channel == "electronic":
            steps.append(("delivered_electronic", EMAILBOX))
            status = "delivered_electronic"
        else:
            steps.append(
                ("queued_for_print", places.centre_name(config, office.centre if office else ""))
            )
            status = "queued_for_print"
        previous = pdf.sha256
        for seq, (step, place) in enumerate(steps, start=1):
            digest = evidence.event_hash(previous, seq, at, step, place, None)
            event_rows.append(
                {
                    "letter_id": letter_id,
                    "seq": seq,
                    "at": at,
                    "status": step,
                    "place": place,
                    "detail": None,
                    "actor": f"sender:{batch.sender_id}",
                    "previous_hash": previous,
                    "hash": digest,
                }
            )
            previous = digest
        letter_rows.append(
            {
                "id": letter_id,
                "tracking_number": tracking[ln.line],
                "status": status,
                "service": request.service,
                "delivery": request.delivery,
                "channel": ln.channel,
                "sender_kind": "sender",
                "sender_id": batch.sender_id,
                "sender_name": sender_name[:120],
                "subject": request.subject,
                "recipient_name": request.recipient_name,
                "recipient_msisdn": request.msisdn,
                "recipient_customer_id": ln.customer_id,
                "address": request.address,
                "post_office_code": office.code if office else None,
                "print_centre": office.centre if office else None,
                "sha256": pdf.sha256,
                "size": pdf.size,
                "pages": pdf.pages,
                "price": ln.price,
                "currency": config.CURRENCY,
                "transfer_id": None,
                "entry_id": entry_id,
                "print_batch_id": None,
                "batch_id": batch.id,
                "last_hash": previous,
                "recipient_id_number": None,
                "created_at": now,
                "paid_at": now,
                "delivered_at": now if ln.channel == "electronic" else None,
                "acknowledged_at": None,
                "read_at": None,
            }
        )
        if ln.channel == "electronic" and ln.customer_id in language:
            lang, msisdn = language[ln.customer_id].split("|", 1)
            registered = request.service != "ordinary"
            drafts.append(
                OutgoingDraft(
                    to=msisdn,
                    template="sms.mail.arrived_registered" if registered else "sms.mail.arrived",
                    language=lang,
                    params={"sender": gsm_cut(sender_name, SENDER_CUT)},
                    dedupe_key=f"mail:arrived:{letter_id}",
                )
            )
    insert_rows(session, Letter.__table__, letter_rows)
    insert_rows(session, LetterEvent.__table__, event_rows)
    send_many(session, drafts)


def batch_for(session: Session, batch_id: str, *, sender_id: str | None) -> MailBatch:
    from app.errors import NotFound

    batch = session.get(MailBatch, batch_id) if isinstance(batch_id, str) else None
    if batch is None or (sender_id is not None and batch.sender_id != sender_id):
        raise NotFound("No such batch.")
    return batch


def view(batch: MailBatch) -> dict[str, Any]:
    return {
        "id": batch.id,
        "reference": batch.reference,
        "status": batch.status,
        "total": batch.total,
        "valid": batch.valid,
        "rejected": batch.rejected,
        "price": batch.price,
        "created_at": batch.created_at.isoformat(),
    }
