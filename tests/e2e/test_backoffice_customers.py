"""Customer service in the back office (/backoffice/customers): find, read, act.

Operators act with a reason (audited by the domain services REST uses); auditors
read and search; supervisors do not open these pages (a customer is the whole
network's; their agents find customers at the counter).
"""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.tokens import issue_token
from app.customers.models import Customer
from app.db import transaction
from tests import factories
from tests.desk_support import form_key, paid_p2p
from tests.e2e.backoffice_support import post, sign_in, text_of


@pytest.fixture
def operator(runtime):
    with transaction(runtime) as session:
        return factories.head_office(session, role="operator", username="ops.clients")


@pytest.fixture
def awa(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, balance=40_000, msisdn="+242061234567")


@pytest.fixture
def desk(client, operator):
    assert sign_in(client, operator.username).status_code == 303
    return client


def page_of(client, customer):
    return client.get(f"/backoffice/customers/{customer.id}")


FORMS = {"sessions/end": "sessions"}


def act(client, customer, action, **fields):
    page = page_of(client, customer)
    return post(
        client,
        f"/backoffice/customers/{customer.id}/{action}",
        once=form_key(page, FORMS.get(action, action)),
        **fields,
    )


def customer_row(runtime, customer):
    with transaction(runtime) as session:
        found = session.get(Customer, customer.id)
        session.expunge(found)
        return found


def audited(runtime, customer, action):
    with transaction(runtime) as session:
        return session.scalars(
            select(AuditEvent).where(
                AuditEvent.target_id == customer.id, AuditEvent.action == action
            )
        ).all()


@pytest.mark.parametrize("typed", ["061234567", "+242 06 123 45 67", "242061234567"])
def test_a_number_in_any_accepted_format_opens_the_customers_page(desk, awa, typed):
    response = post(desk, "/backoffice/customers", q=typed)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/backoffice/customers/{awa.id}")


def test_the_search_is_a_post_so_no_number_is_in_a_url(desk, awa):
    response = post(desk, "/backoffice/customers", q="061234567")
    assert "061234567" not in response.headers["Location"]
    assert "2420612" not in response.headers["Location"]


def test_a_name_lists_the_customers_who_bear_it(desk, runtime, awa):
    with transaction(runtime) as session:
        factories.customer(session, first_name="Bruno", last_name="Mabiala")
        factories.customer(session, first_name="Chantal", last_name="Okemba")
    response = post(desk, "/backoffice/customers", q="mabia")
    text = text_of(response)
    assert response.status_code == 200
    assert "Awa Mabiala" in text and "Bruno Mabiala" in text and "Okemba" not in text


def test_a_transfer_reference_lists_both_parties(desk, runtime, awa):
    with transaction(runtime) as session:
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
        reference = paid_p2p(session, session.merge(awa), bruno, 1_000).reference
    text = text_of(post(desk, "/backoffice/customers", q=reference.lower()))
    assert "Awa Mabiala" in text and "Bruno Ngoma" in text


def test_nobody_found_says_so(desk, awa):
    response = post(desk, "/backoffice/customers", q="069999999")
    assert response.status_code == 404
    assert "Aucun client" in text_of(response)


def test_the_page_shows_identity_kyc_limits_sessions_locks_operations_savings_mail(
    desk, runtime, awa
):
    with transaction(runtime) as session:
        issue_token(session, "customer", awa.id)
    text = text_of(page_of(desk, awa))
    for expected in (
        "+242061234567",
        "Niveau KYC",
        "aucune pièce vue",
        "40 000 FCFA",
        "utilisés sur",
        "Sessions actives de l'application 1",
        "PIN erronés de suite 0",
        "Dernières opérations",
        "Aucun livret d'épargne.",
        "Aucun groupe likelemba.",
        "0 non lue(s) sur 0",
    ):
        assert expected in text, expected


def test_an_operator_freezes_with_a_reason_and_it_is_audited(desk, runtime, awa, operator):
    response = act(desk, awa, "freeze", reason="Réquisition judiciaire")
    assert response.status_code == 303
    assert customer_row(runtime, awa).status == "frozen"
    assert "Compte gelé" in text_of(desk.get(response.headers["Location"]))
    (event,) = audited(runtime, awa, "customer.freeze")
    assert event.actor_id == operator.id and event.after["reason"] == "Réquisition judiciaire"
    act(desk, awa, "unfreeze", reason="Mainlevée reçue")
    assert customer_row(runtime, awa).status == "active"


def test_an_action_without_a_reason_is_refused_and_changes_nothing(desk, runtime, awa):
    response = act(desk, awa, "freeze", reason="")
    assert response.status_code == 400
    assert "le motif" in text_of(response)
    assert customer_row(runtime, awa).status == "active"


