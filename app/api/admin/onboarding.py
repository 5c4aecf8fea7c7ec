"""/admin: staff and organisations, and the health of the ledger (admins only)."""

from __future__ import annotations

import dataclasses

from flask_restx import Namespace, Resource, fields
from marshmallow import Schema, validate
from marshmallow import fields as mf

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
    username = mf.String(required=True, validate=validate.Length(min=3, max=64))
    password = mf.String(required=True, validate=validate.Length(min=10, max=128))
    post_office = mf.String(required=True, validate=validate.Length(min=2, max=120))
    post_office_code = mf.String(required=True, validate=validate.Length(min=2, max=20))


class PartnerSchema(Schema):
    name = mf.String(required=True, validate=validate.Length(min=2, max=120))
    country = mf.String(required=True, validate=validate.Length(equal=2))


class PayerSchema(Schema):
    name = mf.String(required=True, validate=validate.Length(min=2, max=120))


agent_in = ns.model(
    "NewAgent",
    {
        "username": fields.String(required=True, example="agent.ouenze"),
        "password": fields.String(required=True, description="10 to 128 characters"),
        "post_office": fields.String(required=True, example="Bureau de poste de Ouenzé"),
        "post_office_code": fields.String(required=True, example="BZV-OZ"),
    },
)
agent_out = ns.model(
    "CreatedAgent",
    {
        "id": fields.String(),
        "username": fields.String(),
        "post_office": fields.String(),
        "post_office_code": fields.String(),
        "otpauth_uri": fields.String(description="TOTP enrolment URI, shown once"),
    },
)
partner_in = ns.model(
    "NewPartner",
    {
        "name": fields.String(required=True, example="Transfert Express Europe"),
        "country": fields.String(required=True, example="FR", description="ISO 3166-1 alpha-2"),
    },
)
partner_out = ns.model(
    "CreatedPartner",
    {
        "id": fields.String(),
        "name": fields.String(),
        "country": fields.String(),
        "api_key": fields.String(description="shown once"),
    },
)
payer_in = ns.model(
    "NewPayer", {"name": fields.String(required=True, example="Caisse de retraite")}
)
payer_out = ns.model(
    "CreatedPayer",
    {"id": fields.String(), "name": fields.String(), "api_key": fields.String()},
)
trial_row = ns.model(
    "TrialBalanceRow",
    {
        "type": fields.String(enum=["asset", "liability", "income", "expense", "equity"]),
        "currency": fields.String(example="XAF"),
        "debits": fields.Integer(),
        "credits": fields.Integer(),
    },
)
trial_balance_model = ns.model(
    "TrialBalance",
    {"rows": fields.List(fields.Nested(trial_row)), "balanced": fields.Boolean()},
)
check_model = ns.model(
    "LedgerCheck",
    {
        "name": fields.String(example="trial_balance_zero"),
        "ok": fields.Boolean(),
        "offending": fields.List(fields.Raw(), description="rows that break the invariant"),
    },
)
checks_model = ns.model(
    "LedgerChecks", {"ok": fields.Boolean(), "checks": fields.List(fields.Nested(check_model))}
)


@ns.route("/agents")
class Agents(Resource):
    @operation("createAgent", body=AgentSchema, status=201, response=CreatedAgentSchema)
    @ns.expect(agent_in, validate=False)
    @ns.response(201, "Agent created with an empty float", agent_out)
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
    @ns.expect(partner_in, validate=False)
    @ns.response(201, "Partner created with an empty prefunding account", partner_out)
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
    @ns.expect(payer_in, validate=False)
    @ns.response(201, "Payer created with an empty prefunding account", payer_out)
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
    @ns.response(200, "Posted debits and credits per account type", trial_balance_model)
    @require("admin")
    def get(self) -> Body:
        """Trial balance: balanced when debits equal credits in every currency."""
        with transaction() as session:
            rows, balanced = ledger.trial_balance(session)
        return {"rows": [dataclasses.asdict(row) for row in rows], "balanced": balanced}


@ns.route("/ledger/check")
class LedgerCheck(Resource):
    @operation("checkLedger", response=LedgerChecksSchema)
    @ns.response(200, "One result per ledger invariant", checks_model)
    @require("admin")
    def get(self) -> Body:
        """Run every ledger invariant of DESIGN.md and the ones domain packages register."""
        with transaction() as session:
            results = ledger.run_checks(session)
        checks = [{"name": r.name, "ok": r.ok, "offending": r.offending} for r in results]
        return {"ok": all(r.ok for r in results), "checks": checks}
