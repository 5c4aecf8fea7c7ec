"""rq job functions: thin wrappers that open a unit of work and call a domain function.

Jobs are referred to by dotted name (``workers.sms.send_message``) from the
outbox, so domain code never imports this package.
"""
