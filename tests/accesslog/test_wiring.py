"""Every read of a person's page, every download holding personal data, every change of personal
data and of a membership writes one entry — and no entry holds a value read or typed."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.core.roles import Role
from allervers.operators.models import Membership
from allervers.operators.services import operator_create
from allervers.reception.enums import ConsentPurpose, ReferralStatus
from allervers.reception.models import Person, Referral, Visit
from tests.partners.factories import PartnerFactory
from tests.planning.factories import StopFactory
from tests.reception.conftest import visit_answers
from tests.reception.factories import PersonFactory, ReferralFactory, VisitFactory

pytestmark = pytest.mark.django_db

NAME, SURNAME, PHONE = "Aïcha", "Benkirane", "06 98 76 54 32"
NOTE, REASON = "Loyer impayé depuis mars", "Dossier de surendettement"


def _entries(operator, action=None):
    entries = AccessLogEntry.objects.for_operator(operator)
    return entries.filter(action=action) if action else entries


def _person(operator, **fields):
    return PersonFactory(
        operator=operator, first_name=NAME, last_name=SURNAME, phone=PHONE, **fields
    )


def _assert_no_sensitive_value(operator):
    """No field of any entry holds the person's name, phone, or a typed answer."""
    for values in _entries(operator).values():
        text = " ".join(str(value) for value in values.values()).lower()
        for secret in (NAME, SURNAME, PHONE, NOTE, REASON, "amina", "lemaire", "06 11 22 33 44"):
            assert secret.lower() not in text, (secret, values)


def test_one_entry_per_read_of_a_person_page(client, agent, operator):
    person = _person(operator)
    client.force_login(agent)
    url = reverse("reception:person_detail", kwargs={"person_id": person.pk})
    for _ in range(3):
        assert client.get(url).status_code == 200
    entries = _entries(operator, Action.PERSON_VIEWED)
    assert entries.count() == 3
    assert set(entries.values_list("user_id", "target_type", "target_id", "person_id")) == {
        (agent.pk, "person", person.pk, person.pk)
    }
    assert _entries(operator).count() == 3  # nothing else was logged
    _assert_no_sensitive_value(operator)


def test_a_person_page_of_another_operator_logs_nothing(client, agent, operator, other_operator):
    stranger = PersonFactory(operator=other_operator)
    client.force_login(agent)
    url = reverse("reception:person_detail", kwargs={"person_id": stranger.pk})
    assert client.get(url).status_code == 404
    assert not _entries(operator).exists() and not _entries(other_operator).exists()


def test_one_entry_per_export_with_its_period(client, coordinator, operator):
    VisitFactory(operator=operator, person=_person(operator), note=NOTE)
    client.force_login(coordinator)
    url = reverse("reception:visit_export")
    assert client.get(url).status_code == 200
    assert client.get(url, {"start": "2026-01-01", "end": "2026-03-31"}).status_code == 200
    entries = _entries(operator, Action.EXPORT_DOWNLOADED).order_by("id")
    assert list(entries.values_list("detail", flat=True)) == [
        "visites, toutes dates (CSV)",
        "visites, du 01/01/2026 au 31/03/2026 (CSV)",
    ]
    assert _entries(operator).count() == 2
    assert client.get(url, {"start": "n'importe"}).status_code == 302  # refused: no file
    assert _entries(operator).count() == 2
    _assert_no_sensitive_value(operator)


def test_a_visit_page_naming_a_person_is_a_read_of_that_person(client, agent, operator):
    person = _person(operator)
    named = VisitFactory(operator=operator, person=person, note=NOTE)
    anonymous = VisitFactory(operator=operator)
    client.force_login(agent)
    for visit in (named, anonymous):
        client.get(reverse("reception:visit_detail", kwargs={"visit_id": visit.pk}))
    entry = _entries(operator).get()
    assert (entry.action, entry.target_type, entry.target_id, entry.person_id) == (
        Action.PERSON_VIEWED,
        "visit",
        named.pk,
        person.pk,
    )
    _assert_no_sensitive_value(operator)


