"""The statement's CSV export: a counterparty's name never runs as a formula."""

import csv
import io
from datetime import UTC, datetime

from app.receipts.statement import StatementWords, rows_of, statement_csv

COLUMNS = ["date", "ref", "type", "other", "amount", "fee", "bal"]
WORDS = StatementWords("Relevé", "Awa", "—", COLUMNS, "Aucune opération")


def _line(name: str, direction: str = "credit") -> dict:
    return {
        "created_at": datetime(2026, 12, 1, tzinfo=UTC),
        "reference": "PC1",
        "type": "likelemba_payout",
        "direction": direction,
        "counterparty": {"name": name, "msisdn": None},
        "amount": 1000,
        "fee": 0,
        "balance_after": 5000,
    }


def _cells(*lines: dict) -> list[list[str]]:
    rows = rows_of(list(lines), lambda d: d.date().isoformat(), lambda k: k)
    return list(csv.reader(io.StringIO(statement_csv(WORDS, rows))))[1:]


def test_a_group_named_like_a_formula_is_written_as_text():
    for name in ('=HYPERLINK("http://evil.example","clic")', "@SUM(A1)", "+cmd|' /C calc'!A0"):
        (row,) = _cells(_line(name))
        assert row[3] == "'" + name, name


def test_a_name_starting_with_a_minus_and_a_figure_is_still_text():
    (row,) = _cells(_line("-1+1|cmd"))
    assert row[3] == "'-1+1|cmd"


def test_the_amounts_stay_as_figures():
    (credit,) = _cells(_line("Tontine du marché"))
    (debit,) = _cells(_line("Tontine du marché", direction="debit"))
    assert credit[3] == "Tontine du marché"
    assert credit[4].startswith("+1")
    assert debit[4].startswith("-1")
