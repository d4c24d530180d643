"""The coordinator's « Journal des accès »: who may read it, what it shows, its filters, its CSV."""

import csv
import datetime
import io

import pytest
from django.test import RequestFactory
from django.urls import reverse

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.accesslog.services import record
from allervers.core.roles import Role
from tests.html import text_of
from tests.reception.factories import PersonFactory, ReferralFactory, VisitFactory

pytestmark = pytest.mark.django_db

JOURNAL = reverse("accesslog:journal")
EXPORT = reverse("accesslog:journal_export")


def _request(user, operator, ip="198.51.100.7"):
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    request.user = user
    request.operator = operator
    return request


def _entries(operator):
    return AccessLogEntry.objects.for_operator(operator)


def _log(user, operator, action, target=None, **fields):
    return record(_request(user, operator), action, target, **fields)


@pytest.mark.parametrize("role", [Role.AGENT, Role.PARTNER, Role.VIEWER])
def test_only_the_coordinator_reads_the_journal(client, operator, make_member, role):
    client.force_login(make_member(operator, role))
    assert client.get(JOURNAL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_the_journal_lists_entries_newest_first_with_their_columns(
    client, clock, coordinator, agent, operator
):
    person = PersonFactory(operator=operator, last_name="Benkirane")
    _log(agent, operator, Action.PERSON_VIEWED, person)
    clock.shift(datetime.timedelta(minutes=5))
    _log(coordinator, operator, Action.EXPORT_DOWNLOADED, detail="visites, toutes dates (CSV)")
    client.force_login(coordinator)
    response = client.get(JOURNAL)
    assert response.status_code == 200
    page = text_of(response)
    rows = page[page.index("<tbody>") :]  # the action filter lists every action too
    assert rows.index("Téléchargement d'un export nominatif") < rows.index(
        "Consultation d'une fiche personne"
    )
    assert "10/06/2026 10:00:00" in page and "10/06/2026 10:05:00" in page
    assert agent.email in page and "198.51.100.7" in page
    assert f"Fiche personne n° {person.pk}" in page
    assert "Benkirane" not in page  # the journal names objects by number, never by name
    link = reverse("reception:person_detail", kwargs={"person_id": person.pk})
    assert f'href="{link}"' in response.content.decode()
    assert not _entries(operator).filter(action=Action.PERSON_VIEWED, user=coordinator)


def test_an_object_that_is_gone_is_named_without_a_link(client, coordinator, operator):
    visit = VisitFactory(operator=operator)
    _log(coordinator, operator, Action.VISIT_CHANGED, visit)
    _log(coordinator, operator, Action.PERSON_ERASED, target_type="person", target_id=999999)
    client.force_login(coordinator)
    response = client.get(JOURNAL)
    body = response.content.decode()
    assert reverse("reception:visit_detail", kwargs={"visit_id": visit.pk}) in body
    assert "Fiche personne n° 999999 (supprimé)" in text_of(response)
    assert reverse("reception:person_detail", kwargs={"person_id": 999999}) not in body


def test_another_operators_entries_are_never_shown(
    client, coordinator, operator, other_operator, make_member
):
    stranger = make_member(other_operator, Role.COORDINATOR, email="voisin@example.org")
    theirs = PersonFactory(operator=other_operator)
    _log(stranger, other_operator, Action.PERSON_VIEWED, theirs, detail="chez le voisin")
    client.force_login(coordinator)
    for query in ({}, {"personne": theirs.pk}):
        page = text_of(client.get(JOURNAL, query))
        assert "voisin" not in page and "0 entrée" in page
        assert "chez le voisin" not in _csv_text(client.get(EXPORT, query))
    refused = client.get(JOURNAL, {"compte": stranger.pk})
    assert refused.status_code == 400
    assert "Ce compte n'est pas membre de la structure." in text_of(refused)


def test_the_filters_select_period_member_action_and_person(
    client, clock, coordinator, agent, operator
):
    one, two = PersonFactory(operator=operator), PersonFactory(operator=operator)
    _log(agent, operator, Action.PERSON_VIEWED, one)  # 10 June
    clock.shift(datetime.timedelta(days=2))
    _log(agent, operator, Action.PERSON_VIEWED, two)  # 12 June
    _log(agent, operator, Action.VISIT_CHANGED, VisitFactory(operator=operator, person=one))
    _log(coordinator, operator, Action.EXPORT_DOWNLOADED, detail="visites, toutes dates (CSV)")
    client.force_login(coordinator)

    def shown(**query):
        response = client.get(JOURNAL, query)
        assert response.status_code == 200, text_of(response)
        return response.context["page"].paginator.count

    assert shown() == 4
    assert shown(start="2026-06-11") == 3
    assert shown(end="2026-06-10") == 1
    assert shown(start="2026-06-10", end="2026-06-10") == 1
    assert shown(compte=agent.pk) == 3
    assert shown(compte=coordinator.pk) == 1
    assert shown(action=Action.PERSON_VIEWED) == 2
    assert shown(personne=one.pk) == 2  # its page, and a visit about it
    assert shown(personne=one.pk, action=Action.PERSON_VIEWED) == 1
    assert shown(personne=two.pk, start="2026-06-13") == 0


def test_the_person_page_links_coordinators_to_who_read_it(client, coordinator, agent, operator):
    person = PersonFactory(operator=operator)
    url = reverse("reception:person_detail", kwargs={"person_id": person.pk})
    link = f"{JOURNAL}?personne={person.pk}"
    client.force_login(agent)
    assert link not in client.get(url).content.decode()
    client.force_login(coordinator)
    response = client.get(url)
    assert "Voir qui a consulté cette fiche" in text_of(response)
    assert link in response.content.decode()
    page = client.get(link)
    assert page.context["page"].paginator.count == 2  # the agent's read and the coordinator's


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start": "hier"}, "Date de début invalide."),
        ({"end": "2026-02-30"}, "Date de fin invalide."),
        ({"start": "0001-01-01"}, "Choisissez une date entre 2000 et 2100."),
        ({"end": "9999-12-31"}, "Choisissez une date entre 2000 et 2100."),
        ({"start": "2026-06-10", "end": "2026-06-01"}, "La date de fin doit être après"),
        ({"action": "tout_effacer"}, "Action inconnue."),
        ({"compte": "abc"}, "Ce compte n'est pas membre de la structure."),
        ({"compte": "99999999"}, "Ce compte n'est pas membre de la structure."),
        ({"personne": "Dupont"}, "Le numéro de fiche est un nombre entier."),
        ({"personne": "-3"}, "Le numéro de fiche est un nombre entier positif."),
        ({"personne": "9" * 30}, "Ce numéro de fiche n'existe pas."),
    ],
)
def test_bad_filters_are_refused_in_french(client, coordinator, operator, query, message):
    _log(coordinator, operator, Action.PERSON_VIEWED, PersonFactory(operator=operator))
    client.force_login(coordinator)
    for url in (JOURNAL, EXPORT):
        response = client.get(url, query)
        assert response.status_code == 400, url
        assert message in text_of(response)
        assert "Le journal n'a pas pu être filtré" in text_of(response)
    assert _entries(operator).count() == 1  # a refused download is not logged


