"""Outbound messages (SMS today): templates rendered in the customer's language, sent by jobs.

``send_sms`` is what domain code calls; ``record_delivery_report`` is what the
provider's callback calls. Gateways (``gateways.py``) are picked by
``SMS_BACKEND``; the GSM-7 alphabet lives in ``gsm.py``.
"""

from app.notify.models import SmsMessage
from app.notify.service import deliver_message, record_delivery_report, send_sms

__all__ = ["SmsMessage", "deliver_message", "record_delivery_report", "send_sms"]
