"""A coordinator keeps the structure's own details up to date."""

import datetime

import pytest
from django.urls import reverse

from allervers.operators.models import Operator
from tests.conftest import refused_by
from tests.html import text_of

URL = reverse("operators:settings")


def valid(**changes):
    data = {
        "name": "CCAS de test",
        "phone": "03 21 00 00 01",
        "email": "bus@ccas.example",
        "address": "Hôtel de ville",
        "website": "https://www.ville.example",
        "siret": "21620079700018",
        "school_zone": "B",
        "public_intro": "",
        "public_access_note": "",
        "widget_allowed_origins": "https://www.ville.example\nhttp://intranet.ville.example:8080/",
        "reminder_time": "17:00",
    }
    data.update(changes)
    return data


def test_the_coordinator_saves_the_structures_details(client, coordinator, operator):
    client.force_login(coordinator)
    response = client.post(URL, valid())
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.phone == "03 21 00 00 01"
    assert operator.siret == "21620079700018"
    assert operator.widget_allowed_origins == (
        "https://www.ville.example\nhttp://intranet.ville.example:8080"
    )
    assert "Les réglages de la structure sont enregistrés." in text_of(client.get(URL))


def test_the_public_page_shows_a_new_phone_at_once(client, coordinator, operator):
    client.get(reverse("public:operator", kwargs={"operator_slug": operator.slug}))  # cached
    client.force_login(coordinator)
    client.post(URL, valid(phone="03 99 99 99 99"))
    client.logout()
    page = client.get(reverse("public:operator", kwargs={"operator_slug": operator.slug}))
    assert "03 99 99 99 99" in text_of(page)


def test_the_structures_commune_code_is_saved_as_insee_writes_it(client, coordinator, operator):
    client.force_login(coordinator)
    assert "Code INSEE" in text_of(page := client.get(URL)) and b'name="insee_code"' in page.content
    assert client.post(URL, valid(insee_code=" 2b 033")).status_code == 302
    operator.refresh_from_db()
    assert operator.insee_code == "2B033"
    assert client.post(URL, valid(insee_code="")).status_code == 302
    operator.refresh_from_db()
    assert operator.insee_code == ""


def test_the_database_refuses_a_malformed_structure_commune_code(operator):
    with refused_by("operator_insee_code_format"):
        Operator.objects.filter(pk=operator.pk).update(insee_code="6208")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Indiquez le nom de la structure."),
        ("email", "pas-une-adresse", "Adresse électronique invalide."),
        ("website", "ville", "Adresse de site invalide"),
        ("siret", "1234", "Le numéro SIRET compte 14 chiffres"),
        ("insee_code", "62620X", "Code INSEE invalide : 5 caractères"),
        ("insee_code", "20004", "2A, 2B en Corse"),
        ("insee_code", "6208", "Ce n'est pas le code postal."),
        (
            "widget_allowed_origins",
            "https://ok.example\njavascript:alert(1)",
            "javascript:alert(1)",
        ),
        ("widget_allowed_origins", "https://ville.example/agenda", "sans chemin"),
        ("reminder_time", "", "Indiquez l'heure des rappels"),
        ("reminder_time", "25:99", "Heure invalide"),
        ("reminder_time", "demain", "Heure invalide"),
    ],
)
def test_bad_settings_are_refused_in_french_and_nothing_is_saved(
    client, coordinator, operator, field, value, message
):
    client.force_login(coordinator)
    before = Operator.objects.values().get(pk=operator.pk)
    response = client.post(URL, valid(**{field: value}))
    assert response.status_code == 400
    assert message in text_of(response)
    assert Operator.objects.values().get(pk=operator.pk) == before
    assert "CCAS de test" in text_of(response)  # the header keeps the saved name


def test_the_coordinator_sets_the_hour_of_the_reminders(client, coordinator, operator):
    client.force_login(coordinator)
    page = client.get(URL).content.decode()
    assert 'type="time" name="reminder_time" value="17:00"' in page
    assert "heure des rappels de rendez-vous" in page.lower()
    assert client.post(URL, valid(reminder_time="18:30")).status_code == 302
    operator.refresh_from_db()
    assert operator.reminder_time == datetime.time(18, 30)


def test_the_school_zone_is_where_new_patterns_start(client, coordinator, operator):
    client.force_login(coordinator)
    assert client.post(URL, valid(school_zone="C")).status_code == 302
    operator.refresh_from_db()
    assert operator.school_zone == "C"
    form = client.get(reverse("planning:pattern_create")).content.decode()
    assert '<option value="C" selected>' in form


@pytest.mark.parametrize("zone", ["D", "Corse", ""])
def test_an_unknown_school_zone_is_refused(client, coordinator, operator, zone):
    client.force_login(coordinator)
    response = client.post(URL, valid(school_zone=zone, phone="03 00 00 00 00"))
    assert response.status_code == 400
    assert "Choisissez la zone A, B ou C." in text_of(response) or "obligatoire" in text_of(
        response
    )
    operator.refresh_from_db()
    assert operator.school_zone == "B" and operator.phone != "03 00 00 00 00"


def test_the_public_texts_show_on_the_public_page_at_once(
    client, coordinator, operator, django_capture_on_commit_callbacks
):
    public = reverse("public:operator", kwargs={"operator_slug": operator.slug})
    assert "On vous aide pour l'emploi" in text_of(client.get(public))  # the default, cached
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            valid(
                public_intro="Le bus de l'emploi vient dans votre quartier.",
                public_access_note="Besoin d'aide pour venir ? Appelez-nous.",
            ),
        )
    assert response.status_code == 302
    client.logout()
    page = text_of(client.get(public))
    assert "Le bus de l'emploi vient dans votre quartier." in page
    assert "Besoin d'aide pour venir ? Appelez-nous." in page
    assert "On vous aide pour l'emploi" not in page


def test_the_settings_page_links_to_the_other_set_up_screens(client, coordinator):
    client.force_login(coordinator)
    page = text_of(client.get(URL))
    for name in ("vehicles:list", "partners:list", "reception:settings", "operators:member_list"):
        assert f'href="{reverse(name)}"' in page


def test_the_coordinator_decides_whether_partners_declarations_await_her_approval(
    client, coordinator, operator
):
    assert operator.partner_rota_needs_approval  # by default
    client.force_login(coordinator)
    page = client.get(URL)
    assert b'name="partner_rota_needs_approval"' in page.content
    assert client.post(URL, valid()).status_code == 302
    operator.refresh_from_db()
    assert operator.partner_rota_needs_approval is False
    assert client.post(URL, valid(partner_rota_needs_approval="on")).status_code == 302
    operator.refresh_from_db()
    assert operator.partner_rota_needs_approval is True
