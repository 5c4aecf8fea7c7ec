"""The portal's forms (WTForms): field shapes only; the rules stay in the services.
CSRF is checked once for every POST of the blueprint (``common._prepare``)."""

from __future__ import annotations

from wtforms import Form, PasswordField, StringField
from wtforms.validators import InputRequired, Length

REQUIRED = InputRequired(message="portal.form.required")


class SignInForm(Form):
    msisdn = StringField(validators=[REQUIRED, Length(max=32)])
    pin = PasswordField(validators=[REQUIRED, Length(max=8)])


class DeviceCodeForm(Form):
    code = StringField(validators=[REQUIRED, Length(max=10)])


class SignUpForm(Form):
    msisdn = StringField(validators=[REQUIRED, Length(max=32)])
    first_name = StringField(validators=[REQUIRED, Length(max=60)])
    last_name = StringField(validators=[REQUIRED, Length(max=60)])
    pin = PasswordField(validators=[REQUIRED, Length(max=8)])
    pin_again = PasswordField(validators=[REQUIRED, Length(max=8)])
