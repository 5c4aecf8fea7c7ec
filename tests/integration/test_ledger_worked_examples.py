"""Worked examples: the postings of everyday operations, as an accounting textbook shows them.

Amounts are francs CFA (XAF). Wallets are liabilities of the operator (it owes
the customer the money), the trust bank is its asset, fees are income and agent
commissions an expense. After each example the books balance.
"""

from app import ledger
from app.ledger.chart import COMMISSION_AGENTS, TRUST_BANK, fees
from tests.factories import key, wallet


def test_p2p_transfer_with_fee(session):
    # Awa holds 10 000. She sends 5 000 to Bruno; the fee is 50.
    awa = wallet(session, 10_000)
    bruno = wallet(session)
    ledger.post_entry(
        session,
        key=key(),
        kind="p2p",
        legs=[
            ledger.debit(awa, 5_050),  # Dr wallet:awa      5 050
            ledger.credit(bruno, 5_000),  #   Cr wallet:bruno  5 000
            ledger.credit(fees("p2p"), 50),  #   Cr fees:p2p         50
        ],
    )
    assert ledger.balance(session, awa).posted == 4_950
    assert ledger.balance(session, bruno).posted == 5_000
    assert ledger.balance(session, fees("p2p")).posted == 50
    assert ledger.trial_balance(session)[1] is True


def test_cash_in_at_a_post_office_with_agent_commission(session):
    # The Poto-Poto counter has 100 000 of float. Chantal hands over 20 000 in cash;
    # her wallet is credited from the float, and the counter earns 40 commission.
    counter = wallet(session, 100_000, name="float-potopoto")
    chantal = wallet(session)
    ledger.post_entry(
        session,
        key=key(),
        kind="cashin",
        legs=[
            ledger.debit(counter, 20_000),  # Dr float:counter     20 000
            ledger.credit(chantal, 20_000),  #   Cr wallet:chantal  20 000
            ledger.debit(COMMISSION_AGENTS, 40),  # Dr commission:agents     40
            ledger.credit(counter, 40),  #   Cr float:counter       40
        ],
    )
    assert ledger.balance(session, counter).posted == 80_040
    assert ledger.balance(session, chantal).posted == 20_000
    assert ledger.balance(session, COMMISSION_AGENTS).posted == 40


def test_refund_is_a_compensating_entry_not_an_edit(session):
    # A 3 000 payment is refunded: a new entry with the sides swapped, linked to the first.
    payer = wallet(session, 3_000)
    shop = wallet(session, name="merchant-shop")
    paid = ledger.post_entry(
        session,
        key=key(),
        kind="merchant",
        legs=[ledger.debit(payer, 3_000), ledger.credit(shop, 3_000)],
    )
    refund = ledger.reverse_entry(session, paid.id, key=key(), reason="customer returned goods")
    assert ledger.balance(session, payer).posted == 3_000
    assert ledger.balance(session, shop).posted == 0
    assert session.get(ledger.Entry, refund.id).reverses_id == paid.id


def test_float_top_up_moves_money_from_the_trust_bank(session):
    counter = wallet(session, name="float-bacongo")
    ledger.post_entry(
        session,
        key=key(),
        kind="float_topup",
        legs=[ledger.debit(TRUST_BANK, 500_000), ledger.credit(counter, 500_000)],
    )
    assert ledger.balance(session, TRUST_BANK).posted == 500_000
    assert ledger.balance(session, counter).available == 500_000
