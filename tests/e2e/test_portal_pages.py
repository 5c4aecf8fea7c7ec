"""The portal's frame: its home page, its language, its errors."""

from tests.e2e.counter_support import text_of


def test_the_home_page_is_public_and_in_french_by_default(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.get_data(as_text=True)
    assert "Les services de la Poste" in text_of(page)


def test_the_language_link_switches_to_lingala_and_is_remembered(client):
    switched = client.get("/langue/ln?next=/")
    assert switched.status_code == 303
    assert switched.headers["Location"] == "/"
    page = client.get("/")
    assert '<html lang="ln">' in page.get_data(as_text=True)
    assert "Misala ya Poste" in text_of(page)


def test_a_browser_asking_for_lingala_gets_lingala(client):
    page = client.get("/", headers={"Accept-Language": "ln, fr;q=0.5"})
    assert "Misala ya Poste" in text_of(page)


def test_the_language_link_never_sends_elsewhere(client):
    for target in ("https://evil.example/", "//evil.example/", "evil"):
        switched = client.get(f"/langue/fr?next={target}")
        assert switched.headers["Location"] == "/", target


def test_the_language_link_never_sends_elsewhere_by_a_backslash_or_a_control_character(client):
    # Browsers read "/\\evil" as "//evil" and drop tabs and newlines from a URL.
    for target in ("/%5Cevil.example/", "/%09/evil.example/", "/%0A/evil.example", "/%5C%5Cevil"):
        switched = client.get(f"/langue/fr?next={target}")
        assert switched.headers["Location"] == "/", target


def test_an_unknown_language_is_a_page_not_found(client):
    assert client.get("/langue/xx").status_code == 404


def test_an_unknown_page_answers_in_the_portals_words(client):
    page = client.get("/nowhere-at-all", headers={"Accept": "text/html"})
    assert page.status_code == 404
