"""A client generated from ``/api/v1/openapi.json`` completes every customer journey.

A Python developer integrating PostCash runs openapi-python-client on the published
document (docs/API.md, "The specification documents") and calls the API through the
functions and models it writes. Once per session this module does the same: it fetches
the document from the application, generates the package into a temporary folder with
``--fail-on-warning`` (a warning about our document fails the suite), imports it, and
points its httpx client at the Flask application in-process (``httpx.WSGITransport``), so
the journeys run on SQLite and on PostgreSQL alike.

Each journey calls the API only through generated functions; what is not part of the
contract is set up with the factories (an agent and their TOTP, a biller, a merchant, a
payer, floats) and the codes a person would read on their phone come from the recording
SMS gateway. Every answer must parse into the documented model (a ``None`` or an error
model is an undocumented or unexpected answer), balances are read back through the
client, and the ledger invariants hold after each journey.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from app import create_app
from app.db import transaction
from app.ledger import chart
from app.ledger.checks import run_checks
from tests import factories
from tests.conftest import make_config
from tests.mail_support import make_pdf

PACKAGE = "postcash_client"
BASE_URL = "http://localhost/api/v1"
JEAN = "+242069990001"  # no wallet: he collects cash at a counter


@dataclass(frozen=True)
class Generated:
    """The imported package, its models and its operations' modules."""

    package: ModuleType

    @property
    def models(self) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.models")

    def op(self, name: str) -> ModuleType:
        """An operation's module, by tag and operationId: ``op("transfers.create_transfer")``."""
        return importlib.import_module(f"{PACKAGE}.api.{name}")


@pytest.fixture(scope="session")
def generated(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Generated]:
    """Generate the client package from the application's own ``openapi.json``."""
    work = tmp_path_factory.mktemp("generated_client")
    database = work / "spec.db"
    shutil.copy(sqlite_template, database)
    application = create_app(make_config(f"sqlite:///{database}"))
    document = application.test_client().get("/api/v1/openapi.json")
    application.extensions["postcash"].database.dispose()
    del application  # the fixture lives all session: it keeps no app alive
    assert document.status_code == 200
    spec = work / "openapi.json"
    spec.write_text(json.dumps(document.get_json()))
    # The generator formats its output with ruff when ruff is on PATH: not needed to run it.
    # A letter's PDF is bytes to it once told so (docs/API.md gives the same config).
    config = work / "config.yml"
    config.write_text(
        "post_hooks: []\ncontent_type_overrides:\n  application/pdf: application/octet-stream\n"
    )
    output = work / PACKAGE
    command = [
        sys.executable,
        "-m",
        "openapi_python_client",  # the `openapi-python-client` command
        "generate",
        "--path",
        str(spec),
        "--meta",
        "none",
        "--output-path",
        str(output),
        "--config",
        str(config),
        "--fail-on-warning",
    ]
    started = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    seconds = time.perf_counter() - started
    said = run.stdout + run.stderr
    assert run.returncode == 0, said
    assert "Warning" not in said and "Error" not in said, said
    print(f"\nopenapi-python-client generated {PACKAGE} in {seconds:.1f} s")  # noqa: T201
    sys.path.insert(0, str(work))
    try:
        yield Generated(importlib.import_module(PACKAGE))
    finally:
        sys.path.remove(str(work))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


class Caller:
    """Generated clients for one test's application, and the checks every answer gets."""

    def __init__(self, generated: Generated, app: Any) -> None:
        self.generated = generated
        self.app = app
        self.m = generated.models

    def _args(self) -> dict[str, Any]:
        transport = httpx.WSGITransport(app=self.app)
        return {
            "base_url": BASE_URL,
            "httpx_args": {"transport": transport},
            "raise_on_unexpected_status": True,
        }

    def anonymous(self) -> Any:
        return self.generated.package.Client(**self._args())

    def bearer(self, token: str) -> Any:
        return self.generated.package.AuthenticatedClient(token=token, **self._args())

    def api_key(self, key: str) -> Any:
        return self.generated.package.AuthenticatedClient(
            token=key, prefix="", auth_header_name="X-API-Key", **self._args()
        )

    def call(self, name: str, status: int, model: str, **kwargs: Any) -> Any:
        """Call a generated operation; its answer has ``status`` and parses into ``model``."""
        response = self.generated.op(name).sync_detailed(**kwargs)
        body = response.content.decode()
        assert response.status_code == status, f"{name}: {response.status_code} {body}"
        assert isinstance(response.parsed, getattr(self.m, model)), f"{name}: {body}"
        assert response.headers.get("X-Request-ID"), name
        return response.parsed

    def login(self, msisdn: str, pin: str = factories.PIN) -> Any:
        """Sign a customer in through ``loginCustomer``; a client carrying the token."""
        token = self.call(
            "auth.login_customer",
            200,
            "Token",
            client=self.anonymous(),
            body=self.m.CustomerLogin(msisdn=msisdn, pin=pin),
        )
        assert token.role == self.m.TokenRole.CUSTOMER
        return self.bearer(token.access_token)

    def staff_login(self, username: str) -> Any:
        """Sign an agent in through ``loginStaff`` with the current TOTP code."""
        token = self.call(
            "auth.login_staff",
            200,
            "Token",
            client=self.anonymous(),
            body=self.m.StaffLogin(
                username=username, password=factories.PASSWORD, totp=factories.totp_code()
            ),
        )
        assert token.role == self.m.TokenRole.AGENT
        return self.bearer(token.access_token)

    def balance(self, client: Any) -> int:
        return self.call("me.get_my_balance", 200, "BalanceOut", client=client).available

    def float_of(self, agent: Any) -> int:
        return self.call("agent.get_float", 200, "BalanceOut", client=agent).available


