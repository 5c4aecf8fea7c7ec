"""The SMS channel: commands customers text to the short code (``POST /sms/inbound``).

``parser`` reads a text as a command (French keywords, Lingala and English
synonyms), ``inbox`` stores each provider message once and guards each
number's hourly replies, ``commands`` runs one domain function per command,
``replies`` names the catalog text of each answer (``smscmd.*.po``),
``service`` ties them together in the request's unit of work and ``routes``
is the HTTP edge. Answers leave through ``app.notify.send_sms`` like every SMS.
"""
