"""Database guards of the audit trail, written as SQL so they hold for any writer.

* audit events are append-only: UPDATE and DELETE are refused;
* the chain head only moves forward and is never deleted, so rolling it back
  to hide a deleted tail needs the guard dropped first.

TRUNCATE is left to the table owner (the test suite empties tables with it);
in production the application's role should not own the tables (DEPLOY.md).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

PG_GUARDS = [
    """
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'audit %: % is not allowed (append-only)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()
    """,
    """
    CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()
    """,
    """
    CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger AS $$
    BEGIN
      IF NEW.last_id <= OLD.last_id THEN
        RAISE EXCEPTION 'audit_chain_head: last_id may only grow (% -> %)', OLD.last_id,
          NEW.last_id USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward()
    """,
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS audit_chain_head_forward ON audit_chain_head",
    "DROP TRIGGER IF EXISTS audit_chain_head_no_delete ON audit_chain_head",
    "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
    "DROP FUNCTION IF EXISTS audit_head_forward()",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]

SQLITE_GUARDS = [
    """
    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events: UPDATE is not allowed (append-only)'); END
    """,
    """
    CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events: DELETE is not allowed (append-only)'); END
    """,
    """
    CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
    BEGIN SELECT RAISE(ABORT, 'audit_chain_head: DELETE is not allowed'); END
    """,
    """
    CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head
    WHEN NEW.last_id <= OLD.last_id
    BEGIN SELECT RAISE(ABORT, 'audit_chain_head: last_id may only grow'); END
    """,
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_chain_head_forward",
    "DROP TRIGGER IF EXISTS audit_chain_head_no_delete",
    "DROP TRIGGER IF EXISTS audit_events_no_delete",
    "DROP TRIGGER IF EXISTS audit_events_no_update",
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
