"""People who consent, referrals to partners, cyber-atelier usage and settings."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.reception.enums import ConsentPurpose, ReferralStatus
from allervers.reception.models import CyberUsage, Person, Referral, ReferralEvent, Topic
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.planning.factories import StopFactory
from tests.reception.factories import PersonFactory, ReferralFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _person_data(**overrides):
    data = {
        "first_name": "Amina",
        "last_name": "Lemaire",
        "phone": "06 11 22 33 44",
        "email": "",
        "consent_given": "on",
        "consent_given_on": f"{timezone.localdate():%Y-%m-%d}",
        "consent_purposes": ["follow_up", "referral"],
    }
    data.update(overrides)
    return data


def test_a_person_is_created_only_with_consent_and_linked_to_the_visit(client, agent, operator):
    visit = VisitFactory(operator=operator)
    client.force_login(agent)
    url = reverse("reception:person_create") + f"?visite={visit.pk}"
    refused = client.post(url, _person_data(consent_given="", consent_purposes=[]))
    assert "Sans le consentement de la personne, aucune fiche nominative" in text_of(refused)
    assert not Person.objects.exists()
    response = client.post(url, _person_data(visit=visit.pk))
    person = Person.objects.get()
    assert response.url == reverse("reception:person_detail", kwargs={"person_id": person.pk})
    consents = person.consents.order_by("purpose")
    assert [(c.purpose, c.recorded_by, c.withdrawn_at) for c in consents] == [
        ("follow_up", agent, None),
        ("referral", agent, None),
    ]
    visit.refresh_from_db()
    assert visit.person == person
    assert visit.changes.get().kind == "person_linked"


def test_a_person_without_a_name_or_with_a_future_consent_is_refused(client, agent):
    client.force_login(agent)
    url = reverse("reception:person_create")
    response = client.post(url, _person_data(first_name="", last_name=" "))
    assert "Indiquez au moins le prénom ou le nom" in text_of(response)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(url, _person_data(consent_given_on=f"{tomorrow:%Y-%m-%d}"))
    assert "ne peut pas être dans le futur" in text_of(response)
    assert not Person.objects.exists()


def test_people_are_searched_by_post_and_never_named_in_a_url(
    client, agent, operator, other_operator
):
    PersonFactory(operator=operator, first_name="Élodie", last_name="Delattre")
    PersonFactory(operator=operator, first_name="Jacques", last_name="Caron")
    PersonFactory(operator=other_operator, first_name="Élodie", last_name="Voisine")
    client.force_login(agent)
    url = reverse("reception:person_search")
    assert "Élodie" not in text_of(client.get(url, {"query": "elodie"}))
    response = client.post(url, {"query": "elodie"})
    page = text_of(response)
    assert "Élodie DELATTRE" in page
    assert "Caron" not in page and "Voisine" not in page
    assert "Tapez au moins deux lettres." in text_of(client.post(url, {"query": "e"}))


def test_a_person_page_lists_visits_referrals_and_appointments(client, agent, operator):
    person = PersonFactory(operator=operator)
    visit = VisitFactory(operator=operator, person=person, mode="appointment")
    VisitFactory(operator=operator, person=person)
    ReferralFactory(operator=operator, visit=visit, reason="Ouverture des droits CAF")
    client.force_login(agent)
    response = client.get(reverse("reception:person_detail", kwargs={"person_id": person.pk}))
    page = text_of(response)
    assert "Visites (2)" in page
    assert "Ouverture des droits CAF" in page
    assert "visite sur rendez-vous" in page


def test_linking_a_visit_to_a_person_of_another_operator_is_404_or_refused(
    client, agent, operator, other_operator
):
    visit = VisitFactory(operator=operator)
    stranger = PersonFactory(operator=other_operator)
    client.force_login(agent)
    response = client.post(
        reverse("reception:visit_link_person", kwargs={"visit_id": visit.pk}),
        {"person": stranger.pk},
        follow=True,
    )
    assert "Personne inconnue" in text_of(response)
    visit.refresh_from_db()
    assert visit.person is None


def test_a_referral_goes_from_proposed_to_taken_up_with_dates_and_authors(
    client, agent, operator, make_member
):
    partner = PartnerFactory(operator=operator, name="Mission locale")
    visit = VisitFactory(operator=operator)
    client.force_login(agent)
    response = client.post(
        reverse("reception:referral_create", kwargs={"visit_id": visit.pk}),
        {"partner": partner.pk, "reason": "Inscription à la Garantie jeunes"},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.PROPOSED and referral.created_by == agent

    partner_user = make_member(operator, Role.PARTNER, partner=partner)
    client.force_login(partner_user)
    url = reverse("reception:referral_detail", kwargs={"referral_id": referral.pk})
    page = text_of(client.get(url))
    assert "Inscription à la Garantie jeunes" in page
    client.post(url, {"status": "sent", "version": 0})
    client.post(url, {"status": "taken_up", "note": "Premier rendez-vous fixé", "version": 1})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.TAKEN_UP
    assert referral.sent_at and referral.taken_up_at and referral.status_changed_by == partner_user
    assert list(referral.events.values_list("status", flat=True)) == [
        "proposed",
        "sent",
        "taken_up",
    ]
    # A closed referral does not move any more.
    response = client.post(url, {"status": "dropped"}, follow=True)
    assert "Cette orientation est close" in text_of(response)
    assert ReferralEvent.objects.count() == 3


def test_a_status_jump_backwards_is_refused(client, agent, operator):
    referral = ReferralFactory(operator=operator)
    client.force_login(agent)
    url = reverse("reception:referral_detail", kwargs={"referral_id": referral.pk})
    response = client.post(url, {"status": "proposed"})
    assert "Statut inconnu" in text_of(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PROPOSED


def test_a_referral_to_an_archived_partner_is_refused(client, agent, operator):
    archived = PartnerFactory(operator=operator, name="Ancien partenaire", is_archived=True)
    visit = VisitFactory(operator=operator)
    client.force_login(agent)
    response = client.post(
        reverse("reception:referral_create", kwargs={"visit_id": visit.pk}),
        {"partner": archived.pk, "reason": "Essai"},
    )
    assert "Le partenaire « Ancien partenaire » est archivé" in text_of(response)
    assert not Referral.objects.exists()


def test_a_partner_sees_only_its_referrals_and_never_the_visit_details(
    client, operator, make_member, django_assert_max_num_queries
):
    mine = PartnerFactory(operator=operator, name="France Travail")
    theirs = PartnerFactory(operator=operator, name="BGE")
    person = PersonFactory(
        operator=operator,
        first_name="Rachid",
        phone="06 99 88 77 66",
        consent_purpose=ConsentPurpose.REFERRAL,
    )
    visit = VisitFactory(operator=operator, person=person, note="Note interne")
    own = ReferralFactory(operator=operator, visit=visit, partner=mine, reason="Inscription")
    for _ in range(10):
        ReferralFactory(operator=operator, partner=mine)
    other = ReferralFactory(operator=operator, partner=theirs, reason="Création d'entreprise")
    client.force_login(make_member(operator, Role.PARTNER, partner=mine))
    with django_assert_max_num_queries(12):
        listing = text_of(client.get(reverse("reception:referral_list")))
    assert "Inscription" in listing and "Création d'entreprise" not in listing
    page = text_of(client.get(reverse("reception:referral_detail", kwargs={"referral_id": own.pk})))
    assert "Rachid" in page and "06 99 88 77 66" in page
    assert "Note interne" not in page and "voir la visite" not in page
    response = client.get(reverse("reception:referral_detail", kwargs={"referral_id": other.pk}))
    assert response.status_code == 404
    response = client.post(
        reverse("reception:referral_detail", kwargs={"referral_id": other.pk}), {"status": "sent"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == ReferralStatus.PROPOSED
    visit_url = reverse("reception:visit_detail", kwargs={"visit_id": visit.pk})
    assert client.get(visit_url).status_code == 403


@pytest.mark.parametrize("purpose", [ConsentPurpose.FOLLOW_UP, ConsentPurpose.REMINDERS])
def test_a_partner_reads_no_name_without_consent_to_referrals(
    client, operator, make_member, agent, purpose
):
    mine = PartnerFactory(operator=operator)
    person = PersonFactory(
        operator=operator, first_name="Rachid", phone="06 99 88 77 66", consent_purpose=purpose
    )
    referral = ReferralFactory(
        operator=operator, visit=VisitFactory(operator=operator, person=person), partner=mine
    )
    url = reverse("reception:referral_detail", kwargs={"referral_id": referral.pk})
    client.force_login(make_member(operator, Role.PARTNER, partner=mine))
    page = text_of(client.get(url))
    assert "Rachid" not in page and "06 99 88 77 66" not in page
    assert "l'équipe du bus fait le lien" in page
    client.force_login(agent)
    assert "06 99 88 77 66" in text_of(client.get(url))


def test_overdue_referrals_are_listed_for_the_agents(client, agent, operator):
    operator.referral_overdue_days = 30
    operator.save()
    old = timezone.now() - datetime.timedelta(days=45)
    late = ReferralFactory(operator=operator, proposed_at=old, reason="En retard")
    ReferralFactory(operator=operator, reason="Récente")
    ReferralFactory(
        operator=operator,
        proposed_at=old,
        status=ReferralStatus.TAKEN_UP,
        sent_at=old,
        taken_up_at=old,
        reason="Prise en charge",
    )
    client.force_login(agent)
    response = client.get(reverse("reception:referral_list"))
    assert [r.pk for r in response.context["overdue"]] == [late.pk]
    assert "Sans prise en charge depuis plus de 30 jours (1)" in text_of(response)


def test_cyber_usage_per_stop(client, agent, operator):
    stop = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=1))
    VisitFactory(operator=operator, stop=stop, cyber_used=True, cyber_purpose="print_scan")
    client.force_login(agent)
    url = reverse("reception:cyber_usage", kwargs={"stop_id": stop.pk})
    assert client.get(url).context["form"].initial == {"seats_used": 1, "people_count": 1}
    response = client.post(url, {"seats_used": "9", "people_count": "12"})
    assert "n'a que 8 postes" in text_of(response)
    response = client.post(url, {"seats_used": "5", "people_count": "3"})
    assert "ne peut pas être inférieur au nombre de postes" in text_of(response)
    for too_many in ("1000", "99999999999999999999"):
        response = client.post(url, {"seats_used": "5", "people_count": too_many})
        assert "limité à 999 par permanence" in text_of(response)
    assert not CyberUsage.objects.exists()
    client.post(url, {"seats_used": "6", "people_count": "9"})
    client.post(url, {"seats_used": "7", "people_count": "9"})
    usage = CyberUsage.objects.get()
    assert (usage.seats_used, usage.people_count, usage.recorded_by) == (7, 9, agent)


def test_cyber_usage_on_a_future_stop_is_refused(client, agent, operator):
    stop = StopFactory(operator=operator, date=timezone.localdate() + datetime.timedelta(days=3))
    client.force_login(agent)
    url = reverse("reception:cyber_usage", kwargs={"stop_id": stop.pk})
    response = client.post(url, {"seats_used": "2", "people_count": "2"})
    assert "n'a pas encore eu lieu" in text_of(response)
    assert not CyberUsage.objects.exists()


def test_the_coordinator_sets_the_neighbourhood_and_the_topics(
    client, coordinator, operator, topics
):
    client.force_login(coordinator)
    url = reverse("reception:settings")
    client.post(
        url,
        {
            "action": "settings",
            "neighbourhood_name": "Quartier du Regain",
            "neighbourhood_streets": "Rue du Regain\n\nRue Pasteur ",
            "referral_overdue_days": "21",
        },
    )
    operator.refresh_from_db()
    assert operator.neighbourhood_streets == "Rue du Regain\nRue Pasteur"
    assert operator.referral_overdue_days == 21
    bad = client.post(url, {"action": "settings", "referral_overdue_days": "0"})
    assert "Le délai est d'au moins 1 jour." in text_of(bad)
    client.post(url, {"action": "topic_add", "name": "Énergie"})
    assert Topic.objects.filter(operator=operator, slug="energie").exists()
    duplicate = client.post(url, {"action": "topic_add", "name": "RSA"})
    assert "existe déjà" in text_of(duplicate)
    client.post(url, {"action": "topic_archive", "topic": topics["impots"].pk})
    topics["impots"].refresh_from_db()
    assert topics["impots"].is_archived
    StopFactory(operator=operator, date=timezone.localdate())
    form = text_of(client.get(reverse("reception:visit_create")))
    assert "Déclaration d'impôts" not in form and "Énergie" in form
    assert "Rues du quartier : Rue du Regain, Rue Pasteur." in form


def test_non_ascii_digits_in_an_id_are_refused_not_a_server_error(client, coordinator, operator):
    """'²'.isdigit() is True but int('²') fails: ids are checked with isdecimal()."""
    visit = VisitFactory(operator=operator)
    client.force_login(coordinator)
    assert client.get(reverse("reception:person_search") + "?visite=²").status_code == 200
    assert client.get(reverse("reception:person_create") + "?visite=²").status_code == 200
    url = reverse("reception:visit_link_person", kwargs={"visit_id": visit.pk})
    response = client.post(url, {"person": "²"}, follow=True)
    assert "Personne inconnue" in text_of(response)
    response = client.post(
        reverse("reception:settings"), {"action": "topic_archive", "topic": "²"}, follow=True
    )
    assert "Thématique inconnue" in text_of(response)
