"""The double-entry ledger: the only way money moves in PostCash.

Domain packages call the functions re-exported here; they never touch the
ledger tables directly. See ``models.py`` for the design and DESIGN.md for the
chart of accounts and the postings of each operation.
"""

from app.ledger.accounts import find_account, get_account, open_account, set_status
from app.ledger.balances import (
    Balance,
    Page,
    StatementLine,
    balance,
    balances,
    outflow,
    posted_balance_at,
    statement,
    trial_balance,
)
from app.ledger.bulk import Draft, post_entries
from app.ledger.checks import CheckResult, register, run_checks
from app.ledger.models import Account, Entry, Posting
from app.ledger.posting import (
    Leg,
    PostedEntry,
    credit,
    debit,
    entry_key,
    hold_entry,
    post_entry,
    post_pending,
    reversal_legs,
    reverse_entry,
    void_pending,
)

__all__ = [
    "Account",
    "Balance",
    "CheckResult",
    "Draft",
    "Entry",
    "Leg",
    "Page",
    "PostedEntry",
    "Posting",
    "StatementLine",
    "balance",
    "balances",
    "credit",
    "debit",
    "entry_key",
    "find_account",
    "get_account",
    "hold_entry",
    "open_account",
    "outflow",
    "post_entries",
    "post_entry",
    "post_pending",
    "posted_balance_at",
    "register",
    "reversal_legs",
    "reverse_entry",
    "run_checks",
    "set_status",
    "statement",
    "trial_balance",
    "void_pending",
]
