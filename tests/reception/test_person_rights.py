"""A person's rights from their page: withdraw one consent, export everything, erase."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.core.roles import Role
from allervers.reception.enums import ConsentPurpose, ReferralStatus
from allervers.reception.models import (
    Person,
    PersonConsent,
    Referral,
    ReferralEvent,
    Visit,
    VisitChange,
)
from allervers.reception.services.persons import visit_link_person
from allervers.reception.services.privacy import ERASED_REASON, person_anonymise
from allervers.reception.services.referrals import referral_create, referral_update_status
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.reception.factories import (
    PersonConsentFactory,
    PersonFactory,
    ReferralFactory,
    VisitFactory,
)
from tests.submissions.conftest import token_in

pytestmark = pytest.mark.django_db


def _url(name: str, person) -> str:
    return reverse(f"reception:{name}", kwargs={"person_id": person.pk})


@pytest.fixture
def followed(operator, agent):
    """Amina, who agreed to follow-up and to referrals, with a visit (a note, history lines) and
    a referral to France Travail (with a note on its step)."""
    person = PersonFactory(
        operator=operator,
        first_name="Amina",
        last_name="Lemaire",
        phone="06 11 22 33 44",
        email="amina@example.org",
        consent_purpose=ConsentPurpose.FOLLOW_UP,
        consent_recorded_by=agent,
    )
    PersonConsentFactory(person=person, purpose=ConsentPurpose.REFERRAL, recorded_by=agent)
    visit = VisitFactory(operator=operator, note="Amina, sa fille malade", gender="female")
    visit_link_person(visit=visit, person=person, user=agent)
    partner = PartnerFactory(operator=operator, name="France Travail")
    referral = referral_create(
        visit=visit, partner=partner, reason="Inscription comme demandeuse d'emploi", user=agent
    )
    referral_update_status(
        referral=referral, status=ReferralStatus.SENT, user=agent, note="Appeler Amina le soir"
    )
    return person


# --- Withdrawing one consent -----------------------------------------------------------------


def test_withdrawing_the_referrals_consent_hides_the_name_from_the_partner_at_once(
    client, operator, agent, make_member, followed
):
    referral = Referral.objects.for_operator(operator).get()
    partner_user = make_member(operator, Role.PARTNER, partner=referral.partner)
    referral_url = reverse("reception:referral_detail", kwargs={"referral_id": referral.pk})
    client.force_login(partner_user)
    assert "06 11 22 33 44" in text_of(client.get(referral_url))

    client.force_login(agent)
    url = _url("person_consent_withdraw", followed)
    page = client.get(url)
    assert page.status_code == 200
    assert "Suivi de ses orientations vers les partenaires" in text_of(page)
    response = client.post(url, {"purpose": ConsentPurpose.REFERRAL})
    assert response.url == _url("person_detail", followed)
    consent = followed.consents.get(purpose=ConsentPurpose.REFERRAL)
    assert consent.withdrawn_at is not None and consent.withdrawn_by == agent
    assert followed.consents.active().get().purpose == ConsentPurpose.FOLLOW_UP
    entry = AccessLogEntry.objects.for_operator(operator).get(action=Action.CONSENT_WITHDRAWN)
    assert (entry.user, entry.person_id) == (agent, followed.pk)
    assert "Amina" not in entry.detail
    detail = text_of(client.get(_url("person_detail", followed)))
    assert "retiré le 10/06/2026" in detail

    client.force_login(partner_user)
    page = text_of(client.get(referral_url))
    assert "LEMAIRE" not in page and "06 11 22 33 44" not in page
    assert "l'équipe du bus fait le lien" in page


def test_withdrawing_a_consent_not_given_or_already_withdrawn_changes_nothing(
    operator, client, agent, followed
):
    client.force_login(agent)
    url = _url("person_consent_withdraw", followed)
    for purpose in [ConsentPurpose.REMINDERS, "n'importe quoi", ""]:
        response = client.post(url, {"purpose": purpose})
        assert response.status_code == 400
    assert "n'a pas donné cet accord" in text_of(client.post(url, {"purpose": "reminders"}))
    assert followed.consents.active().count() == 2
    assert (
        not AccessLogEntry.objects.for_operator(operator)
        .filter(action=Action.CONSENT_WITHDRAWN)
        .exists()
    )


def test_a_double_submitted_withdrawal_withdraws_once(operator, client, agent, followed):
    client.force_login(agent)
    url = _url("person_consent_withdraw", followed)
    data = {"purpose": ConsentPurpose.FOLLOW_UP, "submission_token": token_in(client.get(url))}
    first, second = client.post(url, data), client.post(url, data)
    assert (first.status_code, second.status_code) == (302, 303)
    assert followed.consents.exclude(withdrawn_at=None).count() == 1
    assert (
        AccessLogEntry.objects.for_operator(operator)
        .filter(action=Action.CONSENT_WITHDRAWN)
        .count()
        == 1
    )


def test_withdrawing_the_last_consent_leads_to_the_erasure(client, agent, operator):
    person = PersonFactory(operator=operator, consent_purpose=ConsentPurpose.REMINDERS)
    client.force_login(agent)
    url = _url("person_consent_withdraw", person)
    assert "C'est son dernier accord" in text_of(client.get(url))
    response = client.post(url, {"purpose": ConsentPurpose.REMINDERS})
    assert response.url == _url("person_erase", person)
    page = text_of(client.get(_url("person_detail", person)))
    assert "n'a plus donné aucun accord" in page
    assert "n'a plus donné aucun accord" in text_of(client.get(url))


# --- Export -----------------------------------------------------------------------------------


def test_the_json_export_holds_everything_about_the_person_and_is_logged(
    client, agent, operator, followed
):
    client.force_login(agent)
    client.get(_url("person_detail", followed))
    response = client.get(_url("person_export_json", followed))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="personne-{followed.pk}.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["person"] | {"created_at": None} == {
        "id": followed.pk,
        "first_name": "Amina",
        "last_name": "Lemaire",
        "phone": "06 11 22 33 44",
        "email": "amina@example.org",
        "created_at": None,
    }
    assert {c["purpose"] for c in data["consents"]} == {"follow_up", "referral"}
    assert {c["recorded_by"] for c in data["consents"]} == {agent.get_full_name() or agent.email}
    [visit] = data["visits"]
    assert visit["note"] == "Amina, sa fille malade"
    assert {"question": "Genre", "answer": "Femme"} in visit["answers"]
    [referral] = data["referrals"]
    assert referral["partner"] == "France Travail"
    assert referral["reason"] == "Inscription comme demandeuse d'emploi"
    assert [step["status"] for step in referral["history"]] == ["Proposée", "Transmise"]
    assert referral["history"][1]["note"] == "Appeler Amina le soir"
    assert data["bookings"] == []  # none: see tests/reception/test_person_bookings.py
    actions = [entry["action"] for entry in data["access_log"]]
    assert "Export des données d'une personne" in actions
    assert (
        AccessLogEntry.objects.for_operator(operator)
        .filter(action=Action.PERSON_EXPORTED, person_id=followed.pk, user=agent)
        .exists()
    )


def test_the_pdf_export_is_readable(operator, client, coordinator, followed):
    client.force_login(coordinator)
    response = client.get(_url("person_export_pdf", followed))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ["Amina", "06 11 22 33 44", "France Travail", "Transmise", "Femme"]:
        assert expected in text
    assert (
        AccessLogEntry.objects.for_operator(operator)
        .get(action=Action.PERSON_EXPORTED)
        .detail.endswith("(PDF)")
    )


@pytest.mark.parametrize(
    "name",
    [
        "person_export_json",
        "person_export_pdf",
        "person_erase",
        "person_consent_withdraw",
        "person_consent_give",
    ],
)
def test_partners_and_viewers_are_refused_and_another_structure_s_person_is_not_found(
    client, operator, other_operator, make_member, agent, name
):
    person = PersonFactory(operator=operator)
    for role in (Role.PARTNER, Role.VIEWER):
        client.force_login(make_member(operator, role))
        assert client.get(_url(name, person)).status_code == 403
        assert client.post(_url(name, person), {"confirmed": "on"}).status_code == 403
    client.force_login(agent)
    foreign = PersonFactory(operator=other_operator)
    assert client.get(_url(name, foreign)).status_code == 404
    assert client.post(_url(name, foreign), {"confirmed": "on"}).status_code == 404
    assert Person.objects.filter(pk__in=[person.pk, foreign.pk]).count() == 2
    assert not AccessLogEntry.objects.for_operator(operator).exists()


# --- Erasure -----------------------------------------------------------------------------------


def test_the_confirmation_lists_what_goes_and_the_erasure_keeps_anonymous_visits(
    client, coordinator, operator, followed
):
    other_visit = VisitFactory(operator=operator, person=followed, note="")
    client.force_login(coordinator)
    url = _url("person_erase", followed)
    page = text_of(client.get(url))
    assert "prénom, nom, téléphone, adresse électronique" in page
    assert "ses visites (2)" in page and "ses orientations (1)" in page
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "Cochez la case pour confirmer l'effacement" in text_of(refused)
    assert Person.objects.for_operator(operator).filter(pk=followed.pk).exists()

    response = client.post(url, {"confirmed": "on"})
    assert response.url == reverse("reception:person_search")
    assert (
        not Person.objects.for_operator(operator).exists()
        and not PersonConsent.objects.for_operator(operator).exists()
    )
    visits = Visit.objects.for_operator(operator).order_by("pk")
    assert visits.count() == 2 and not visits.exclude(person=None).exists()
    groups = {visit.anonymous_group for visit in visits}
    assert len(groups) == 1 and None not in groups
    assert set(visits.values_list("note", flat=True)) == {""}
    assert Visit.objects.for_operator(operator).get(pk=other_visit.pk).gender == other_visit.gender
    referral = Referral.objects.for_operator(operator).get()
    assert referral.reason == ERASED_REASON and referral.status == ReferralStatus.SENT
    assert set(ReferralEvent.objects.for_operator(operator).values_list("note", flat=True)) == {""}
    history = json.dumps(
        [c.changes for c in VisitChange.objects.for_operator(operator).all()], ensure_ascii=False
    )
    assert f"fiche n° {followed.pk}" not in history and "effacé" in history
    entry = AccessLogEntry.objects.for_operator(operator).get(action=Action.PERSON_ERASED)
    assert (entry.user, entry.person_id, entry.target_id) == (
        coordinator,
        followed.pk,
        followed.pk,
    )
    assert "Amina" not in entry.detail and "Lemaire" not in entry.detail

    assert client.get(_url("person_detail", followed)).status_code == 404
    assert client.post(url, {"confirmed": "on"}).status_code == 404
    assert (
        AccessLogEntry.objects.for_operator(operator).filter(action=Action.PERSON_ERASED).count()
        == 1
    )


def test_a_double_submitted_erasure_erases_once(operator, client, coordinator, followed):
    client.force_login(coordinator)
    url = _url("person_erase", followed)
    data = {"confirmed": "on", "submission_token": token_in(client.get(url))}
    first, second = client.post(url, data), client.post(url, data)
    assert (first.status_code, second.status_code) == (302, 303)
    assert first["Location"] == second["Location"]
    assert (
        AccessLogEntry.objects.for_operator(operator).filter(action=Action.PERSON_ERASED).count()
        == 1
    )


def test_anonymising_an_already_erased_person_is_refused(operator, followed):
    stale = Person.objects.for_operator(operator).get(pk=followed.pk)
    person_anonymise(person=followed)
    with pytest.raises(ValidationError, match="déjà été effacée"):
        person_anonymise(person=stale)
    assert Visit.objects.for_operator(operator).exclude(anonymous_group=None).count() == 1


def test_a_visit_of_an_erased_person_cannot_be_linked_to_a_record_again(
    client, agent, operator, followed
):
    visit = followed.visits.get()
    person_anonymise(person=followed)
    client.force_login(agent)
    page = text_of(client.get(reverse("reception:visit_detail", kwargs={"visit_id": visit.pk})))
    assert "la fiche de la personne a été effacée" in page
    newcomer = PersonFactory(operator=operator)
    link_url = reverse("reception:visit_link_person", kwargs={"visit_id": visit.pk})
    response = client.post(link_url, {"person": newcomer.pk}, follow=True)
    assert "appartenait à une fiche effacée" in text_of(response)
    create_url = reverse("reception:person_create") + f"?visite={visit.pk}"
    response = client.post(
        create_url,
        {
            "first_name": "Nouvelle",
            "last_name": "Fiche",
            "phone": "",
            "email": "",
            "consent_given": "on",
            "consent_given_on": "2026-06-10",
            "consent_purposes": ["follow_up"],
            "visit": visit.pk,
        },
    )
    assert response.status_code == 400
    assert "appartenait à une fiche effacée" in text_of(response)
    visit.refresh_from_db()
    assert visit.person is None and visit.anonymous_group is not None
    assert list(Person.objects.for_operator(operator).all()) == [newcomer]


# --- Giving another consent -------------------------------------------------------------------


def test_giving_the_referrals_consent_later_shows_the_name_to_the_partner(
    client, operator, agent, make_member
):
    person = PersonFactory(operator=operator, last_name="Lemaire", phone="06 11 22 33 44")
    referral = ReferralFactory(
        operator=operator, visit=VisitFactory(operator=operator, person=person)
    )
    partner_user = make_member(operator, Role.PARTNER, partner=referral.partner)
    referral_url = reverse("reception:referral_detail", kwargs={"referral_id": referral.pk})
    client.force_login(agent)
    url = _url("person_consent_give", person)
    page = text_of(client.get(url))
    assert "Suivi de ses orientations vers les partenaires" in page
    assert "Suivi de ses démarches par l'équipe du bus" not in page.split("<form")[1]
    data = {"consent_purposes": ["referral"], "consent_given_on": "2026-06-10"}
    for bad in [
        {"consent_purposes": ["follow_up"]},  # already given
        {"consent_purposes": ["inconnu"]},
        {"consent_purposes": []},
        {"consent_given_on": "2026-06-11"},  # in the future
        {"consent_given_on": "abc"},
    ]:
        assert client.post(url, data | bad).status_code == 400
    assert person.consents.count() == 1
    response = client.post(url, data | {"submission_token": token_in(client.get(url))})
    assert response.url == _url("person_detail", person)
    assert set(person.consents.active().values_list("purpose", flat=True)) == {
        "follow_up",
        "referral",
    }
    entry = AccessLogEntry.objects.for_operator(operator).get(action=Action.PERSON_CHANGED)
    assert entry.detail == "accord donné : Suivi de ses orientations vers les partenaires"
    client.force_login(partner_user)
    assert "06 11 22 33 44" in text_of(client.get(referral_url))


def test_a_withdrawn_consent_can_be_given_again(client, operator, agent):
    person = PersonFactory(operator=operator, consent_purpose=ConsentPurpose.REMINDERS)
    client.force_login(agent)
    client.post(_url("person_consent_withdraw", person), {"purpose": "reminders"})
    response = client.post(
        _url("person_consent_give", person),
        {"consent_purposes": ["reminders"], "consent_given_on": "2026-06-10"},
    )
    assert response.status_code == 302
    assert person.consents.count() == 2 and person.consents.active().count() == 1