def test_a_bad_page_number_shows_a_page(client, coordinator, operator):
    client.force_login(coordinator)
    for page in ("abc", "-1", "99999"):
        assert client.get(JOURNAL, {"page": page}).status_code == 200


def test_the_journal_paginates(client, coordinator, operator):
    for _ in range(51):
        _log(coordinator, operator, Action.EXPORT_DOWNLOADED, detail="visites (CSV)")
    client.force_login(coordinator)
    first = client.get(JOURNAL, {"action": Action.EXPORT_DOWNLOADED})
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 sur 2" in text_of(first)
    second = client.get(JOURNAL, {"action": Action.EXPORT_DOWNLOADED, "page": 2})
    assert len(second.context["page"].object_list) == 1


def test_the_csv_holds_the_filtered_entries_and_its_download_is_logged(
    client, coordinator, agent, operator
):
    person = PersonFactory(operator=operator)
    referral = ReferralFactory(operator=operator, visit__person=person, visit__operator=operator)
    _log(agent, operator, Action.REFERRAL_CREATED, referral)
    _log(agent, operator, Action.PERSON_VIEWED, person)
    client.force_login(coordinator)
    response = client.get(EXPORT, {"action": Action.REFERRAL_CREATED, "start": "2026-06-01"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="journal-des-acces.csv"'
    rows = _csv_rows(response)
    assert rows[0][:3] == ["date et heure", "compte", "action"]
    assert rows[1:] == [
        [
            "10/06/2026 10:00:00",
            agent.email,
            "Orientation proposée",
            f"referral {referral.pk}",
            str(person.pk),
            "198.51.100.7",
            "",
        ]
    ]
    entry = _entries(operator).get(action=Action.EXPORT_DOWNLOADED)
    assert (entry.user_id, entry.detail) == (
        coordinator.pk,
        "journal des accès, du 01/06/2026 à ce jour (CSV)",
    )
    client.get(EXPORT, {"personne": person.pk})
    assert _entries(operator).filter(action=Action.EXPORT_DOWNLOADED).count() == 2
    assert _entries(operator).latest("id").detail == (
        f"journal des accès, toutes dates, personne n° {person.pk} (CSV)"
    )


def test_the_settings_page_links_to_the_journal(client, coordinator):
    client.force_login(coordinator)
    assert JOURNAL in client.get(reverse("operators:settings")).content.decode()


def _csv_text(response) -> str:
    assert response.streaming  # never built whole in memory
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_csv_text(response)), delimiter=";"))


def test_the_csv_streams_every_entry_chunk_by_chunk_without_its_own_download(
    client, coordinator, agent, operator, monkeypatch
):
    from allervers.accesslog import views

    monkeypatch.setattr(views, "EXPORT_CHUNK", 3)
    for _ in range(8):
        _log(agent, operator, Action.PERSON_VIEWED, PersonFactory(operator=operator))
    client.force_login(coordinator)
    rows = _csv_rows(client.get(EXPORT))
    download = _entries(operator).get(action=Action.EXPORT_DOWNLOADED)
    assert len(rows) == 1 + _entries(operator).filter(pk__lt=download.pk).count()
    assert [row[2] for row in rows[1:]].count("Consultation d'une fiche personne") == 8
    assert "Téléchargement d'un export nominatif" not in {row[2] for row in rows}
    assert _entries(operator).filter(action=Action.EXPORT_DOWNLOADED).count() == 1
