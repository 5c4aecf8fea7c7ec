"""Customers: people who hold a wallet, keyed by their phone number (MSISDN).

The package owns the ``customers`` table, the PIN rules, the lockout after
wrong PINs and the KYC tiers with their limits. Channels (REST, USSD, SMS) call
``service`` and ``limits``; payments call ``verify_pin``, ``ensure_can_transact``,
``check_outgoing`` and ``check_incoming`` so a rule is written once.
"""