def test_a_partner_reading_a_referral_with_a_name_is_logged(client, operator, make_member):
    partner = PartnerFactory(operator=operator)
    user = make_member(operator, Role.PARTNER, partner=partner)
    shared = _person(operator, consent_purpose=ConsentPurpose.REFERRAL)
    kept = _person(operator, consent_purpose=ConsentPurpose.FOLLOW_UP)
    named = ReferralFactory(
        operator=operator, partner=partner, visit__operator=operator, visit__person=shared
    )
    hidden = ReferralFactory(
        operator=operator, partner=partner, visit__operator=operator, visit__person=kept
    )
    client.force_login(user)
    for referral in (named, hidden):
        url = reverse("reception:referral_detail", kwargs={"referral_id": referral.pk})
        assert client.get(url).status_code == 200
    entry = _entries(operator).get()
    assert (entry.action, entry.user_id, entry.target_type, entry.person_id) == (
        Action.PERSON_VIEWED,
        user.pk,
        "referral",
        shared.pk,
    )


def _post_visit(client, stop, **extra):
    data = {
        "stop": stop.pk,
        "arrival_time": "00:01",
        **visit_answers(gender="female", age_band="26_49", lives_in_area="yes"),
        "note": NOTE,
    }
    return client.post(reverse("reception:visit_create"), data | extra)


def test_visit_writes_are_logged_once_each(client, agent, operator, today_stop, topics):
    client.force_login(agent)
    assert _post_visit(client, today_stop).status_code == 302
    visit = Visit.objects.get()
    client.post(reverse("reception:visit_finish", kwargs={"visit_id": visit.pk}))
    visit.refresh_from_db()
    edit = reverse("reception:visit_edit", kwargs={"visit_id": visit.pk})
    response = client.post(
        edit,
        {
            "stop": today_stop.pk,
            "arrival_time": "00:01",
            "departure_time": "00:30",
            "version": visit.version,
            **visit_answers(gender="male"),
            "note": NOTE,
        },
    )
    assert response.status_code == 302
    person = _person(operator)
    link = reverse("reception:visit_link_person", kwargs={"visit_id": visit.pk})
    client.post(link, {"person": person.pk})
    entries = _entries(operator).order_by("id")
    assert list(entries.values_list("action", "target_type", "target_id", "detail")) == [
        (Action.VISIT_CREATED, "visit", visit.pk, ""),
        (Action.VISIT_CHANGED, "visit", visit.pk, "visite terminée"),
        (Action.VISIT_CHANGED, "visit", visit.pk, "visite corrigée"),
        (Action.VISIT_CHANGED, "visit", visit.pk, "rattachée à une fiche personne"),
    ]
    assert entries.last().person_id == person.pk
    assert {entry.user_id for entry in entries} == {agent.pk}
    _assert_no_sensitive_value(operator)


def test_a_refused_write_leaves_no_entry(client, agent, operator, today_stop):
    visit = VisitFactory(operator=operator, stop=today_stop, arrived_at=timezone.now())
    client.force_login(agent)
    finish = reverse("reception:visit_finish", kwargs={"visit_id": visit.pk})
    client.post(finish)
    client.post(finish)  # « déjà terminée »: refused by the service
    assert _entries(operator).count() == 1
    bad = _post_visit(client, today_stop, arrival_time="25:99")
    assert bad.status_code == 400
    assert _entries(operator).count() == 1


def test_person_creation_is_logged(client, agent, operator):
    visit = VisitFactory(operator=operator)
    client.force_login(agent)
    data = {
        "first_name": "Amina",
        "last_name": "Lemaire",
        "phone": "06 11 22 33 44",
        "email": "",
        "consent_given": "on",
        "consent_given_on": f"{timezone.localdate():%Y-%m-%d}",
        "consent_purposes": "follow_up",
        "visit": visit.pk,
    }
    assert client.post(reverse("reception:person_create"), data).status_code == 302
    person = Person.objects.get()
    entry = _entries(operator).get()
    assert (entry.action, entry.target_type, entry.person_id, entry.detail) == (
        Action.PERSON_CREATED,
        "person",
        person.pk,
        f"avec la visite n° {visit.pk}",
    )
    _assert_no_sensitive_value(operator)


