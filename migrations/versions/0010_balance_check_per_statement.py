"""ledger: the balance of entries is checked once per INSERT statement, not per posting at COMMIT

The deferred constraint trigger of 0001 ran a query per posting at COMMIT: a
bulk payout chunk of 500 entries spent 15-20 ms of each COMMIT in 1 000 calls.
Every writer of postings on PostgreSQL (``app/ledger/journal.py``) inserts all
the legs of an entry in one statement, so the check can run once per
statement over the entries it touched, set-wise, from the statement's
transition table: one call per entry or per chunk, and an unbalanced entry
written in SQL is refused at its INSERT instead of at COMMIT. SQLite has no
such trigger (the Python check and ``flask ledger check`` stand guard there).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

from migrations.ledger_guards import PG_GUARDS

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each entry the statement touched, checked through the index on entry_id (a
# LATERAL subquery per entry: the plan cannot become a scan of all postings).
_CHECK_STATEMENT = """
CREATE OR REPLACE FUNCTION ledger_check_statement_balanced() RETURNS trigger AS $$
DECLARE
  bad_entry bigint;
  bad_currency text;
  difference bigint;
BEGIN
  SELECT touched.entry_id, sums.currency, sums.difference
    INTO bad_entry, bad_currency, difference
    FROM (SELECT DISTINCT entry_id FROM new_postings) AS touched
    CROSS JOIN LATERAL (
      SELECT currency, SUM(CASE WHEN side = 'debit' THEN amount ELSE -amount END) AS difference
        FROM ledger_postings WHERE entry_id = touched.entry_id
        GROUP BY currency
    ) AS sums
    WHERE sums.difference <> 0
    LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger entry % is unbalanced in % by %', bad_entry, bad_currency,
      difference USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
_CREATE_TRIGGER = """
CREATE TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
REFERENCING NEW TABLE AS new_postings
FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_statement_balanced()
"""
_DROP_TRIGGER = "DROP TRIGGER IF EXISTS ledger_postings_balanced ON ledger_postings"


def _run(statement: str) -> None:
    # The driver reads % as a placeholder; plpgsql's RAISE needs a literal %.
    op.get_bind().exec_driver_sql(statement.replace("%", "%%"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run(_DROP_TRIGGER)
    _run("DROP FUNCTION IF EXISTS ledger_check_entry_balanced()")
    _run(_CHECK_STATEMENT)
    _run(_CREATE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run(_DROP_TRIGGER)
    _run("DROP FUNCTION IF EXISTS ledger_check_statement_balanced()")
    for statement in PG_GUARDS:  # 0001's deferred trigger, per posting at COMMIT
        if "ledger_check_entry_balanced" in statement or "ledger_postings_balanced" in statement:
            _run(statement)