@pytest.fixture
def api(generated: Generated, app: Any) -> Caller:
    return Caller(generated, app)


@pytest.fixture
def config_overrides(tmp_path: Path) -> dict[str, object]:
    return {"MAIL_STORAGE_DIR": str(tmp_path / "mail")}  # letters' PDFs stay in the test


@pytest.fixture
def counter(runtime: Any) -> Any:
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=500_000)


def ledger_holds(runtime: Any) -> bool:
    with runtime.unit_of_work() as uow:
        failed = [check for check in run_checks(uow.session) if not check.ok]
    assert not failed, failed
    return True


def otp(app: Any, msisdn: str) -> str:
    """The 6-digit code texted to ``msisdn``, read off the recording SMS gateway."""
    return factories.sms_code(app, msisdn, digits=6)


def test_generation_is_clean_and_every_generated_module_imports(generated: Generated) -> None:
    import pkgutil

    names = [
        module.name for module in pkgutil.walk_packages(generated.package.__path__, f"{PACKAGE}.")
    ]
    for name in names:
        importlib.import_module(name)
    assert f"{PACKAGE}.api.transfers.confirm_transfer" in names


def test_register_and_verify_the_number(api: Caller, app: Any, runtime: Any) -> None:
    msisdn = factories.new_msisdn()
    pending = api.call(
        "customers.register_customer",
        201,
        "PendingRegistration",
        client=api.anonymous(),
        body=api.m.Registration(
            msisdn=msisdn,
            first_name="Awa",
            last_name="Mabiala",
            pin=factories.PIN,
            language=api.m.RegistrationLanguage.FR,
        ),
    )
    assert pending.status == api.m.PendingRegistrationStatus.PENDING_VERIFICATION
    assert (pending.msisdn, pending.otp.attempts_left) == (msisdn, 3)

    customer = api.call(
        "customers.verify_customer",
        200,
        "RegisteredCustomer",
        client=api.anonymous(),
        customer_id=pending.id,
        body=api.m.Verification(otp=otp(app, msisdn)),
    )

    assert (customer.id, customer.status) == (pending.id, api.m.RegisteredCustomerStatus.ACTIVE)
    assert customer.kyc_tier == api.m.RegisteredCustomerKycTier.BASIC
    assert customer.wallet.available == 0
    assert api.balance(api.login(msisdn)) == 0
    assert ledger_holds(runtime)


def test_log_in_as_a_customer_and_as_an_agent(
    api: Caller, runtime: Any, awa: Any, counter: Any
) -> None:
    awa_app = api.login(awa.msisdn)
    me = api.call("me.get_me", 200, "Profile", client=awa_app)
    agent = api.staff_login(counter.username)

    assert me.msisdn == awa.msisdn
    assert api.balance(awa_app) == 100_000
    assert api.float_of(agent) == 500_000
    assert ledger_holds(runtime)


