"""Likelemba: rotating savings groups (a tontine) whose pot sits in the ledger.

See docs/API.md ("Postal savings (livret d'épargne) and likelemba groups") for
the contract and ``service.py`` for the rules: forming, accepting, the cycles,
collection, payout, leaving.
"""
