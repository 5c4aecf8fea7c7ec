"""Staff: post-office agents (counters holding a float) and administrators.

Both sign in with a password and a 30-second TOTP from an authenticator app;
agents also own a float account in the ledger (``float:<agent id>``).
"""
