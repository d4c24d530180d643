"""A coordinator keeps the structure's own details up to date."""

import pytest
from django.urls import reverse

from allervers.operators.models import Operator
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
        "widget_allowed_origins": "https://www.ville.example\nhttp://intranet.ville.example:8080/",
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


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "Indiquez le nom de la structure."),
        ("email", "pas-une-adresse", "Adresse électronique invalide."),
        ("website", "ville", "Adresse de site invalide"),
        ("siret", "1234", "Le numéro SIRET compte 14 chiffres"),
        (
            "widget_allowed_origins",
            "https://ok.example\njavascript:alert(1)",
            "javascript:alert(1)",
        ),
        ("widget_allowed_origins", "https://ville.example/agenda", "sans chemin"),
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
