"""The coordinator sets up the vehicles and their spaces; bad input changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.planning.enums import SpaceKind
from allervers.planning.models import Space, Vehicle
from tests.html import text_of
from tests.planning.factories import SpaceFactory, StopFactory, VehicleFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("vehicles:create")
LIST = reverse("vehicles:list")


def bus(**changes) -> dict:
    """The seed's bus, as the form posts it."""
    data = {
        "name": "Bus emploi",
        "wheelchair_accessible": "on",
        "accessibility_notes": "Élévateur à l'arrière",
        "equipment": "8 ordinateurs, imprimante",
        "office_name": "Bureau",
        "office_capacity": "4",
        "cyber_name": "Cyber@atelier",
        "cyber_capacity": "8",
        "waiting_name": "Accueil",
        "waiting_capacity": "4",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def spaces_of(vehicle) -> dict[str, tuple[str, int]]:
    return {space.kind: (space.name, space.capacity) for space in vehicle.spaces.all()}


def test_a_coordinator_adds_the_bus_with_its_three_spaces(client, coordinator, operator):
    client.force_login(coordinator)
    assert client.get(CREATE).status_code == 200
    response = client.post(CREATE, bus())
    assert response.status_code == 302
    vehicle = Vehicle.objects.get(operator=operator)
    assert vehicle.wheelchair_accessible and vehicle.accessibility_notes == "Élévateur à l'arrière"
    assert spaces_of(vehicle) == {
        "office": ("Bureau", 4),
        "cyber": ("Cyber@atelier", 8),
        "waiting": ("Accueil", 4),
    }
    page = text_of(client.get(LIST))
    assert "Bus emploi" in page and "Cyber@atelier" in page and "8 places" in page


def test_editing_changes_places_and_removes_an_emptied_space(client, coordinator, operator):
    vehicle = VehicleFactory(operator=operator, name="Bus")
    SpaceFactory(vehicle=vehicle, kind=SpaceKind.OFFICE, name="Bureau", capacity=4)
    SpaceFactory(vehicle=vehicle, kind=SpaceKind.WAITING, name="Accueil", capacity=4)
    other = SpaceFactory(vehicle=vehicle, kind=SpaceKind.OTHER, name="Soute", capacity=2)
    client.force_login(coordinator)
    url = reverse("vehicles:edit", kwargs={"vehicle_id": vehicle.pk})
    assert 'value="Bureau"' in client.get(url).content.decode()
    response = client.post(
        url,
        bus(name="Bus", office_capacity="6", waiting_name="", waiting_capacity="", cyber_name=""),
    )
    assert response.status_code == 400  # a cyber space with places but no name
    assert "Donnez un nom à cet espace." in text_of(response)
    response = client.post(
        url,
        bus(name="Bus", office_capacity="6", waiting_name="", waiting_capacity=""),
    )
    assert response.status_code == 302
    assert spaces_of(vehicle) == {
        "office": ("Bureau", 6),
        "cyber": ("Cyber@atelier", 8),
        "other": ("Soute", 2),  # a kind the form does not show is left alone
    }
    assert Space.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"office_capacity": "0"}, "Un espace compte au moins 1 place."),
        ({"office_capacity": "-3"}, "Un espace compte au moins 1 place."),
        ({"cyber_capacity": "250"}, "Pas plus de 200 places : vérifiez le nombre."),
        ({"cyber_capacity": "beaucoup"}, "Indiquez un nombre entier de places."),
        ({"cyber_capacity": "4.5"}, "Indiquez un nombre entier de places."),
        ({"waiting_capacity": ""}, "Indiquez le nombre de places de cet espace."),
        ({"name": "  "}, "Indiquez le nom du véhicule."),
        ({"waiting_name": "Bureau"}, "Deux espaces du véhicule portent le même nom"),
    ],
)
def test_bad_input_is_refused_in_french_and_saves_nothing(
    client, coordinator, operator, changes, message
):
    client.force_login(coordinator)
    response = client.post(CREATE, bus(**changes))
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Vehicle.objects.filter(operator=operator).exists()
    assert not Space.objects.filter(operator=operator).exists()


