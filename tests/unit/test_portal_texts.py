"""The portal speaks French and Lingala: every text exists in both."""

from app.i18n.web import _all_languages, portal_text


def test_every_portal_text_exists_in_french_and_in_lingala():
    texts = _all_languages()
    french = {k for k in texts["fr"] if k.startswith("portal.")}
    lingala = {k for k in texts["ln"] if k.startswith("portal.")}
    assert french == lingala
    assert french


def test_lingala_holds_only_portal_texts():
    assert all(key.startswith("portal.") for key in _all_languages()["ln"])


def test_a_text_is_read_in_the_language_asked():
    assert portal_text("fr", "portal.nav.home") == "Accueil"
    assert portal_text("ln", "portal.nav.home") == "Ebandeli"
