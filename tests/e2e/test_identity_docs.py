"""Swagger documents each identity endpoint with its schemas and security."""

import pytest

PATHS = {
    ("/customers", "post"): None,
    ("/customers/{customer_id}/verify", "post"): None,
    ("/auth/login", "post"): None,
    ("/auth/agent/login", "post"): None,
    ("/auth/logout", "post"): "bearer",
    ("/me", "get"): "bearer",
    ("/me/balance", "get"): "bearer",
    ("/me/pin", "post"): "bearer",
    ("/customers/{customer_id}/kyc", "post"): "bearer",
    ("/customers/{customer_id}/unlock", "post"): "bearer",
    ("/admin/agents", "post"): "bearer",
    ("/admin/partners", "post"): "bearer",
    ("/admin/payers", "post"): "bearer",
    ("/admin/ledger/trial-balance", "get"): "bearer",
    ("/admin/ledger/check", "get"): "bearer",
}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/swagger.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.parametrize("path,method", list(PATHS))
def test_each_endpoint_is_documented_with_a_summary_and_answers(spec, path, method):
    operation = spec["paths"][path][method]
    assert operation["summary"]
    assert any(code.startswith("2") for code in operation["responses"])


@pytest.mark.parametrize("path,method", [key for key, scheme in PATHS.items() if scheme])
def test_protected_endpoints_show_their_security_and_refusals(spec, path, method):
    operation = spec["paths"][path][method]
    assert operation["security"] == [{PATHS[(path, method)]: []}]
    assert {"401", "403"} <= set(operation["responses"])


def test_request_bodies_are_documented_with_their_models(spec):
    body = spec["paths"]["/customers"]["post"]["parameters"][0]
    assert body["schema"] == {"$ref": "#/definitions/Registration"}
    assert set(spec["definitions"]["Registration"]["properties"]) == {
        "msisdn",
        "first_name",
        "last_name",
        "pin",
        "language",
    }