def test_a_vehicle_or_space_name_already_used_in_the_structure_is_refused(
    client, coordinator, operator, other_operator
):
    existing = VehicleFactory(operator=operator, name="Bus emploi")
    SpaceFactory(vehicle=VehicleFactory(operator=operator, name="Minibus"), name="Cyber@atelier")
    client.force_login(coordinator)
    response = client.post(CREATE, bus(name="BUS EMPLOI"))
    assert response.status_code == 400
    assert "Un véhicule s'appelle déjà « BUS EMPLOI »" in text_of(response)
    response = client.post(CREATE, bus(name="Bus 2", cyber_name="cyber@atelier"))
    assert response.status_code == 400
    assert "Un espace d'un autre véhicule s'appelle déjà « Cyber@atelier »" in text_of(response)
    assert set(Vehicle.objects.filter(operator=operator).values_list("name", flat=True)) == {
        existing.name,
        "Minibus",
    }
    # Another structure may use the same names.
    VehicleFactory(operator=other_operator, name="Bus 3")
    assert client.post(CREATE, bus(name="Bus 3", cyber_name="Cyber 3")).status_code == 302


def test_archiving_is_refused_while_the_vehicle_has_stops_to_come(client, coordinator, operator):
    vehicle = VehicleFactory(operator=operator, name="Bus")
    StopFactory(
        operator=operator, vehicle=vehicle, date=timezone.localdate() + datetime.timedelta(days=5)
    )
    client.force_login(coordinator)
    url = reverse("vehicles:archive", kwargs={"vehicle_id": vehicle.pk})
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 400
    assert "Ce véhicule a encore 1 permanence à venir" in text_of(response)
    vehicle.refresh_from_db()
    assert not vehicle.is_archived


def test_a_vehicle_with_past_stops_only_is_archived_and_restored(client, coordinator, operator):
    vehicle = VehicleFactory(operator=operator, name="Vieux bus")
    StopFactory(
        operator=operator, vehicle=vehicle, date=timezone.localdate() - datetime.timedelta(days=5)
    )
    client.force_login(coordinator)
    url = reverse("vehicles:archive", kwargs={"vehicle_id": vehicle.pk})
    assert client.post(url).status_code == 302
    vehicle.refresh_from_db()
    assert vehicle.is_archived and vehicle.stops.exists()
    # No longer offered for a new stop.
    page = client.get(reverse("planning:stop_create")).content.decode()
    assert "Vieux bus" not in page
    assert client.post(url).status_code == 302
    vehicle.refresh_from_db()
    assert not vehicle.is_archived


def test_the_vehicle_screens_are_for_the_coordinator(client, operator, make_member):
    vehicle = VehicleFactory(operator=operator)
    for role in (Role.AGENT, Role.PARTNER, Role.VIEWER):
        client.force_login(make_member(operator, role))
        assert client.get(LIST).status_code == 403
        response = client.post(reverse("vehicles:archive", kwargs={"vehicle_id": vehicle.pk}))
        assert response.status_code == 403
    vehicle.refresh_from_db()
    assert not vehicle.is_archived


def test_the_public_page_shows_the_vehicle_accessibility_at_once(
    client, coordinator, operator, django_capture_on_commit_callbacks
):
    assert "Boucle magnétique" not in text_of(client.get(f"/{operator.slug}/"))  # now cached
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, bus(accessibility_notes="Boucle magnétique"))
    assert response.status_code == 302
    client.logout()
    page = text_of(client.get(f"/{operator.slug}/"))
    assert "accessible en fauteuil roulant" in page and "Boucle magnétique" in page


def test_the_list_takes_a_fixed_number_of_queries(
    client, coordinator, operator, django_assert_max_num_queries
):
    for number in range(3):
        vehicle = VehicleFactory(operator=operator, name=f"Bus {number}")
        SpaceFactory(vehicle=vehicle, kind=SpaceKind.OFFICE)
        SpaceFactory(vehicle=vehicle, kind=SpaceKind.CYBER)
    client.force_login(coordinator)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert text_of(response).count("Bus ") >= 3
