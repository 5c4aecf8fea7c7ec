"""The statement counter the benches and path tests use."""

from sqlalchemy import create_engine, text

from app.db.statements import count_statements


def test_counts_each_statement_by_its_verb() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn, count_statements(engine) as counted:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.execute(text("SELECT x FROM t"))
    assert counted.total == 3
    assert counted.by_verb == {"CREATE": 1, "INSERT": 1, "SELECT": 1}
    assert counted.summary() == "3 (CREATE 1, INSERT 1, SELECT 1)"


def test_stops_counting_when_the_block_ends() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        with count_statements(engine) as counted:
            conn.execute(text("SELECT 1"))
        conn.execute(text("SELECT 2"))
    assert counted.total == 1