def test_the_same_form_sent_twice_acts_once(desk, runtime, awa):
    key = form_key(page_of(desk, awa), "freeze")
    for _ in range(2):
        response = post(
            desk, f"/backoffice/customers/{awa.id}/freeze", once=key, reason="Fraude signalée"
        )
        assert response.status_code == 303
    assert len(audited(runtime, awa, "customer.freeze")) == 1


def test_a_form_without_its_key_does_nothing(desk, runtime, awa):
    response = post(desk, f"/backoffice/customers/{awa.id}/freeze", reason="Fraude signalée")
    assert response.status_code == 400
    assert customer_row(runtime, awa).status == "active"


def test_an_operator_unlocks_a_pin_locked_customer_with_a_reason(desk, runtime, awa, operator):
    with transaction(runtime) as session:
        row = session.get(Customer, awa.id)
        row.status, row.failed_pin_attempts, row.pin_lock_level = "locked", 3, 4
    assert "Débloquer le PIN" in text_of(page_of(desk, awa))
    response = act(desk, awa, "unlock", reason="Client venu au guichet du siège")
    assert response.status_code == 303
    assert customer_row(runtime, awa).status == "active"
    (event,) = audited(runtime, awa, "customer.unlock")
    assert event.actor_role == "operator" and event.after["reason"].startswith("Client venu")
    history = text_of(page_of(desk, awa)).split("Verrouillages et décisions")[1]
    assert "Débloqué ops.clients Client venu au guichet du siège" in history


def test_a_kyc_review_raises_the_tier_on_the_document_seen(desk, runtime, awa):
    response = act(
        desk,
        awa,
        "kyc",
        decision="upgrade",
        tier="standard",
        id_type="national_id",
        id_number="CG 1234567",
        reason="Carte d'identité vérifiée",
    )
    assert response.status_code == 303
    row = customer_row(runtime, awa)
    assert (row.kyc_tier, row.id_number) == ("standard", "CG1234567")
    assert audited(runtime, awa, "customer.kyc_upgrade")[0].after["reason"]


def test_a_kyc_review_refused_changes_nothing_but_is_kept_with_its_reason(desk, runtime, awa):
    response = act(desk, awa, "kyc", decision="refuse", reason="Photo illisible")
    assert response.status_code == 303
    assert customer_row(runtime, awa).kyc_tier == "basic"
    (event,) = audited(runtime, awa, "customer.kyc_refusal")
    assert event.after["reason"] == "Photo illisible"
    assert "Revue KYC refusée" in text_of(page_of(desk, awa))


def test_a_kyc_upgrade_with_a_bad_document_number_says_which_field(desk, runtime, awa):
    response = act(
        desk,
        awa,
        "kyc",
        decision="upgrade",
        tier="full",
        id_type="passport",
        id_number="?",
        reason="Passeport vu",
    )
    assert response.status_code == 400
    assert "numéro de la pièce" in text_of(response)
    assert customer_row(runtime, awa).kyc_tier == "basic"


def test_an_operator_ends_every_app_session(desk, runtime, awa):
    with transaction(runtime) as session:
        issue_token(session, "customer", awa.id)
        issue_token(session, "customer", awa.id)
    response = act(desk, awa, "sessions/end", reason="Téléphone volé")
    assert response.status_code == 303
    assert "Aucune session active." in text_of(page_of(desk, awa))
    assert audited(runtime, awa, "customer.sessions_end")[0].after["ended"] == 2


def test_an_auditor_searches_and_reads_but_sees_no_action_and_cannot_act(app, runtime, awa):
    with transaction(runtime) as session:
        auditor = factories.head_office(session, role="auditor")
    client = app.test_client()
    sign_in(client, auditor.username)
    assert post(client, "/backoffice/customers", q="061234567").status_code == 303
    page = page_of(client, awa)
    assert page.status_code == 200 and "Geler le compte" not in text_of(page)
    refused = post(client, f"/backoffice/customers/{awa.id}/freeze", reason="Essai", once="x" * 20)
    assert refused.status_code == 403
    assert customer_row(runtime, awa).status == "active"


def test_a_supervisor_opens_no_customer_page(app, runtime, awa):
    with transaction(runtime) as session:
        boss = factories.supervisor(session)
    client = app.test_client()
    sign_in(client, boss.username)
    assert page_of(client, awa).status_code == 403
    assert post(client, "/backoffice/customers", q="061234567").status_code == 403
    assert "Clients et paiements" not in text_of(client.get("/backoffice/"))


def test_an_unknown_customer_is_a_french_404(desk):
    response = desk.get("/backoffice/customers/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert "introuvable" in text_of(response)
