"""/admin: staff and organisations, and the health of the ledger (admins only)."""

from __future__ import annotations

import dataclasses

from flask_restx import Namespace, Resource
from marshmallow import Schema, fields, validate

from app import ledger
from app.agents import staff
from app.api.docs_schemas import (
    CreatedAgentSchema,
    CreatedApiClientSchema,
    LedgerChecksSchema,
    TrialBalanceSchema,
)
from app.api.openapi import operation
from app.api.responses import Body, Headers
from app.api.validation import load
from app.auth import onboarding
from app.auth.decorators import require
from app.db import transaction
from app.principal import current_principal

ns = Namespace("admin", path="/admin", description="Administration (admins only)")

NO_STORE = {"Cache-Control": "no-store"}


class AgentSchema(Schema):
    username = fields.String(
        required=True, validate=validate.Length(min=3, max=64), metadata={"example": "agent.ouenze"}
    )
    password = fields.String(required=True, validate=validate.Length(min=10, max=128))
    post_office = fields.String(
        required=True,
        validate=validate.Length(min=2, max=120),
        metadata={"example": "Bureau de poste de Ouenzé"},
    )
    post_office_code = fields.String(
        required=True, validate=validate.Length(min=2, max=20), metadata={"example": "BZV-OZ"}
    )


class PartnerSchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=120),
        metadata={"example": "Transfert Express Europe"},
    )
    country = fields.String(
        required=True,
        validate=validate.Length(equal=2),
        metadata={"example": "FR", "description": "ISO 3166-1 alpha-2"},
    )


class PayerSchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=120),
        metadata={"example": "Caisse de retraite"},
    )


@ns.route("/agents")
class Agents(Resource):
    @operation("createAgent", body=AgentSchema, status=201, response=CreatedAgentSchema)
    @ns.response(201, "Agent created with an empty float")
    @ns.response(409, "conflict: username taken")
    @require("admin")
    def post(self) -> tuple[Body, int, Headers]:
        """Create a post-office agent; returns the TOTP enrolment URI once."""
        data = load(AgentSchema())
        with transaction() as session:
            agent, uri = staff.create_agent(session, by=current_principal(), **data)
        body = {
            "id": agent.id,
            "username": agent.username,
            "post_office": agent.post_office,
            "post_office_code": agent.post_office_code,
            "otpauth_uri": uri,
        }
        return body, 201, NO_STORE


@ns.route("/partners")
class Partners(Resource):
    @operation("createPartner", body=PartnerSchema, status=201, response=CreatedApiClientSchema)
    @ns.response(201, "Partner created with an empty prefunding account")
    @require("admin")
    def post(self) -> tuple[Body, int, Headers]:
        """Create an international remittance partner; returns its API key once."""
        data = load(PartnerSchema())
        with transaction() as session:
            client, key = onboarding.create_partner(session, by=current_principal(), **data)
        body = {
            "id": client.id,
            "name": client.name,
            "country": (client.meta or {}).get("country"),
            "api_key": key,
        }
        return body, 201, NO_STORE


@ns.route("/payers")
class Payers(Resource):
    @operation("createPayer", body=PayerSchema, status=201, response=CreatedApiClientSchema)
    @ns.response(201, "Payer created with an empty prefunding account")
    @require("admin")
    def post(self) -> tuple[Body, int, Headers]:
        """Create a bulk payer (pensions, salaries); returns its API key once."""
        data = load(PayerSchema())
        with transaction() as session:
            client, key = onboarding.create_payer(session, by=current_principal(), **data)
        return {"id": client.id, "name": client.name, "api_key": key}, 201, NO_STORE


@ns.route("/ledger/trial-balance")
class TrialBalance(Resource):
    @operation("getTrialBalance", response=TrialBalanceSchema)
    @ns.response(200, "Posted debits and credits per account type")
    @require("admin")
    def get(self) -> Body:
        """Trial balance: balanced when debits equal credits in every currency."""
        with transaction() as session:
            rows, balanced = ledger.trial_balance(session)
        return {"rows": [dataclasses.asdict(row) for row in rows], "balanced": balanced}


@ns.route("/ledger/check")
class LedgerCheck(Resource):
    @operation("checkLedger", response=LedgerChecksSchema)
    @ns.response(200, "One result per ledger invariant")
    @require("admin")
    def get(self) -> Body:
        """Run every ledger invariant of DESIGN.md and the ones domain packages register."""
        with transaction() as session:
            results = ledger.run_checks(session)
        checks = [{"name": r.name, "ok": r.ok, "offending": r.offending} for r in results]
        return {"ok": all(r.ok for r in results), "checks": checks}