def test_p2p_send_and_confirm_with_the_otp(api: Caller, app: Any, runtime: Any, awa: Any) -> None:
    with transaction(runtime) as session:
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
    awa_app = api.login(awa.msisdn)

    sent = api.call(
        "transfers.create_transfer",
        201,
        "TransferOut",
        client=awa_app,
        body=api.m.CreateTransfer(
            type_=api.m.CreateTransferType.P2P, to=bruno.msisdn, amount=5_000
        ),
        idempotency_key=factories.key(),
    )
    assert (sent.status, sent.amount, sent.fee, sent.to) == (
        "pending_confirmation",
        5_000,
        50,
        bruno.msisdn,
    )
    assert api.balance(awa_app) == 100_000 - 5_050
    done = api.call(
        "transfers.confirm_transfer",
        200,
        "TransferOut",
        client=awa_app,
        transfer_id=sent.id,
        body=api.m.Confirm(otp=otp(app, awa.msisdn)),
    )

    assert (done.id, done.status, done.otp) == (sent.id, "completed", None)
    again = api.call(
        "transfers.get_transfer", 200, "TransferOut", client=awa_app, transfer_id=sent.id
    )
    assert again.status == "completed"
    assert api.balance(awa_app) == 94_950
    assert api.balance(api.login(bruno.msisdn)) == 5_000
    assert ledger_holds(runtime)


def test_withdrawal_by_the_customer_and_cash_out_at_the_counter(
    api: Caller, runtime: Any, awa: Any, counter: Any
) -> None:
    awa_app = api.login(awa.msisdn)
    withdrawal = api.call(
        "transfers.create_withdrawal",
        201,
        "WithdrawalOut",
        client=awa_app,
        body=api.m.CreateWithdrawal(amount=20_000),
        idempotency_key=factories.key(),
    )
    assert len(withdrawal.code) == 6 and withdrawal.transfer.fee == 300
    agent = api.staff_login(counter.username)

    paid = api.call(
        "agent.pay_withdrawal",
        200,
        "TransferOut",
        client=agent,
        body=api.m.CashOut(msisdn=awa.msisdn, code=withdrawal.code),
        idempotency_key=factories.key(),
    )

    assert (paid.id, paid.status) == (withdrawal.transfer.id, "completed")
    assert api.balance(awa_app) == 79_700
    assert api.float_of(agent) == 500_000 + 20_000 + 120  # 40 % of the fee is the commission
    assert ledger_holds(runtime)


def test_remittance_sent_from_the_wallet_and_paid_out_at_a_counter(
    api: Caller, app: Any, runtime: Any, awa: Any, counter: Any
) -> None:
    awa_app = api.login(awa.msisdn)
    sent = api.call(
        "remittances.send_remittance",
        201,
        "RemittanceOut",
        client=awa_app,
        body=api.m.CreateRemittance(
            recipient=api.m.Party(name="Jean Okemba", msisdn=JEAN), amount=20_000
        ),
        idempotency_key=factories.key(),
    )
    assert (sent.status, sent.fee) == ("pending_confirmation", 500)
    confirmed = api.call(
        "remittances.confirm_remittance",
        200,
        "RemittanceOut",
        client=awa_app,
        remittance_id=sent.id,
        body=api.m.Confirm(otp=otp(app, awa.msisdn)),
    )
    assert confirmed.status == "awaiting_payout"
    agent = api.staff_login(counter.username)

    paid = api.call(
        "agent_remittances.pay_remittance",
        200,
        "RemittanceOut",
        client=agent,
        body=api.m.Payout(
            code=factories.sms_code(app, JEAN),  # the 10-digit code Jean was texted
            recipient_id_type="national_id",
            recipient_id_number="CG123456",
        ),
        idempotency_key=factories.key(),
    )

    assert (paid.id, paid.status, paid.payout_method) == (sent.id, "paid_out", "cash")
    state = api.call(
        "remittances.get_remittance", 200, "RemittanceOut", client=awa_app, remittance_id=sent.id
    )
    assert state.status == "paid_out"
    assert api.balance(awa_app) == 100_000 - 20_500
    assert api.float_of(agent) == 500_000 + 20_000 + 50
    assert ledger_holds(runtime)


def test_partner_remittance_collected_in_cash_at_a_counter(
    api: Caller, app: Any, runtime: Any, counter: Any
) -> None:
    with transaction(runtime) as session:
        firm, key = factories.api_client(session, "partner", name="Transfert Express Europe")
        factories.fund(session, chart.partner(firm.id), 1_000_000)
    partner = api.api_key(key)
    sent = api.call(
        "partners.create_partner_remittance",
        201,
        "PartnerRemittance",
        client=partner,
        body=api.m.InboundRequest(
            partner_reference="TEE-0001",
            sender=api.m.Sender(name="Pierre Loubaki", country="FR"),
            recipient=api.m.Recipient(name="Jean Okemba", msisdn=JEAN),
            send_amount=10_000,  # 100.00 EUR at the CEMAC peg: 65 595 FCFA
            send_currency="EUR",
            payout=api.m.InboundRequestPayout.CASH,
        ),
        idempotency_key=factories.key(),
    )
    assert (sent.status, sent.amount, sent.rate) == ("awaiting_payout", 65_595, "655.957")
    agent = api.staff_login(counter.username)

    paid = api.call(
        "agent_remittances.pay_remittance",
        200,
        "RemittanceOut",
        client=agent,
        body=api.m.Payout(
            code=factories.sms_code(app, JEAN),
            recipient_id_type="national_id",
            recipient_id_number="CG654321",
        ),
        idempotency_key=factories.key(),
    )

    assert (paid.id, paid.status, paid.amount) == (sent.id, "paid_out", 65_595)
    polled = api.call(
        "partners.get_partner_remittance",
        200,
        "PartnerRemittance",
        client=partner,
        partner_reference="TEE-0001",
    )
    assert polled.status == "paid_out"
    assert api.float_of(agent) >= 500_000 + 65_595  # the cash handed over comes back as float
    assert ledger_holds(runtime)


