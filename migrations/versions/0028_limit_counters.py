"""wallet_outflow: running daily and monthly outflow per wallet, kept by triggers

The KYC caps read one row instead of summing the ledger's postings twice per
payment (issue 21; app/customers/outflow.py says what the row holds). On
PostgreSQL two triggers on the ledger's tables keep it in the transaction that
writes the entry: a statement trigger on ``ledger_postings`` (each entry's net
debit of a ``wallet:`` account, pending or posted, never a reversal: what
``ledger.outflow`` counts) and a row trigger on ``ledger_entries`` taking a
voided hold's outflow back. Days are Brazzaville's. The table is backfilled
from the postings of the current month. On SQLite the table exists (the
models match the schema) but stays empty: the caps keep summing there.

Revision ID: 0028_limit_counters
Revises: 0027_operation_channel
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028_limit_counters"
down_revision: str | None = "0027_operation_channel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ZONE = "Africa/Brazzaville"  # app.customers.outflow.COUNTER_TIMEZONE

# One entry's net outflow from each wallet it touches: (entry, account, day, net).
_NET = """
    SELECT p.entry_id, p.account_id,
           (e.created_at AT TIME ZONE '{zone}')::date AS day,
           sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END) AS net
    FROM {postings} p
    JOIN ledger_entries e ON e.id = p.entry_id
    JOIN ledger_accounts a ON a.id = p.account_id
    WHERE a.code LIKE 'wallet:%' AND e.kind <> 'reversal' AND e.reverses_id IS NULL
      AND e.status IN ('pending', 'posted') {where}
    GROUP BY p.entry_id, p.account_id, e.created_at
"""

_ADD = f"""
CREATE FUNCTION wallet_outflow_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH per_entry AS ({_NET.format(zone=ZONE, postings="new_postings", where="")}),
    counted AS (SELECT * FROM per_entry WHERE net > 0),
    latest AS (SELECT account_id, max(day) AS day FROM counted GROUP BY account_id)
    INSERT INTO wallet_outflow AS o (account_id, day, day_total, month, month_total)
    SELECT c.account_id, l.day,
           coalesce(sum(c.net) FILTER (WHERE c.day = l.day), 0),
           date_trunc('month', l.day)::date,
           coalesce(sum(c.net) FILTER (
               WHERE date_trunc('month', c.day) = date_trunc('month', l.day)), 0)
    FROM counted c JOIN latest l ON l.account_id = c.account_id
    GROUP BY c.account_id, l.day
    ON CONFLICT (account_id) DO UPDATE SET
        day_total = CASE WHEN o.day = EXCLUDED.day THEN o.day_total + EXCLUDED.day_total
                         WHEN o.day < EXCLUDED.day THEN EXCLUDED.day_total
                         ELSE o.day_total END,
        day = greatest(o.day, EXCLUDED.day),
        month_total = CASE WHEN o.month = EXCLUDED.month
                               THEN o.month_total + EXCLUDED.month_total
                           WHEN o.month < EXCLUDED.month THEN EXCLUDED.month_total
                           ELSE o.month_total END,
        month = greatest(o.month, EXCLUDED.month);
    RETURN NULL;
END $$;
"""

_VOID = f"""
CREATE FUNCTION wallet_outflow_void() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE wallet_outflow o SET
        day_total = CASE WHEN o.day = x.day THEN o.day_total - x.net ELSE o.day_total END,
        month_total = CASE WHEN o.month = date_trunc('month', x.day)::date
                           THEN o.month_total - x.net ELSE o.month_total END
    FROM (
        SELECT p.account_id, (NEW.created_at AT TIME ZONE '{ZONE}')::date AS day,
               sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END) AS net
        FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
        WHERE p.entry_id = NEW.id AND a.code LIKE 'wallet:%'
        GROUP BY p.account_id
    ) x
    WHERE o.account_id = x.account_id AND x.net > 0;
    RETURN NULL;
END $$;
"""

_BACKFILL = f"""
WITH per_entry AS ({
    _NET.format(
        zone=ZONE,
        postings="ledger_postings",
        where=f"AND e.created_at >= date_trunc('month', now() AT TIME ZONE '{ZONE}') "
        f"AT TIME ZONE '{ZONE}'",
    )
}),
today AS (SELECT (now() AT TIME ZONE '{ZONE}')::date AS day)
INSERT INTO wallet_outflow (account_id, day, day_total, month, month_total)
SELECT c.account_id, t.day,
       coalesce(sum(c.net) FILTER (WHERE c.day = t.day), 0),
       date_trunc('month', t.day)::date,
       sum(c.net)
FROM per_entry c CROSS JOIN today t
WHERE c.net > 0 AND c.day <= t.day
GROUP BY c.account_id, t.day
"""


def upgrade() -> None:
    op.create_table(
        "wallet_outflow",
        sa.Column(
            "account_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("day_total", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("month_total", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_wallet_outflow_account_id_ledger_accounts"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_wallet_outflow")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # on the driver, without parameters: the SQL (its LIKE 'wallet:%') goes as written
    run = op.get_bind().connection.driver_connection.execute
    run(_ADD)
    run(_VOID)
    run(
        "CREATE TRIGGER wallet_outflow_add AFTER INSERT ON ledger_postings "
        "REFERENCING NEW TABLE AS new_postings "
        "FOR EACH STATEMENT EXECUTE FUNCTION wallet_outflow_add()"
    )
    run(
        "CREATE TRIGGER wallet_outflow_void AFTER UPDATE OF status ON ledger_entries "
        "FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status = 'voided' "
        "AND NEW.kind <> 'reversal' AND NEW.reverses_id IS NULL) "
        "EXECUTE FUNCTION wallet_outflow_void()"
    )
    run(_BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS wallet_outflow_void ON ledger_entries")
        op.execute("DROP TRIGGER IF EXISTS wallet_outflow_add ON ledger_postings")
        op.execute("DROP FUNCTION IF EXISTS wallet_outflow_void()")
        op.execute("DROP FUNCTION IF EXISTS wallet_outflow_add()")
    op.drop_table("wallet_outflow")
