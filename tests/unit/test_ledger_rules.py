"""Pure rules of the ledger, without a database: what makes two writes the same entry,
and the one order every lock is taken in."""

from hypothesis import given
from hypothesis import strategies as st

from app import ledger
from app.ledger.locks import lock_order
from app.ledger.posting import entry_fingerprint

legs_strategy = st.lists(
    st.builds(
        ledger.Leg,
        account=st.sampled_from(["wallet:a", "wallet:b", "fees:p2p", "trust:bank"]),
        side=st.sampled_from(["debit", "credit"]),
        amount=st.integers(1, 10**9),
    ),
    min_size=2,
    max_size=6,
)


def test_debit_and_credit_build_legs():
    assert ledger.debit("wallet:a", 5) == ledger.Leg("wallet:a", "debit", 5)
    assert ledger.credit("wallet:b", 5) == ledger.Leg("wallet:b", "credit", 5)


@given(legs=legs_strategy, data=st.data())
def test_the_fingerprint_ignores_the_order_of_the_legs(legs, data):
    shuffled = data.draw(st.permutations(legs))
    assert entry_fingerprint("p2p", shuffled) == entry_fingerprint("p2p", legs)


def test_the_fingerprint_changes_with_kind_amount_side_or_account():
    legs = [ledger.debit("wallet:a", 100), ledger.credit("wallet:b", 100)]
    fingerprint = entry_fingerprint("p2p", legs)
    assert entry_fingerprint("bill", legs) != fingerprint
    assert entry_fingerprint("p2p", [legs[0], ledger.credit("wallet:b", 101)]) != fingerprint
    assert entry_fingerprint("p2p", [legs[0], ledger.credit("wallet:c", 100)]) != fingerprint
    assert (
        entry_fingerprint("p2p", [ledger.credit("wallet:a", 100), ledger.debit("wallet:b", 100)])
        != fingerprint
    )


def test_the_fingerprint_keeps_repeated_legs_apart():
    one = [ledger.debit("wallet:a", 100), ledger.credit("wallet:b", 100)]
    twice = [*one, *one]
    assert entry_fingerprint("p2p", twice) != entry_fingerprint("p2p", one)


def test_accounts_that_may_not_overdraw_are_locked_before_the_others_each_by_id():
    accounts = [(7, True), (3, False), (1, True), (9, False)]  # (id, allow_overdraft)
    ordered = sorted(accounts, key=lambda a: lock_order(a[1], a[0]))
    assert ordered == [(3, False), (9, False), (1, True), (7, True)]


def test_an_entry_key_that_fits_keeps_its_plain_form():
    assert ledger.entry_key("prefunding", "admin-1", "k-42") == "prefunding:admin-1:k-42"


def test_an_entry_key_too_long_hashes_its_last_part_and_fits():
    client_key = "k" * 255
    key = ledger.entry_key("prefunding", "0" * 36, client_key)
    assert len(key) <= 255
    assert key.startswith("prefunding:" + "0" * 36 + ":sha256=")
    assert key == ledger.entry_key("prefunding", "0" * 36, client_key)
    assert key != ledger.entry_key("prefunding", "0" * 36, "k" * 254 + "j")
