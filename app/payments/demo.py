"""Demo billers for development (``make run``): electricity, water, TV, a city tax
office and the passport fee (a fixed amount). Find-or-create by code, so seeding
twice changes nothing; their API keys are not kept (create a biller with
``flask billers create`` to get one).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.auth.api_keys import find_client, get_api_client, give_demo_key
from app.payments.billers import create_biller
from app.payments.merchants import create_merchant
from app.payments.models import Biller

BILLERS: list[dict[str, Any]] = [
    {
        "code": "E2C",
        "name": "Energie Electrique du Congo",
        "category": "utility",
        "reference_pattern": r"\d{11}",
        "reference_hint": "Numéro de contrat E2C (11 chiffres, sur la facture)",
        "reference_example": "01234567890",
    },
    {
        "code": "LCDE",
        "name": "La Congolaise des Eaux",
        "category": "utility",
        "reference_pattern": r"\d{9}",
        "reference_hint": "Numéro de police LCDE (9 chiffres)",
        "reference_example": "204518733",
    },
    {
        "code": "TELECONGO-TV",
        "name": "Télé Congo Satellite",
        "category": "tv",
        "reference_pattern": r"\d{14}",
        "reference_hint": "Numéro d'abonné (14 chiffres, au dos du décodeur)",
        "reference_example": "40021155897301",
    },
    {
        "code": "MAIRIE-BZV",
        "name": "Mairie de Brazzaville (taxes)",
        "category": "tax",
        "reference_pattern": r"BZV-\d{4}-\d{6}",
        "reference_hint": "Référence de l'avis d'imposition (BZV-année-numéro)",
        "reference_example": "BZV-2026-004512",
    },
    {
        "code": "PASSEPORT",
        "name": "Passeport biométrique (DGDSP)",
        "category": "administrative",
        "reference_pattern": r"DP\d{7}",
        "reference_hint": "Numéro de la demande de passeport (DP suivi de 7 chiffres)",
        "reference_example": "DP2026001",
        "fixed_amount": 65_000,
    },
]


def seed_demo_billers(session: Session) -> None:
    for values in BILLERS:
        if session.get(Biller, values["code"]) is None:
            create_biller(session, **values)


# API keys of the demo merchant and of the E2C biller: fixed, public (docs/DEMO.md),
# development only.
MERCHANT = {"name": "Supermarché Ndeko Poto-Poto (démo)"}
MERCHANT_KEY = "demo-merchant-key-ndeko-poto-poto-not-secret"
BILLER_CODE = "E2C"
BILLER_KEY = "demo-biller-key-e2c-not-secret"


def seed_demo_merchant_and_biller_keys(session: Session) -> None:
    merchant = find_client(session, "merchant", MERCHANT["name"])
    if merchant is None:
        merchant = create_merchant(session, name=MERCHANT["name"]).client
    give_demo_key(session, merchant, MERCHANT_KEY)
    biller = session.get(Biller, BILLER_CODE)
    if biller is not None:
        give_demo_key(session, get_api_client(session, biller.client_id, role="biller"), BILLER_KEY)
