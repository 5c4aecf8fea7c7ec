"""The counter's forms (WTForms): field shapes only; business rules stay in the services.

CSRF is checked once for every POST of the blueprint (``views.check_csrf``), so
these forms carry no token of their own. Labels come from the web catalog.
"""

from __future__ import annotations

from typing import Any

from wtforms import Form, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from app.customers.models import ID_TYPES
from app.i18n.web import page_text as _

REQUIRED = InputRequired(message="form.required")


def _amount() -> IntegerField:
    return IntegerField(
        _("form.amount"),
        validators=[REQUIRED, NumberRange(min=1, max=100_000_000, message="form.amount_invalid")],
    )


def choice(value: str, label: str) -> SelectChoice:
    return SelectChoice(value=value, label=label)


def id_types() -> list[SelectChoice]:
    return [choice(code, _(f"idtype.{code}")) for code in ID_TYPES]


def optional_id_types() -> list[SelectChoice]:
    return [choice("", "—"), *id_types()]


class LoginForm(Form):
    username = StringField(_("login.username"), validators=[REQUIRED, Length(max=64)])
    password = PasswordField(_("login.password"), validators=[REQUIRED, Length(max=200)])
    totp = StringField(_("login.totp"), validators=[REQUIRED, Length(max=10)])


class RegisterForm(Form):
    msisdn = StringField(_("form.msisdn"), validators=[REQUIRED, Length(max=32)])
    first_name = StringField(_("register.first_name"), validators=[REQUIRED, Length(max=60)])
    last_name = StringField(_("register.last_name"), validators=[REQUIRED, Length(max=60)])
    pin = PasswordField(_("register.pin"), validators=[REQUIRED, Length(max=8)])
    language = SelectField(
        _("register.language"),
        choices=[choice("fr", _("language.fr")), choice("ln", _("language.ln"))],
        default="fr",
    )


class VerifyForm(Form):
    registration = HiddenField(validators=[REQUIRED, Length(max=36)])
    otp = StringField(_("register.otp"), validators=[REQUIRED, Length(max=10)])


class KycForm(Form):
    tier = SelectField(
        _("kyc.tier"),
        choices=[choice("standard", _("tier.standard")), choice("full", _("tier.full"))],
    )
    id_type = SelectField(_("kyc.id_type"), choices=id_types())
    id_number = StringField(_("kyc.id_number"), validators=[REQUIRED, Length(max=60)])


class MailScanForm(Form):
    """A paper letter's step at the counter (the rules are ``app.mail.printing.scan``'s)."""

    key = HiddenField(validators=[REQUIRED, Length(max=64)])
    tracking_number = StringField(_("mail.tracking_number"), validators=[REQUIRED, Length(max=32)])
    event = SelectField(
        _("mail.event"),
        choices=[
            choice(e, _(f"mail.status.{e}"))
            for e in ("dispatched", "at_post_office", "delivered", "returned")
        ],
    )
    recipient_id_number = StringField(
        _("mail.recipient_id_number"), validators=[Optional(), Length(max=60)]
    )


class EmptyForm(Form):
    """A button only (unlock a PIN, close the day, sign out): the CSRF token is its content."""


class CloseDayForm(Form):
    counted_cash = IntegerField(
        _("till.counted_cash"),
        # The bound of ``POST /agent/till/close``: a figure past 64 bits is no count.
        validators=[Optional(), NumberRange(min=0, max=10**12, message="form.amount_invalid")],
    )


class CashInForm(Form):
    msisdn = StringField(_("form.msisdn"), validators=[REQUIRED, Length(max=32)])
    amount = _amount()


class CashOutForm(Form):
    msisdn = StringField(_("form.msisdn"), validators=[REQUIRED, Length(max=32)])


class RemitSendForm(Form):
    sender_name = StringField(_("remit_send.name"), validators=[REQUIRED, Length(max=80)])
    sender_msisdn = StringField(_("remit_send.msisdn"), validators=[REQUIRED, Length(max=32)])
    sender_id_type = SelectField(_("kyc.id_type"), choices=optional_id_types(), default="")
    sender_id_number = StringField(
        _("kyc.id_number"), validators=[Optional(), Length(max=60)], default=""
    )
    recipient_name = StringField(_("remit_send.name"), validators=[REQUIRED, Length(max=80)])
    recipient_msisdn = StringField(_("remit_send.msisdn"), validators=[REQUIRED, Length(max=32)])
    amount = _amount()


class PayoutForm(Form):
    code = StringField(
        _("remit_payout.code"),
        validators=[REQUIRED, Length(max=20)],
        render_kw={"autocomplete": "off"},
    )
    recipient_id_type = SelectField(_("remit_payout.id_type"), choices=id_types())
    recipient_id_number = StringField(
        _("remit_payout.id_number"), validators=[REQUIRED, Length(max=60)]
    )


class BillForm(Form):
    biller_code = SelectField(_("bill.biller"), choices=[])
    bill_reference = StringField(_("bill.reference"), validators=[REQUIRED, Length(max=60)])
    amount = _amount()
    payer_name = StringField(_("bill.payer_name"), validators=[REQUIRED, Length(max=80)])
    payer_msisdn = StringField(
        _("bill.payer_msisdn"), validators=[Optional(), Length(max=32)], default=""
    )


class SavingsDepositForm(Form):
    account_number = StringField(
        _("savings.account"),
        validators=[REQUIRED, Length(max=20)],
        render_kw={"autocomplete": "off"},
    )
    amount = _amount()


class ConfirmForm(Form):
    payload = HiddenField(validators=[REQUIRED])
    key = HiddenField(validators=[REQUIRED, Length(max=64)])
    code = StringField(
        _("cash_out.code"),
        validators=[Optional(), Regexp(r"^\s*\d{6}\s*$", message="invalid.code")],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )


def field_errors(form: Form) -> dict[str, list[str]]:
    """A form's validation errors as catalog texts (validators carry catalog keys)."""
    out: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        out[str(name)] = [_(m) if _known(m) else _("invalid.default") for m in messages]
    return out


def _known(message: Any) -> bool:
    from app.i18n.web import web_texts

    return isinstance(message, str) and message in web_texts()
