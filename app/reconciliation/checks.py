"""What the daily reconciliation looks at, one section each.

Every section says ``ok`` or not and carries the figures an operator needs to
see why. Figures of the business day (trial balance, safeguarding) are taken
*as at its close*, from the postings of entries posted before midnight
Brazzaville time, so a run at 01:00 or a re-run a week later reports the same
closing position. State that has no history (ledger invariants, remittances
awaiting payout, holds, the job outbox) is checked as it stands at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import ledger
from app.db.jobs import OutboxJob
from app.ledger import chart
from app.ledger.models import Entry, Posting
from app.remittances.models import AWAITING, Remittance
from app.reports.safeguarding import ledger_totals

# The expiry sweeps run every minute: a hold this much past its expiry was missed.
HOLD_GRACE = timedelta(minutes=15)
# The outbox drain hands jobs over every 15 s and rq retries for about 45 minutes
# (app.db.queue.RETRY_INTERVALS): a job still not done an hour after commit is stuck.
JOB_STUCK_AFTER = timedelta(hours=1)
MAX_ITEMS = 100


@dataclass
class Section:
    name: str
    ok: bool
    details: dict[str, Any] = field(default_factory=dict)
    breaks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **self.details}


def closing_ledger(session: Session, close: datetime) -> tuple[Section, Section]:
    """Trial balance and safeguarding as at the close of the day."""
    positions, types = ledger_totals(session, at=close)
    per_currency: dict[str, int] = {}
    for row in types:
        per_currency[row.currency] = per_currency.get(row.currency, 0) + row.debits - row.credits
    unbalanced = sorted(c for c, diff in per_currency.items() if diff != 0)
    trial = Section(
        "trial_balance",
        not unbalanced,
        {
            "as_of": close.isoformat(),
            "rows": [
                {"type": r.type, "currency": r.currency, "debits": r.debits, "credits": r.credits}
                for r in types
            ],
            "balanced": not unbalanced,
        },
        [f"debits and credits differ by {per_currency[c]} {c}" for c in unbalanced],
    )
    unsafe = [p for p in positions if not p.ok]
    safeguarding = Section(
        "safeguarding",
        not unsafe,
        {"as_of": close.isoformat(), "positions": [p.as_dict() for p in positions]},
        [
            f"trust:bank - retained fees differs from e-money outstanding by {p.difference} "
            f"{p.currency}"
            for p in unsafe
        ],
    )
    return trial, safeguarding


def ledger_invariants(session: Session) -> Section:
    """Every invariant ``flask ledger check`` runs, the domain ones included."""
    results = ledger.run_checks(session)
    failed = [r for r in results if not r.ok]
    return Section(
        "ledger_invariants",
        not failed,
        {
            "checks": [
                {"name": r.name, "ok": r.ok, "offending": r.offending[:MAX_ITEMS]} for r in results
            ]
        },
        [f"{r.name}: {len(r.offending)} offending row(s)" for r in failed],
    )


def remittances_payable(session: Session) -> Section:
    """``remit:payable`` against the remittances that still await payout."""
    account = ledger.find_account(session, chart.REMIT_PAYABLE)
    payable = account.posted_balance if account is not None else 0
    count, amount = session.execute(
        select(func.count(), func.coalesce(func.sum(Remittance.amount), 0)).where(
            Remittance.status == AWAITING
        )
    ).one()
    difference = payable - int(amount)
    return Section(
        "remittances_payable",
        difference == 0,
        {
            "remit_payable": payable,
            "awaiting_payout": {"count": int(count), "amount": int(amount)},
            "difference": difference,
        },
        [] if difference == 0 else [f"remit:payable exceeds open remittances by {difference}"],
    )


def expired_holds(session: Session, now: datetime) -> Section:
    """Reservations past their expiry that the sweeps should have released."""
    overdue = (Entry.status == "pending", Entry.expires_at <= now - HOLD_GRACE)
    total = int(session.scalar(select(func.count()).select_from(Entry).where(*overdue)) or 0)
    rows = session.execute(
        select(Entry.id, Entry.kind, Entry.reference, Entry.expires_at, func.sum(Posting.amount))
        .join(Posting, Posting.entry_id == Entry.id)
        .where(*overdue, Posting.side == "debit")
        .group_by(Entry.id, Entry.kind, Entry.reference, Entry.expires_at)
        .order_by(Entry.expires_at)
        .limit(MAX_ITEMS)
    ).all()
    items = [
        {
            "entry_id": entry_id,
            "kind": kind,
            "reference": reference,
            "expires_at": expires_at.isoformat() if expires_at else None,
            "amount": int(amount or 0),
        }
        for entry_id, kind, reference, expires_at, amount in rows
    ]
    return Section(
        "expired_holds",
        total == 0,
        {"grace_minutes": int(HOLD_GRACE.total_seconds() // 60), "count": total, "items": items},
        [f"{total} hold(s) past expiry not released"] if total else [],
    )


def _job_view(job: OutboxJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "name": job.name,
        "status": job.status,
        "attempts": job.attempts,
        "created_at": job.created_at.isoformat(),
        "last_error": (job.last_error or "")[:200] or None,
    }


def outbox_jobs(session: Session, now: datetime) -> Section:
    """Jobs committed but not done long after, and jobs that failed for good."""
    stuck_where = (
        OutboxJob.status.in_(("pending", "retrying")),
        OutboxJob.created_at <= now - JOB_STUCK_AFTER,
    )
    failed_where = (OutboxJob.status == "failed",)
    counts = {}
    items = {}
    for label, where in (("stuck", stuck_where), ("failed", failed_where)):
        counts[label] = int(
            session.scalar(select(func.count()).select_from(OutboxJob).where(*where)) or 0
        )
        jobs = session.scalars(select(OutboxJob).where(*where).order_by(OutboxJob.id).limit(20))
        items[label] = [_job_view(job) for job in jobs]
    breaks = []
    if counts["stuck"]:
        breaks.append(f"{counts['stuck']} job(s) not done an hour after commit")
    if counts["failed"]:
        breaks.append(f"{counts['failed']} job(s) failed for good (flask jobs retry)")
    return Section(
        "outbox_jobs",
        not breaks,
        {
            "stuck_after_minutes": int(JOB_STUCK_AFTER.total_seconds() // 60),
            "stuck": counts["stuck"],
            "failed": counts["failed"],
            "stuck_jobs": items["stuck"],
            "failed_jobs": items["failed"],
        },
        breaks,
    )


def all_sections(session: Session, close: datetime, now: datetime) -> list[Section]:
    trial, safeguarding = closing_ledger(session, close)
    return [
        trial,
        ledger_invariants(session),
        safeguarding,
        remittances_payable(session),
        expired_holds(session, now),
        outbox_jobs(session, now),
    ]
