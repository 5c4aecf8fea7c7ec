"""The SMS channel: what customers text to the short code (``inbound/``) and the
provider's delivery reports and the dev outbox (``routes.py``).

Sending a text is core work any package does: ``app/notify``.
"""
