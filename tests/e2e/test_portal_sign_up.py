"""Opening an account on the portal: the registration of the REST API, in a web form."""

from app.customers.models import Customer
from app.db import transaction
from tests import factories
from tests.e2e.portal_support import post, text_of

NUMBER = "+242065551234"


def _fill(client, **overrides):
    fields = {
        "msisdn": "06 555 1234",
        "first_name": "Grâce",
        "last_name": "Nkounkou",
        "pin": "2580",
        "pin_again": "2580",
        **overrides,
    }
    return post(client, "/compte/inscription", **fields)


def test_a_new_customer_signs_up_with_the_sms_code_and_lands_signed_in(client, app, runtime):
    answer = _fill(client)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/compte/inscription/code")
    code = factories.sms_code(app, NUMBER, digits=6)
    opened = post(client, "/compte/inscription/code", code=code)
    assert opened.status_code == 303
    assert "postcash_device=" in opened.headers["Set-Cookie"]
    page = client.get(opened.headers["Location"])
    assert "Bienvenue" in text_of(page) and "Bonjour Grâce" in text_of(page)
    with transaction(runtime) as session:
        assert session.query(Customer).filter_by(msisdn=NUMBER).one().language == "fr"


def test_a_customer_signing_up_in_lingala_gets_lingala(client, app, runtime):
    client.get("/langue/ln")
    _fill(client)
    with transaction(runtime) as session:
        code = factories.sms_code(app, NUMBER, digits=6)
        post(client, "/compte/inscription/code", code=code)
        assert session.query(Customer).filter_by(msisdn=NUMBER).one().language == "ln"


def test_two_different_pins_are_refused_before_anything_is_sent(client, app):
    answer = _fill(client, pin_again="2581")
    assert answer.status_code == 422
    assert "pas identiques" in text_of(answer)


def test_a_trivial_pin_is_refused_next_to_its_field(client):
    answer = _fill(client, pin="1234", pin_again="1234")
    assert answer.status_code == 422
    assert "ni une suite" in text_of(answer)


def test_a_number_already_registered_is_said_without_opening_anything(client, awa):
    answer = _fill(client, msisdn=awa.msisdn)
    assert answer.status_code == 422
    assert "déjà un compte" in text_of(answer)


def test_a_wrong_code_opens_nothing(client, app, runtime):
    _fill(client)
    answer = post(client, "/compte/inscription/code", code="000000")
    assert answer.status_code == 401
    with transaction(runtime) as session:
        assert session.query(Customer).filter_by(msisdn=NUMBER).count() == 0


def test_the_code_page_without_a_registration_goes_back_to_the_form(client):
    assert client.get("/compte/inscription/code").status_code == 303