def test_referral_proposal_and_status_changes_are_logged(client, agent, operator):
    person = _person(operator)
    visit = VisitFactory(operator=operator, person=person)
    partner = PartnerFactory(operator=operator)
    client.force_login(agent)
    create = reverse("reception:referral_create", kwargs={"visit_id": visit.pk})
    client.post(create, {"partner": partner.pk, "reason": REASON})
    referral = Referral.objects.get()
    url = reverse("reception:referral_detail", kwargs={"referral_id": referral.pk})
    client.post(url, {"status": "sent", "note": NOTE, "version": 0})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    changes = _entries(operator).exclude(action=Action.PERSON_VIEWED).order_by("id")
    assert list(changes.values_list("action", "target_type", "person_id", "detail")) == [
        (Action.REFERRAL_CREATED, "referral", person.pk, ""),
        (Action.REFERRAL_CHANGED, "referral", person.pk, "statut : transmise"),
    ]
    _assert_no_sensitive_value(operator)


def test_an_import_confirmed_is_logged_with_its_count(client, agent, operator, topics):
    stop = StopFactory(operator=operator, date=datetime.date(2025, 3, 3))
    header = "date;heure_arrivee;lieu;genre;note\n"
    line = f"03/03/2025;09:30;{stop.site.name};Femme;{NOTE}\n"
    client.force_login(agent)
    url = reverse("reception:visit_import")
    response = client.post(
        url, {"file": SimpleUploadedFile("visites.csv", (header + line * 2).encode())}
    )
    assert "2 visites prêtes à importer" in response.content.decode(), response.content.decode()
    assert not _entries(operator).exists()  # the dry run is not a change
    client.post(url, {"action": "confirm"})
    entry = _entries(operator).get()
    assert (entry.action, entry.target_type, entry.detail) == (
        Action.IMPORT_CONFIRMED,
        "",
        "2 visites importées",
    )
    _assert_no_sensitive_value(operator)


def test_team_changes_are_logged(client, coordinator, operator):
    client.force_login(coordinator)
    client.post(
        reverse("operators:member_add"),
        {"first_name": "Léa", "last_name": "Roux", "email": "lea@example.org", "role": "agent"},
    )
    membership = Membership.objects.get(user__email="lea@example.org")
    edit = reverse("operators:member_edit", kwargs={"membership_id": membership.pk})
    client.post(edit, {"role": "viewer", "is_active": "on"})
    client.post(edit, {"role": "viewer"})  # is_active unchecked: access withdrawn
    entries = _entries(operator).order_by("id")
    viewer = f"rôle : {Role.VIEWER.label.lower()}"
    assert list(entries.values_list("action", "target_type", "target_id", "detail")) == [
        (Action.MEMBERSHIP_CREATED, "membership", membership.pk, "rôle : agent"),
        (Action.MEMBERSHIP_CHANGED, "membership", membership.pk, viewer),
        (Action.MEMBERSHIP_ENDED, "membership", membership.pk, f"{viewer}, accès retiré"),
    ]
    assert {entry.user_id for entry in entries} == {coordinator.pk}


def test_the_last_coordinator_kept_leaves_no_entry(client, coordinator, operator):
    client.force_login(coordinator)
    mine = Membership.objects.get(user=coordinator)
    edit = reverse("operators:member_edit", kwargs={"membership_id": mine.pk})
    assert client.post(edit, {"role": "agent", "is_active": "on"}).status_code == 400
    assert not _entries(operator).exists()


def test_a_partner_login_invitation_is_logged(client, coordinator, operator):
    partner = PartnerFactory(operator=operator, staff_have_logins=True)
    client.force_login(coordinator)
    client.post(
        reverse("partners:invite", kwargs={"partner_id": partner.pk}),
        {"first_name": "Paul", "last_name": "Martin", "email": "paul@example.org"},
    )
    membership = Membership.objects.get(user__email="paul@example.org")
    entry = _entries(operator).get()
    assert (entry.action, entry.target_id, entry.detail) == (
        Action.MEMBERSHIP_CREATED,
        membership.pk,
        "rôle : partenaire",
    )


def test_a_new_structure_logs_its_first_coordinator(db):
    operator = operator_create(
        name="CCAS de Loos", slug="ccas-loos", coordinator_email="coord@loos.example.org"
    )
    entry = _entries(operator).get()
    assert (entry.action, entry.target_type, entry.user_id, entry.ip) == (
        Action.MEMBERSHIP_CREATED,
        "membership",
        None,
        None,
    )
    assert entry.detail == "rôle : coordination (création de la structure)"
