"""Database guards of the ledger, written as SQL so they hold for any writer.

* postings are append-only: UPDATE and DELETE are refused;
* entries are never deleted; an entry leaves ``pending`` at most once and its
  key, fingerprint and kind never change;
* accounts are never deleted, and their code, type, normal side, currency and
  overdraft rule never change (the write path caches them, app/ledger/refs.py);
  the trigger names those columns, so the increments of the totals, the
  ledger's hot path, never call it;
* PostgreSQL: a deferred constraint trigger checks at commit that every entry
  that received postings balances per currency (SQLite cannot defer a trigger;
  there the Python check and ``flask ledger check`` stand guard). Migration
  0010 replaced it with one check per INSERT statement over the entries the
  statement touched.

The overdraft rule is a CHECK constraint on ``ledger_accounts`` (models.py).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

PG_GUARDS = [
    """
    CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'ledger %: % is not allowed (append-only)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
    """,
    """
    CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
    """,
    """
    CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_account_fixed() RETURNS trigger AS $$
    BEGIN
      IF NEW.id <> OLD.id OR NEW.code <> OLD.code OR NEW.type <> OLD.type
         OR NEW.normal <> OLD.normal OR NEW.currency <> OLD.currency
         OR NEW.allow_overdraft <> OLD.allow_overdraft THEN
        RAISE EXCEPTION 'ledger account %: code, type, side, currency, overdraft rule are fixed',
          OLD.id USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER ledger_accounts_fixed
    BEFORE UPDATE OF id, code, type, normal, currency, allow_overdraft ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_account_fixed()
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_entry_transition() RETURNS trigger AS $$
    BEGIN
      IF NEW.idempotency_key <> OLD.idempotency_key OR NEW.fingerprint <> OLD.fingerprint
         OR NEW.kind <> OLD.kind THEN
        RAISE EXCEPTION 'ledger entry %: key, fingerprint and kind are immutable', OLD.id
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF NEW.status <> OLD.status AND OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'ledger entry %: % is final', OLD.id, OLD.status
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER ledger_entries_transition BEFORE UPDATE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_transition()
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger AS $$
    DECLARE
      bad_currency text;
      difference bigint;
    BEGIN
      SELECT currency, SUM(CASE WHEN side = 'debit' THEN amount ELSE -amount END)
        INTO bad_currency, difference
        FROM ledger_postings WHERE entry_id = NEW.entry_id
        GROUP BY currency
        HAVING SUM(CASE WHEN side = 'debit' THEN amount ELSE -amount END) <> 0
        LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % is unbalanced in % by %', NEW.entry_id, bad_currency,
          difference USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced()
    """,
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS ledger_postings_balanced ON ledger_postings",
    "DROP TRIGGER IF EXISTS ledger_accounts_fixed ON ledger_accounts",
    "DROP TRIGGER IF EXISTS ledger_accounts_no_delete ON ledger_accounts",
    "DROP TRIGGER IF EXISTS ledger_entries_transition ON ledger_entries",
    "DROP TRIGGER IF EXISTS ledger_entries_no_delete ON ledger_entries",
    "DROP TRIGGER IF EXISTS ledger_postings_append_only ON ledger_postings",
    "DROP FUNCTION IF EXISTS ledger_check_entry_balanced()",
    "DROP FUNCTION IF EXISTS ledger_entry_transition()",
    "DROP FUNCTION IF EXISTS ledger_account_fixed()",
    "DROP FUNCTION IF EXISTS ledger_refuse_change()",
]

SQLITE_GUARDS = [
    """
    CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
    BEGIN SELECT RAISE(ABORT, 'ledger_postings: UPDATE is not allowed (append-only)'); END
    """,
    """
    CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
    BEGIN SELECT RAISE(ABORT, 'ledger_postings: DELETE is not allowed (append-only)'); END
    """,
    """
    CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
    BEGIN SELECT RAISE(ABORT, 'ledger_entries: DELETE is not allowed (append-only)'); END
    """,
    """
    CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
    BEGIN SELECT RAISE(ABORT, 'ledger_accounts: DELETE is not allowed'); END
    """,
    """
    CREATE TRIGGER ledger_accounts_fixed
    BEFORE UPDATE OF id, code, type, normal, currency, allow_overdraft ON ledger_accounts
    WHEN NEW.id <> OLD.id OR NEW.code <> OLD.code OR NEW.type <> OLD.type
      OR NEW.normal <> OLD.normal OR NEW.currency <> OLD.currency
      OR NEW.allow_overdraft <> OLD.allow_overdraft
    BEGIN SELECT RAISE(ABORT, 'ledger_accounts: code, type, side, currency, overdraft fixed'); END
    """,
    """
    CREATE TRIGGER ledger_entries_transition BEFORE UPDATE ON ledger_entries
    WHEN NEW.idempotency_key <> OLD.idempotency_key OR NEW.fingerprint <> OLD.fingerprint
      OR NEW.kind <> OLD.kind OR (NEW.status <> OLD.status AND OLD.status <> 'pending')
    BEGIN SELECT RAISE(ABORT, 'ledger_entries: final or immutable field changed'); END
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ledger_accounts_fixed",
    "DROP TRIGGER IF EXISTS ledger_accounts_no_delete",
    "DROP TRIGGER IF EXISTS ledger_entries_transition",
    "DROP TRIGGER IF EXISTS ledger_entries_no_delete",
    "DROP TRIGGER IF EXISTS ledger_postings_no_delete",
    "DROP TRIGGER IF EXISTS ledger_postings_no_update",
]


def create_guards(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        for statement in PG_GUARDS:
            # the driver reads % as a placeholder; plpgsql's RAISE needs a literal %
            connection.exec_driver_sql(statement.replace("%", "%%"))
        return
    for statement in SQLITE_GUARDS:
        connection.exec_driver_sql(statement)


def drop_guards(connection: Connection) -> None:
    statements = PG_DROP if connection.dialect.name == "postgresql" else SQLITE_DROP
    for statement in statements:
        connection.exec_driver_sql(statement)
