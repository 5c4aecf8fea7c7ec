"""The statement on the portal: its lines, its filters, its exports, the owner's only."""

import csv
import io

import pytest
from pypdf import PdfReader

from app.db import transaction
from tests import factories
from tests.e2e.portal_support import sign_in, text_of


@pytest.fixture
def bob(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bob", last_name="Loubaki")


@pytest.fixture
def signed_in(client, app, awa):
    sign_in(client, app, awa)
    return client


def test_the_statement_lists_the_wallets_lines_with_the_balance_after(signed_in):
    page = signed_in.get("/compte/releve")
    assert page.status_code == 200
    assert "100 000" in text_of(page)


def test_a_period_before_any_activity_is_empty(signed_in):
    page = signed_in.get("/compte/releve?du=2001-01-01&au=2001-01-31")
    assert "Aucune opération" in text_of(page)


def test_the_direction_filter_keeps_the_credits_only(signed_in):
    assert "100 000" in text_of(signed_in.get("/compte/releve?sens=credit"))
    assert "Aucune opération" in text_of(signed_in.get("/compte/releve?sens=debit"))


def test_nonsense_filters_are_ignored_not_failed(signed_in):
    page = signed_in.get("/compte/releve?du=hier&au=2026-13-45&sens=x&type=<script>&apres=zzz")
    assert page.status_code in (200, 400)
    assert "<script>" not in page.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/compte/releve", "/compte/releve.csv", "/compte/releve.pdf"])
def test_dates_at_the_calendars_ends_are_today_and_the_start_not_a_failure(signed_in, path):
    answer = signed_in.get(f"{path}?du=0001-01-01&au=9999-12-31")
    assert answer.status_code == 200
    if path == "/compte/releve":
        assert "100 000" in text_of(answer)


def test_the_csv_export_has_a_header_and_the_lines(signed_in):
    answer = signed_in.get("/compte/releve.csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0][0] == "Date" and len(rows) == 2
    assert rows[1][-1] == "100 000 FCFA" or "100" in rows[1][-1]


def test_the_pdf_export_is_a_pdf_with_the_holder_and_the_lines(signed_in, awa):
    answer = signed_in.get("/compte/releve.pdf")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(answer.data)).pages[0].extract_text()
    assert "Awa Mabiala" in text
    assert awa.msisdn not in text  # the number is masked


def test_exports_need_a_session(client):
    assert client.get("/compte/releve.csv").status_code == 302
    assert client.get("/compte/releve.pdf").status_code == 302


def test_each_customer_sees_their_own_lines(app, runtime, awa, bob):
    other = app.test_client()
    sign_in(other, app, bob)
    assert "100 000" not in text_of(other.get("/compte/releve"))
