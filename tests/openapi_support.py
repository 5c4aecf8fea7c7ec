"""The operations of ``/api/v1/swagger.json`` and a signed-in caller for each.

Shared by the tests that call every operation (tests/e2e/test_hostile_text_and_paths.py,
tests/e2e/test_malformed_requests.py, tests/chaos/test_openapi_fuzz.py): the role a
path is for, headers that get a request past authentication as that role, and the
operations with a concrete path to call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.db import transaction
from tests import factories

API = "/api/v1"
IDEMPOTENCY_KEY = "Idempotency-Key"

# The caller each part of the API is for; anything else is a customer's.
ROLE_BY_PREFIX = [
    ("/admin", "admin"),
    ("/agent", "agent"),
    ("/partners", "partner"),
    ("/merchant", "merchant"),
    ("/disbursements", "payer"),
]
_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")


_DOCUMENTED_ROLES = re.compile(r"allowed to ([a-z, ]+)")
# Changing the PIN (wrong old PINs lock the customer) and signing out (it revokes the
# token) would shut the customer out of every later call: they are called last.
RUN_LAST = ("/me/pin", "/auth/logout")


def run_last(template: str) -> int:
    """Sort key: the operations of ``RUN_LAST`` after all others, in that order."""
    return RUN_LAST.index(template) + 1 if template in RUN_LAST else 0


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # as in the spec, without the base path: /transfers/{transfer_id}/cancel
    parameters: tuple[dict[str, Any], ...]
    responses: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def role(self) -> str:
        """The first role its 403 says it is allowed to, else the one its path is for."""
        forbidden = self.responses.get("403", {}).get("description", "")
        documented = _DOCUMENTED_ROLES.search(forbidden)
        if documented:
            return documented.group(1).split(",")[0].strip()
        return role_for(self.template)

    @property
    def idempotent(self) -> bool:
        return any(p.get("name") == IDEMPOTENCY_KEY for p in self.parameters)

    def path(self, value: str = "x") -> str:
        """The full path with every path parameter set to ``value``."""
        return API + _PATH_PARAMETER.sub(lambda _m: value, self.template)

    def query_names(self) -> list[str]:
        return [p["name"] for p in self.parameters if p.get("in") == "query"]


def role_for(path: str) -> str:
    return next((role for prefix, role in ROLE_BY_PREFIX if path.startswith(prefix)), "customer")


def operations(client: Any) -> list[Operation]:
    """Every operation the OpenAPI document lists, those of ``RUN_LAST`` last."""
    spec = client.get(f"{API}/swagger.json").get_json()
    found = []
    for template, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            parameters = (*shared, *operation.get("parameters", []))
            responses = operation.get("responses", {})
            found.append(Operation(method.upper(), template, parameters, responses))
    return sorted(found, key=lambda op: run_last(op.template))


def credentials(app: Any) -> dict[str, dict[str, str]]:
    """Headers that sign a request in, by role: a customer with money, an agent with
    float, an administrator, and API keys of a partner, a merchant, a payer and a biller."""
    with transaction(app.extensions["postcash"]) as session:
        customer = factories.customer(session, balance=50_000)
        agent = factories.agent(session, float_balance=100_000)
        admin = factories.admin(session)
        keys = {
            role: factories.api_client(session, role)[1] for role in ("partner", "payer", "sender")
        }
        # A merchant's key comes with its merchant (a bare key is "No such merchant").
        keys["merchant"] = factories.merchant(session).api_key
        keys["biller"] = factories.biller(session).api_key
    found = {
        "customer": factories.headers_for(app, customer),
        "agent": factories.headers_for(app, agent),
        "admin": factories.headers_for(app, admin),
    }
    found.update({role: {"X-API-Key": key} for role, key in keys.items()})
    return found
