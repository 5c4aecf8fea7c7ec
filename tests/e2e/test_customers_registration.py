"""POST /customers: anyone registers with their number, names, a PIN and a language.

The registration waits for the code texted to the number (tests/e2e/
test_registration_verification.py); these tests are about what is typed in.
"""

import pytest

URL = "/api/v1/customers"


def body(**overrides):
    data = {
        "msisdn": "+242061234567",
        "first_name": "Awa",
        "last_name": "Mabiala",
        "pin": "2580",
        "language": "fr",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("typed", ["+242061234567", "242061234567", "061234567", "06 123 4567"])
def test_every_number_format_registers_the_same_e164_number(client, typed):
    response = client.post(URL, json=body(msisdn=typed))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["msisdn"] == "+242061234567"


def test_language_defaults_to_french(client):
    data = body()
    del data["language"]
    assert client.post(URL, json=data).get_json()["language"] == "fr"


def test_the_longest_names_register(client):
    response = client.post(
        URL, json=body(first_name="A" * 30, last_name="Ngoma-Mabiala-Okemba-Nkounkou")
    )
    assert response.status_code == 201, response.get_json()


def test_a_number_waiting_for_its_code_cannot_register_again_in_any_format(client):
    client.post(URL, json=body(msisdn="+242061234567"))
    response = client.post(URL, json=body(msisdn="06 123 4567", first_name="Autre"))
    assert response.status_code == 409
    assert response.get_json()["code"] == "conflict"
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("typed", ["12345", "+242221234567", "bonjour", "0612345678"])
def test_an_invalid_number_is_a_validation_error(client, typed):
    response = client.post(URL, json=body(msisdn=typed))
    assert response.status_code == 400
    problem = response.get_json()
    assert problem["code"] == "validation_error"
    assert "msisdn" in problem["errors"]


def test_a_number_of_another_country_is_a_validation_error(client):
    response = client.post(URL, json=body(msisdn="+33612345678"))
    assert response.status_code == 400
    assert "msisdn" in response.get_json()["errors"]


@pytest.mark.parametrize("pin", ["0000", "1234", "9876", "1212"])
def test_a_trivial_pin_is_refused(client, pin):
    response = client.post(URL, json=body(pin=pin))
    assert response.status_code == 400
    assert "pin" in response.get_json()["errors"]


@pytest.mark.parametrize("pin", ["123", "12345", "12a4", 2580])
def test_a_pin_that_is_not_four_digits_is_refused(client, pin):
    response = client.post(URL, json=body(pin=pin))
    assert response.status_code == 400
    assert "pin" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "field,value",
    [
        ("first_name", ""),
        ("first_name", "A" * 31),
        ("last_name", "R2-D2"),
        ("last_name", "   "),
        ("language", "en"),
    ],
)
def test_bad_names_and_languages_are_refused_field_by_field(client, field, value):
    response = client.post(URL, json=body(**{field: value}))
    assert response.status_code == 400
    assert field in response.get_json()["errors"]


def test_names_are_trimmed_and_accents_kept(client):
    response = client.post(URL, json=body(first_name="  Élodie ", last_name="N'Goma  Béné"))
    customer = response.get_json()
    assert (customer["first_name"], customer["last_name"]) == ("Élodie", "N'Goma Béné")


def test_every_invalid_field_is_reported_at_once(client):
    response = client.post(URL, json=body(msisdn="abc", pin="0000", last_name="X1"))
    assert set(response.get_json()["errors"]) == {"msisdn", "pin", "last_name"}


def test_a_missing_or_non_json_body_is_a_validation_error(client):
    assert client.post(URL, data="msisdn=1").status_code == 400
    assert client.post(URL, json=["not", "an", "object"]).status_code == 400
    assert client.post(URL, json={}).get_json()["code"] == "validation_error"


def test_a_hundred_customers_register_from_one_address(client):
    for n in range(100):
        response = client.post(URL, json=body(msisdn=f"+24206{n:07d}"))
        assert response.status_code == 201, (n, response.get_json())