def test_bill_payment_confirmed_with_the_otp(api: Caller, app: Any, runtime: Any, awa: Any) -> None:
    with transaction(runtime) as session:
        factories.biller(session, code="E2C")
    awa_app = api.login(awa.msisdn)
    billers = api.call("bills.list_billers", 200, "BillerViewList", client=api.anonymous())
    assert "E2C" in [biller.code for biller in billers.items]

    created = api.call(
        "bills.pay_bill",
        201,
        "BillPaymentCreated",
        client=awa_app,
        body=api.m.CreateBillPayment(biller="E2C", bill_reference="01234567890", amount=12_500),
        idempotency_key=factories.key(),
    )
    assert (created.status, created.fee) == ("pending_confirmation", 100)
    done = api.call(
        "transfers.confirm_transfer",
        200,
        "TransferOut",
        client=awa_app,
        transfer_id=created.id,
        body=api.m.Confirm(otp=otp(app, awa.msisdn)),
    )

    assert done.status == "completed"
    assert api.balance(awa_app) == 100_000 - 12_600
    assert ledger_holds(runtime)


def test_merchant_payment_request_approved_by_the_customer(
    api: Caller, runtime: Any, awa: Any
) -> None:
    with transaction(runtime) as session:
        shop = factories.merchant(session, name="Boutique Ndeko")
    merchant = api.api_key(shop.api_key)
    asked = api.call(
        "merchants.create_payment_request",
        201,
        "MerchantRequest",
        client=merchant,
        body=api.m.CreateRequest(msisdn=awa.msisdn, amount=10_000, reference="CMD-2026-001"),
        idempotency_key=factories.key(),
    )
    assert asked.status == "pending"
    awa_app = api.login(awa.msisdn)
    waiting = api.call(
        "merchants.list_my_payment_requests", 200, "CustomerRequestPage", client=awa_app
    )
    assert [request.id for request in waiting.items] == [asked.id]

    approved = api.call(
        "merchants.approve_payment_request",
        200,
        "CustomerRequest",
        client=awa_app,
        request_id=asked.id,
        body=api.m.Approve(pin=factories.PIN),
    )

    assert (approved.id, approved.status) == (asked.id, "paid")
    polled = api.call(
        "merchants.get_payment_request",
        200,
        "MerchantRequest",
        client=merchant,
        request_id=asked.id,
    )
    assert (polled.status, polled.fee, polled.net) == ("paid", 150, 9_850)
    assert api.balance(awa_app) == 90_000
    assert ledger_holds(runtime)


def test_disbursement_batch_submitted_approved_and_paid_by_a_payer(
    api: Caller, app: Any, runtime: Any, awa: Any
) -> None:
    with transaction(runtime) as session:
        _fund, key = factories.payer(session, balance=1_000_000, name="Caisse de retraite")
    payer = api.api_key(key)
    line = api.m.SubmitBatchItemsItem
    lines = [
        line(msisdn=awa.msisdn, name="Awa Mabiala", amount=25_000, reference="P-001"),
        line(msisdn=JEAN, name="Jean Okemba", amount=30_000, reference="P-002"),
    ]
    submitted = api.call(
        "disbursements.create_batch",
        201,
        "BatchView",
        client=payer,
        body=api.m.SubmitBatch(reference="PENSIONS-2026-11", items=lines),
        idempotency_key=factories.key(),
    )
    assert (submitted.status, submitted.total, submitted.valid) == ("validated", 2, 2)

    approved = api.call(
        "disbursements.approve_batch", 202, "BatchView", client=payer, batch_id=submitted.id
    )

    assert approved.status == "processing"
    batch = api.call(
        "disbursements.get_batch", 200, "BatchView", client=payer, batch_id=submitted.id
    )
    assert (batch.status, batch.processed, batch.completed, batch.paid_amount) == (
        "completed",
        2,
        2,
        55_000,
    )
    paid = api.call(
        "disbursements.list_batch_lines",
        200,
        "BatchLinePage",
        client=payer,
        batch_id=submitted.id,
    )
    assert [(line.line, line.status) for line in paid.items] == [
        (1, "completed"),
        (2, "completed"),
    ]
    assert api.balance(api.login(awa.msisdn)) == 125_000
    assert len(factories.sms_code(app, JEAN)) == 10  # Jean collects his pension in cash
    assert ledger_holds(runtime)


