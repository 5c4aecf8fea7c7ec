"""The portal's public pages: offers with their fees, the fee calculator, the post
offices, a letter's tracking, and what makes the portal an installable web app."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.db import transaction
from tests import portal_support
from tests.e2e.counter_support import text_of
from tests.portal_support import MONDAY_10H_BRAZZAVILLE

API = "/api/v1"
TILES = "https://tile.openstreetmap.org"


def gzipped(client: Any, path: str) -> Any:
    return client.get(path, headers={"Accept-Encoding": "gzip"})


# -- what the post offers ------------------------------------------------------------------


def test_the_home_page_explains_each_offer_with_its_fees_from_the_tariff(client):
    words = text_of(client.get("/"))
    for title in (
        "Portefeuille PostCash",
        "Mandats",
        "Factures et e-administration",
        "Épargne et likelemba",
        "Courrier hybride et boîte aux lettres électronique",
    ):
        assert title in words
    assert "envoi de 50 FCFA à 5 000 FCFA selon le montant" in words
    assert "Frais : 100 FCFA par paiement." in words
    assert "2,5 % par an et s'ouvre dès 5 000 FCFA" in words
    assert "ordinaire 250 FCFA la première page, 50 FCFA chaque page en plus" in words


class TestAnotherTariff:
    """The figures follow the configured grid: nothing on the page is typed by hand."""

    @pytest.fixture
    def config_overrides(self) -> dict[str, object]:
        from app.config import DEFAULT_TARIFFS

        return {"TARIFFS": {**DEFAULT_TARIFFS, "p2p": [[1_000, 7], [20_000_000, 70]]}}

    def test_the_home_page_shows_the_configured_fees(self, client):
        assert "envoi de 7 FCFA à 70 FCFA selon le montant" in text_of(client.get("/"))

    def test_the_calculator_uses_the_configured_grid(self, client):
        words = text_of(client.get("/tarifs?operation=p2p&montant=1500"))
        assert "frais 70 FCFA, total à payer 1 570 FCFA" in words


def test_the_home_page_speaks_lingala_too(client):
    client.get("/langue/ln?next=/")
    words = text_of(client.get("/"))
    assert "Oyo Poste epesaka yo" in words
    assert "kotinda banda 50 FCFA tii 5 000 FCFA engebene mbongo" in words


# -- the fee calculator --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "amount"),
    [("p2p", 5_000), ("p2p", 5_001), ("cashout", 75_000), ("remittance", 2_000_001), ("bill", 1)],
)
def test_the_calculator_answers_what_get_fees_answers(client, operation, amount):
    api = client.get(f"{API}/fees?type={operation}&amount={amount}").get_json()
    words = text_of(client.get(f"/tarifs?operation={operation}&montant={amount}"))
    fee = f"{api['fee']:,}".replace(",", " ")
    total = f"{api['total']:,}".replace(",", " ")
    assert f"frais {fee} FCFA, total à payer {total} FCFA" in words


def test_the_calculator_reads_an_amount_typed_with_spaces(client):
    words = text_of(client.get("/tarifs?operation=p2p&montant=12+500"))
    assert "de 12 500 FCFA : frais 150 FCFA, total à payer 12 650 FCFA" in words


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1e3", "", "9" * 30])
def test_the_calculator_refuses_what_is_not_an_amount(client, amount):
    page = client.get(f"/tarifs?operation=p2p&montant={amount}")
    assert page.status_code == 422
    assert "un nombre entier plus grand que zéro" in text_of(page)


def test_the_calculator_refuses_an_operation_it_does_not_list(client):
    page = client.get("/tarifs?operation=savings&montant=500")
    assert page.status_code == 422
    assert "Choisissez une opération de la liste." in text_of(page)


def test_the_fees_page_shows_the_whole_grid_and_the_letters(client):
    words = text_of(client.get("/tarifs"))
    assert "jusqu'à 5 000 FCFA 50 FCFA" in words
    assert "plus de 2 000 000 FCFA 5 000 FCFA" in words
    assert "Lettre recommandée 1 000 FCFA 50 FCFA" in words


# -- find a post office --------------------------------------------------------------------


@pytest.fixture
def network(runtime, clock):
    clock.set(MONDAY_10H_BRAZZAVILLE)
    with transaction(runtime) as session:
        portal_support.network(session)


def office_text(page: Any, code: str) -> str:
    body = page.get_data(as_text=True)
    match = re.search(rf'<li class="office" id="office-{code}".*?</li>', body, re.S)
    assert match, f"{code} not listed"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def test_the_offices_are_listed_by_departement_and_town(client, network):
    page = client.get("/bureaux")
    words = text_of(page)
    assert words.index("Brazzaville (Brazzaville)") < words.index("Pointe-Noire (Pointe-Noire)")
    assert "Bureaux trouvés : 4" in words
    assert "Centre d'impression" not in words
    assert "Mfilou" not in words


def test_open_now_is_read_in_brazzaville_time_from_the_settable_clock(client, network, clock):
    page = client.get("/bureaux")
    assert "Ouvert maintenant" in office_text(page, "BZV-PP")
    assert "Fermé maintenant" in office_text(page, "BZV-OZ")
    assert "il est 10:00 à Brazzaville" in text_of(page)
    clock.set(datetime(2026, 11, 30, 14, 30, tzinfo=UTC))  # 15:30 in Brazzaville
    page = client.get("/bureaux")
    assert "Fermé maintenant" in office_text(page, "BZV-PP")
    assert "Ouvert maintenant" in office_text(page, "BZV-OZ")


def test_a_suspended_office_is_listed_as_temporarily_closed(client, network):
    assert "Fermé temporairement" in office_text(client.get("/bureaux"), "PNR-TT")


def test_each_office_shows_its_hours_and_services(client, network):
    ouenze = office_text(client.get("/bureaux"), "BZV-OZ")
    assert "lundi 13:00\u201317:00" in ouenze
    assert "mardi fermé" in ouenze
    assert "samedi 08:00\u201312:00" in ouenze
    assert "Services : dépôts et retraits, mandats, épargne, courrier" in ouenze
    centre = office_text(client.get("/bureaux"), "PNR-CE")
    assert "Services : dépôts et retraits, courrier" in centre


def test_a_search_by_name_narrows_the_list(client, network):
    words = text_of(client.get("/bureaux?q=poto"))
    assert "Bureau de poste de Poto-Poto" in words
    assert "Ouenzé" not in words
    assert "Bureaux trouvés : 1" in words


def test_a_departement_narrows_the_list(client, network):
    words = text_of(client.get("/bureaux?departement=PNR"))
    assert "Bureau central de Pointe-Noire" in words
    assert "Poto-Poto" not in words


def test_a_search_that_finds_nothing_says_so(client, network):
    page = client.get("/bureaux?q=Kinshasa")
    assert page.status_code == 200
    assert "Aucun bureau de poste ne correspond à votre recherche." in text_of(page)


def test_the_map_reads_the_coordinates_from_the_list_and_only_this_page_allows_tiles(
    client, network
):
    page = client.get("/bureaux")
    body = page.get_data(as_text=True)
    assert 'data-lat="-4.7761" data-lon="11.8635"' in body
    assert "portal/map.js" in body
    assert "leaflet.js" not in re.sub(r'data-leaflet="[^"]*"', "", body)  # loaded on request
    assert f"img-src 'self' data: {TILES};" in page.headers["Content-Security-Policy"]
    assert TILES not in client.get("/").headers["Content-Security-Policy"]


def test_leaflet_is_vendored_with_its_licence_and_version(app):
    vendor = Path(app.static_folder) / "vendor" / "leaflet"
    assert "Leaflet 1.9.4" in (vendor / "leaflet.js").read_text()[:200]
    assert "1.9.4" in (vendor / "VERSION").read_text()
    assert (
        "BSD" in (vendor / "LICENSE").read_text()
        or "Redistribution" in (vendor / "LICENSE").read_text()
    )


# -- tracking a letter ---------------------------------------------------------------------


@pytest.fixture
def config_overrides(tmp_path: Path) -> dict[str, object]:
    return {"MAIL_STORAGE_DIR": str(tmp_path / "mail")}


@pytest.fixture
def letter(client, runtime) -> dict[str, Any]:
    return portal_support.send_letter(client, runtime)


def test_anyone_tracks_a_letter_by_its_number_without_seeing_names(client, letter):
    page = client.get(f"/suivi/{letter['tracking_number']}")
    assert page.status_code == 200
    words = text_of(page)
    assert "État : déposée dans la boîte électronique" in words
    assert "prise en charge" in words
    assert "Bruno" not in words and "Impôts" not in words


def test_the_home_page_form_leads_to_the_letters_page(client, letter):
    number = letter["tracking_number"]
    spaced = f"{number[:2].lower()} {number[2:6]} {number[6:]}"
    answer = client.get("/suivi", query_string={"numero": spaced})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/suivi/{number}"


def test_an_unknown_number_is_said_plainly(client):
    page = client.get("/suivi/RR999999995CG")
    assert page.status_code == 404
    assert "Aucune lettre ne porte ce numéro." in text_of(page)


def test_a_malformed_number_is_explained(client):
    page = client.get("/suivi/RR12")
    assert page.status_code == 422
    assert "deux lettres, neuf chiffres et deux lettres" in text_of(page)


def test_an_empty_search_goes_back_home(client):
    assert client.get("/suivi?numero=").headers["Location"] == "/"


# -- the installable web app ---------------------------------------------------------------


def test_the_manifest_names_the_app_and_its_icons_exist(client):
    answer = client.get("/manifest.webmanifest")
    assert answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.get_data(as_text=True))
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        image.close()


def test_every_page_links_the_manifest_and_the_worker_script_but_no_inline_script(client):
    body = client.get("/").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in body
    assert "portal/register-sw.js" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)


def test_the_worker_is_served_at_the_root_and_caches_the_offline_shell_only(client):
    answer = client.get("/sw.js")
    assert answer.mimetype == "text/javascript"
    assert answer.headers["Cache-Control"] == "no-cache"
    assert "connect-src 'self'" in answer.headers["Content-Security-Policy"]
    script = answer.get_data(as_text=True)
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);", script).group(1))
    assert "/hors-ligne" in shell and "/static/portal.css" in shell
    assert not any(path.startswith("/compte") for path in shell)
    assert all(path.startswith("/static/") or path == "/hors-ligne" for path in shell)
    for path in shell:
        part = client.get(path)
        assert part.status_code == 200, path
        part.close()


def test_the_offline_page_is_a_page_of_its_own(client):
    assert "Pas de connexion" in text_of(client.get("/hors-ligne"))


# -- compression ---------------------------------------------------------------------------


def test_pages_and_their_files_are_gzipped_when_the_browser_accepts_it(client):
    for path in ("/", "/tarifs", "/static/portal.css", "/static/vendor/leaflet/leaflet.js"):
        answer = gzipped(client, path)
        assert answer.headers["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in answer.headers["Vary"]
        assert len(gzip.decompress(answer.data)) > len(answer.data)
        answer.close()


def test_nothing_is_gzipped_for_a_browser_that_did_not_ask(client):
    answer = client.get("/")
    assert "Content-Encoding" not in answer.headers
    assert answer.get_data(as_text=True).startswith("<!doctype html>")


def test_a_page_carrying_a_csrf_token_is_never_gzipped(client):
    answer = gzipped(client, "/counter/login")
    assert 'name="csrf_token"' in answer.get_data(as_text=True)
    assert "Content-Encoding" not in answer.headers


def test_the_apis_json_is_never_gzipped(client):
    answer = gzipped(client, f"{API}/openapi.json")
    assert answer.status_code == 200 and len(answer.data) > 10_000
    assert "Content-Encoding" not in answer.headers
