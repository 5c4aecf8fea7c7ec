"""A simulated year (docs/API.md "Postal savings"): the clock advanced day by day over
livrets with random deposits and withdrawals, the sweep every morning, the year
capitalised on 1 January; the ledger check is green and every livret received
exactly what the pure quinzaine function computes.

The suite runs 40 livrets; bench/savings_year.py runs the same year over 1 000.
"""

from __future__ import annotations

from bench.savings_year import simulate


def test_a_simulated_year_capitalises_what_the_quinzaine_rule_computes(app, clock):
    result = simulate(app, 40, seed=17)
    assert result.movements >= 40 * 5
    assert result.checks_failed == []
    assert result.mismatches == []
    assert result.gross > 0 and 0 < result.tax < result.gross