def test_a_wrong_otp_answers_a_problem_the_client_reads(
    api: Caller, runtime: Any, awa: Any
) -> None:
    with transaction(runtime) as session:
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
    awa_app = api.login(awa.msisdn)
    sent = api.call(
        "transfers.create_transfer",
        201,
        "TransferOut",
        client=awa_app,
        body=api.m.CreateTransfer(
            type_=api.m.CreateTransferType.P2P, to=bruno.msisdn, amount=5_000
        ),
        idempotency_key=factories.key(),
    )

    problem = api.call(
        "transfers.confirm_transfer",
        422,
        "ConfirmTransferResponse422",
        client=awa_app,
        transfer_id=sent.id,
        body=api.m.Confirm(otp="000000"),
    )

    assert problem.code == api.m.ConfirmTransferResponse422Code.INVALID_OTP
    assert (problem.status, problem["attempts_left"]) == (422, 2)
    assert api.balance(awa_app) == 100_000 - 5_050  # still reserved, nothing moved
    assert ledger_holds(runtime)


def test_savings_deposit_from_the_wallet_into_a_new_livret(
    api: Caller, runtime: Any, awa: Any
) -> None:
    awa_app = api.login(awa.msisdn)
    opened = api.call(
        "savings.create_savings_account",
        201,
        "SavingsAccount",
        client=awa_app,
        body=api.m.OpenAccount(product="livret"),
    )
    assert (opened.status, opened.product, opened.balance) == ("active", "livret", 0)

    deposited = api.call(
        "savings.deposit_to_savings",
        201,
        "TransferOut",
        client=awa_app,
        account_id=opened.id,
        body=api.m.SavingsAmount(amount=20_000),
        idempotency_key=factories.key(),
    )

    assert (deposited.type_, deposited.status, deposited.fee) == (
        "savings_deposit",
        "completed",
        0,
    )
    livret = api.call(
        "savings.get_savings_account", 200, "SavingsAccount", client=awa_app, account_id=opened.id
    )
    assert (livret.id, livret.balance) == (opened.id, 20_000)
    assert api.balance(awa_app) == 100_000 - 20_000
    assert ledger_holds(runtime)


def test_a_letter_paid_by_wallet_reaches_the_recipients_e_mailbox(
    api: Caller, app: Any, runtime: Any, awa: Any
) -> None:
    with transaction(runtime) as session:
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
    awa_app = api.login(awa.msisdn)
    meta = {
        "recipient": {"name": "Bruno Ngoma", "msisdn": bruno.msisdn},
        "service": "ordinary",
        "delivery": "electronic",
    }
    pdf = make_pdf(1)
    sent = api.call(
        "mail.send_letter",
        201,
        "Letter",
        client=awa_app,
        body=api.m.LetterUpload(
            file=api.generated.package.types.File(payload=pdf, file_name="lettre.pdf"),
            meta=json.dumps(meta),
        ),
        idempotency_key=factories.key(),
    )
    assert (sent.status, sent.channel) == ("pending_payment", "electronic")
    paid = api.call(
        "transfers.confirm_transfer",
        200,
        "TransferOut",
        client=awa_app,
        transfer_id=sent.payment.transfer_id,
        body=api.m.Confirm(otp=otp(app, awa.msisdn)),
    )
    assert paid.status == "completed"
    bruno_app = api.login(bruno.msisdn)

    mailbox = api.call("mailbox.list_mailbox", 200, "MailboxPage", client=bruno_app)
    (letter,) = mailbox.items
    content = api.generated.op("mailbox.get_mailbox_letter_content").sync_detailed(
        client=bruno_app, letter_id=letter.id
    )

    assert content.status_code == 200, content.content
    assert isinstance(content.parsed, api.generated.package.types.File)
    read = content.parsed.payload.read()
    assert read.startswith(b"%PDF") and read == pdf
    assert letter.tracking_number == sent.tracking_number
    assert api.balance(awa_app) == 100_000 - sent.price
    assert ledger_holds(runtime)
