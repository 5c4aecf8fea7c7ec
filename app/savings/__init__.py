"""Postal savings: the livret d'épargne (deposits, withdrawals, the quinzaine rule,
daily interest provisions and the yearly capitalisation). See docs/API.md
"Postal savings" and ``quinzaine.py`` for the rule and its rounding."""
