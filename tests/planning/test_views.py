"""The planning screens, as each role uses them; bad input gets a French message, never a 500."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.planning.enums import CancelReason, DutyRole, SpaceKind, StopStatus
from allervers.planning.models import PartnerPresence, SchedulePattern, Site, Stop
from tests.conftest import refused_by
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SiteFactory,
    SpaceFactory,
    StaffAssignmentFactory,
    StopFactory,
    VehicleFactory,
    future_stop,
)
from tests.planning.fakes import FakeGeocoder

pytestmark = pytest.mark.django_db

JULY = datetime.date(2026, 7, 1)


@pytest.fixture
def partner_user(operator, make_member):
    return make_member(
        operator, Role.PARTNER, partner=PartnerFactory(operator=operator, name="PLIE")
    )


@pytest.fixture
def vehicle(operator):
    return VehicleFactory(operator=operator)


def july_stop(operator, vehicle, day, **fields):
    return StopFactory(operator=operator, vehicle=vehicle, date=JULY.replace(day=day), **fields)


# Calendar views ------------------------------------------------------------------------------


def test_the_month_is_a_table_with_the_stops_partners_and_cancellations(
    client, agent, operator, vehicle
):
    stop = july_stop(operator, vehicle, 7, site__name="Place du Regain")
    PartnerPresenceFactory(stop=stop, operator=operator, partner__name="Mission locale")
    july_stop(
        operator,
        vehicle,
        9,
        site__name="City stade",
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.WEATHER,
    )
    client.force_login(agent)
    response = client.get(reverse("planning:month"), {"month": "2026-07"})
    page = text_of(response)
    assert response.status_code == 200
    assert "<caption>Permanences du bus en juillet 2026 : 2 permanences" in page
    assert '<th scope="col">Lundi</th>' in page
    assert "Place du Regain" in page and "Mission locale" in page
    assert "City stade" in page and "Annulée" in page


def test_the_month_view_runs_as_many_queries_for_many_stops_as_for_few(
    client, agent, operator, vehicle, django_assert_max_num_queries
):
    client.force_login(agent)
    url = reverse("planning:month") + "?month=2026-07"
    july_stop(operator, vehicle, 1)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(2, 31):
        stop = july_stop(operator, vehicle, day)
        PartnerPresenceFactory(stop=stop, operator=operator)
        PartnerPresenceFactory(stop=stop, operator=operator)
        StaffAssignmentFactory(stop=stop, operator=operator)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert "30 permanences" in text_of(response)


def test_the_month_filters_by_site_and_by_partner(client, agent, operator, vehicle):
    regain = SiteFactory(operator=operator, name="Place du Regain")
    stade = SiteFactory(operator=operator, name="City stade")
    july_stop(operator, vehicle, 6, site=regain)
    at_stade = july_stop(operator, vehicle, 8, site=stade)
    plie = PartnerPresenceFactory(stop=at_stade, operator=operator, partner__name="PLIE").partner
    client.force_login(agent)
    by_site = text_of(
        client.get(reverse("planning:month"), {"month": "2026-07", "site": regain.pk})
    )
    assert "1 permanence (planning filtré)" in by_site
    by_partner = text_of(
        client.get(reverse("planning:month"), {"month": "2026-07", "partner": plie.pk})
    )
    assert "1 permanence (planning filtré)" in by_partner and "City stade" in by_partner


@pytest.mark.parametrize(
    ("view", "params"),
    [
        ("planning:month", {"month": "2026-07", "site": "999999"}),
        ("planning:month", {"month": "2026-07", "site": "abc", "partner": "0"}),
        ("planning:month", {"month": "2025-13", "partner": "999999"}),
        ("planning:week", {"week": "2026-W28", "site": "999999"}),
        ("planning:upcoming", {"partner": "abc"}),
    ],
)
def test_an_ignored_filter_does_not_say_the_planning_is_filtered(
    client, agent, operator, vehicle, view, params
):
    july_stop(operator, vehicle, 6)
    client.force_login(agent)
    response = client.get(reverse(view), params)
    assert response.status_code == 400
    assert "n'existe pas" in text_of(response) or "invalide" in text_of(response)
    assert "planning filtré" not in text_of(response)


def test_a_valid_filter_beside_a_wrong_one_still_says_the_planning_is_filtered(
    client, agent, operator, vehicle
):
    regain = SiteFactory(operator=operator, name="Place du Regain")
    july_stop(operator, vehicle, 6, site=regain)
    july_stop(operator, vehicle, 8)
    client.force_login(agent)
    params = {"month": "2026-07", "site": regain.pk, "partner": "999999"}
    page = text_of(client.get(reverse("planning:month"), params))
    assert "1 permanence (planning filtré)" in page
    week = text_of(client.get(reverse("planning:week"), {"week": "2026-W28", "site": regain.pk}))
    assert "(planning filtré)" in week


@pytest.mark.parametrize(
    ("view", "params", "message"),
    [
        ("planning:month", {"month": "2025-13"}, "Mois invalide"),
        ("planning:month", {"month": "juillet"}, "Mois invalide"),
        ("planning:month", {"site": "999999"}, "Ce lieu n'existe pas"),
        ("planning:month", {"site": "abc"}, "Ce lieu n'existe pas"),
        ("planning:month", {"partner": "999999"}, "Ce partenaire n'existe pas"),
        ("planning:week", {"week": "2025-W60"}, "Semaine invalide"),
        ("planning:week", {"week": "demain"}, "Semaine invalide"),
        ("planning:upcoming", {"site": "0"}, "Ce lieu n'existe pas"),
        ("planning:coverage", {"month": "2025-00"}, "Mois invalide"),
        ("planning:staff_rota", {"month": "99999-01"}, "Mois invalide"),
    ],
)
def test_bad_calendar_parameters_get_a_french_message_and_the_default_view(
    client, coordinator, view, params, message
):
    client.force_login(coordinator)
    response = client.get(reverse(view), params)
    assert response.status_code == 400
    assert message in text_of(response)


def test_another_operators_site_is_not_a_filter(client, agent, other_operator):
    foreign = SiteFactory(operator=other_operator)
    client.force_login(agent)
    response = client.get(reverse("planning:month"), {"site": foreign.pk})
    assert response.status_code == 400 and "Ce lieu n'existe pas" in text_of(response)


def test_the_week_view_lists_each_day_and_a_partner_sees_no_agent_names(
    client, partner_user, operator, vehicle
):
    stop = july_stop(operator, vehicle, 7, site__name="Place du Regain")
    StaffAssignmentFactory(
        stop=stop, operator=operator, user__first_name="Karim", user__last_name="Benali"
    )
    client.force_login(partner_user)
    page = text_of(client.get(reverse("planning:week"), {"week": "2026-W28"}))
    assert "Semaine 28, du 6 juillet au 12 juillet 2026" in page
    assert "Place du Regain" in page and "1 agent" in page
    assert "Benali" not in page
    assert page.count("Pas de permanence") == 6


def test_the_upcoming_list_shows_the_next_weeks(client, agent, operator):
    future_stop(operator=operator, site__name="Salle des fêtes")
    StopFactory(
        operator=operator,
        date=timezone.localdate() - datetime.timedelta(days=2),
        site__name="Passé",
    )
    client.force_login(agent)
    table = text_of(client.get(reverse("planning:upcoming"))).split("<tbody>")[1]
    assert "Salle des fêtes" in table and "Passé" not in table


def test_a_viewer_has_no_access_to_the_planning_screens(client, operator, make_member):
    client.force_login(make_member(operator, Role.VIEWER))
    for name in (
        "planning:month",
        "planning:week",
        "planning:upcoming",
        "planning:coverage",
        "planning:site_list",
    ):
        assert client.get(reverse(name)).status_code == 403
    assert (
        "Planning"
        not in text_of(client.get(reverse("home"))).split("</nav>")[0].split("Menu principal")[1]
    )


# Exceptions: cancel, move, one-off -----------------------------------------------------------


def test_the_coordinator_cancels_a_stop_with_a_reason_and_people_are_told(
    client, coordinator, operator, django_capture_on_commit_callbacks
):
    stop = future_stop(operator=operator)
    PartnerPresenceFactory(stop=stop, operator=operator, partner__notice_emails="plie@example.org")
    client.force_login(coordinator)
    # The note is published: the form says so before anyone types a name in it.
    form = text_of(client.get(reverse("planning:stop_cancel", kwargs={"stop_id": stop.pk})))
    assert "est publiée (page publique, agendas, API) : ni nom ni détail personnel" in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("planning:stop_cancel", kwargs={"stop_id": stop.pk}),
            {"reason": CancelReason.STAFF_ABSENCE, "note": "Formation"},
            follow=True,
        )
    page = text_of(response)
    assert "Permanence annulée" in page and "Absence de personnel — Formation" in page
    assert "ont été prévenus par courriel" in page
    stop.refresh_from_db()
    assert stop.is_cancelled and stop.cancelled_by == coordinator
    assert [m.to for m in mail.outbox] == [["plie@example.org"]]
    home = text_of(client.get(reverse("home")))
    assert "Permanences annulées récemment" in home and "Formation" in home


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choisissez un motif d'annulation."),
        ({"reason": "flood"}, "Sélectionnez un choix valide"),
        ({"reason": CancelReason.OTHER, "note": ""}, "Précisez le motif"),
    ],
)
def test_a_cancellation_without_a_valid_reason_is_refused(
    client, coordinator, operator, data, message
):
    stop = future_stop(operator=operator)
    client.force_login(coordinator)
    response = client.post(reverse("planning:stop_cancel", kwargs={"stop_id": stop.pk}), data)
    assert response.status_code == 400 and message in text_of(response)
    stop.refresh_from_db()
    assert not stop.is_cancelled and mail.outbox == []


@pytest.mark.parametrize("role", [Role.AGENT, Role.PARTNER, Role.VIEWER])
def test_only_the_coordinator_cancels_moves_or_adds_stops(client, operator, make_member, role):
    stop = future_stop(operator=operator)
    client.force_login(make_member(operator, role))
    posts = [
        ("planning:stop_cancel", {"stop_id": stop.pk}, {"reason": CancelReason.WEATHER}),
        ("planning:stop_move", {"stop_id": stop.pk}, {}),
        ("planning:stop_create", {}, {}),
        ("planning:pattern_create", {}, {}),
        ("planning:site_create", {}, {"name": "X", "address": "Y"}),
    ]
    for name, kwargs, data in posts:
        assert client.post(reverse(name, kwargs=kwargs), data).status_code == 403, name
    stop.refresh_from_db()
    assert not stop.is_cancelled and Site.objects.count() == 1


def stop_data(site, day, start="09:00", end="12:00", **extra):
    """A stop form's data; `version` 0 is a new stop's (the move form shows it)."""
    return {
        "site": site.pk,
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
        "version": 0,
        **extra,
    }


def test_moving_onto_another_stop_is_refused_in_the_form_with_a_french_message(
    client, coordinator, operator, vehicle
):
    day = timezone.localdate() + datetime.timedelta(days=10)
    StopFactory(operator=operator, vehicle=vehicle, date=day, site__name="Place du Regain")
    other = StopFactory(
        operator=operator,
        vehicle=vehicle,
        date=day,
        start_time=datetime.time(14),
        end_time=datetime.time(17),
    )
    client.force_login(coordinator)
    response = client.post(
        reverse("planning:stop_move", kwargs={"stop_id": other.pk}),
        stop_data(other.site, day, "11:00", "15:00"),
    )
    assert response.status_code == 400
    assert "Le bus a déjà une permanence le" in text_of(response)
    assert "(Place du Regain)" in text_of(response)
    other.refresh_from_db()
    assert other.start_time == datetime.time(14) and not other.is_edited


def test_a_stop_is_moved_and_the_home_page_says_so(client, coordinator, operator, vehicle):
    stop = future_stop(operator=operator, vehicle=vehicle, site__name="Place du Regain")
    new_site = SiteFactory(operator=operator, name="Salle des fêtes")
    client.force_login(coordinator)
    response = client.post(
        reverse("planning:stop_move", kwargs={"stop_id": stop.pk}),
        stop_data(new_site, stop.date, "14:00", "17:00"),
    )
    assert response.status_code == 302
    stop.refresh_from_db()
    assert stop.site == new_site and stop.start_time == datetime.time(14)
    home = text_of(client.get(reverse("home")))
    assert "Permanences modifiées récemment" in home and "Salle des fêtes" in home


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": "12:00", "end": "09:00"}, "L'heure de fin doit être après l'heure de début."),
        ({"start": "09:00", "end": "09:00"}, "L'heure de fin doit être après l'heure de début."),
        ({"start": "25:00", "end": "26:00"}, "Saisissez une heure valide."),
    ],
)
def test_a_one_off_stop_with_wrong_hours_is_refused(
    client, coordinator, operator, vehicle, fields, message
):
    site = SiteFactory(operator=operator)
    client.force_login(coordinator)
    data = stop_data(site, JULY, fields["start"], fields["end"], vehicle=vehicle.pk)
    response = client.post(reverse("planning:stop_create"), data)
    assert response.status_code == 400 and message in text_of(response)
    assert not Stop.objects.exists()


def test_a_one_off_stop_on_an_archived_site_is_refused(client, coordinator, operator, vehicle):
    archived = SiteFactory(operator=operator, is_archived=True)
    client.force_login(coordinator)
    response = client.post(
        reverse("planning:stop_create"), stop_data(archived, JULY, vehicle=vehicle.pk)
    )
    assert response.status_code == 400
    assert "Choisissez un lieu en service" in text_of(response)
    assert not Stop.objects.exists()


def test_an_evening_one_off_stop_is_added(client, coordinator, operator, vehicle):
    site = SiteFactory(operator=operator)
    client.force_login(coordinator)
    data = stop_data(site, JULY, "17:00", "20:00", vehicle=vehicle.pk, title="Soirée")
    response = client.post(reverse("planning:stop_create"), data, follow=True)
    assert "La permanence est ajoutée" in text_of(response)
    assert Stop.objects.get().title == "Soirée"


# Patterns --------------------------------------------------------------------------------------


def pattern_data(site, vehicle, **extra):
    return {
        "label": "Année scolaire",
        "vehicle": vehicle.pk,
        "site": site.pk,
        "weekday": 0,
        "start_time": "09:00",
        "end_time": "12:00",
        "valid_from": "2026-09-01",
        "valid_until": "2026-12-31",
        "school_zone": "B",
        **extra,
    }


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"valid_from": "2026-12-31", "valid_until": "2026-09-01"},
            "Le dernier jour doit être après le premier",
        ),
        ({"start_time": "12:00", "end_time": "09:00"}, "L'heure de fin doit être après"),
        ({"valid_until": "2030-01-01"}, "ne peut pas dépasser deux ans"),
        ({"weekday": 9}, "Sélectionnez un choix valide"),
        ({"school_zone": "Z"}, "Sélectionnez un choix valide"),
    ],
)
def test_a_wrong_pattern_is_refused_and_nothing_saved(
    client, coordinator, operator, vehicle, extra, message
):
    client.force_login(coordinator)
    site = SiteFactory(operator=operator)
    response = client.post(reverse("planning:pattern_create"), pattern_data(site, vehicle, **extra))
    assert response.status_code == 400 and message in text_of(response)
    assert not SchedulePattern.objects.exists()


def test_the_coordinator_previews_then_generates_a_pattern(client, coordinator, operator, vehicle):
    client.force_login(coordinator)
    site = SiteFactory(operator=operator)
    response = client.post(
        reverse("planning:pattern_create"), pattern_data(site, vehicle), follow=True
    )
    page = text_of(response)
    assert "À créer : 17" in page  # the Mondays from 7 September to 28 December 2026
    assert not Stop.objects.exists()
    pattern = SchedulePattern.objects.get()
    url = reverse("planning:pattern_generate", kwargs={"pattern_id": pattern.pk})
    assert client.get(url).status_code == 302  # a GET never generates
    assert not Stop.objects.exists()
    page = text_of(client.post(url, follow=True))
    assert "17 permanences créées." in page and "À créer : 0" in page
    page = text_of(client.post(url, follow=True))
    assert "Rien à créer" in page
    assert Stop.objects.count() == 17


# Sites ---------------------------------------------------------------------------------------


def site_data(**extra):
    return {
        "name": "Place du Regain",
        "address": "Place du Regain",
        "postcode": "62620",
        "city": "Barlin",
        **extra,
    }


def test_a_site_is_created_with_typed_coordinates_and_links_to_openstreetmap(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("planning:site_create"),
        site_data(
            latitude="50,4589", longitude="2,6135", power_notes="Borne au pied du lampadaire"
        ),
        follow=True,
    )
    page = text_of(response)
    assert "Le lieu est enregistré." in page
    assert "https://www.openstreetmap.org/?mlat=50.458900&mlon=2.613500" in page
    assert Site.objects.get().slug == "place-du-regain"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"latitude": "50,4589"}, "Indiquez la latitude et la longitude, ou aucune des deux."),
        ({"latitude": "95", "longitude": "2"}, "inférieure ou égale à 90"),
        ({"name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_a_wrong_site_is_refused(client, coordinator, extra, message):
    client.force_login(coordinator)
    response = client.post(reverse("planning:site_create"), site_data(**extra))
    assert response.status_code == 400 and message in text_of(response)
    assert not Site.objects.exists()


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("62083", "62083"), (" 2a 004 ", "2A004"), ("2B033", "2B033"), ("97411", "97411"), ("", "")],
)
def test_a_sites_commune_code_is_kept_as_insee_writes_it(client, coordinator, typed, kept):
    client.force_login(coordinator)
    response = client.post(reverse("planning:site_create"), site_data(insee_code=typed))
    assert response.status_code == 302
    assert Site.objects.get().insee_code == kept


INSEE_MESSAGE = "Code INSEE invalide : 5 caractères, le département (2 chiffres, ou 2A, 2B en"


@pytest.mark.parametrize(
    "typed",
    ["6208", "620833", "62620X", "20004", "2C004", "ABCDE", "62-083", "６２０８３"],
)
def test_a_wrong_commune_code_is_refused_in_french_and_nothing_is_saved(
    client, coordinator, operator, typed
):
    site = SiteFactory(operator=operator, name="Marché", insee_code="62083")
    client.force_login(coordinator)
    response = client.post(reverse("planning:site_create"), site_data(insee_code=typed))
    assert response.status_code == 400 and INSEE_MESSAGE in text_of(response)
    response = client.post(
        reverse("planning:site_edit", kwargs={"site_id": site.pk}),
        site_data(name="Marché couvert", insee_code=typed),
    )
    assert response.status_code == 400 and INSEE_MESSAGE in text_of(response)
    assert list(Site.objects.values_list("name", "insee_code")) == [("Marché", "62083")]


def test_the_database_refuses_a_malformed_commune_code(operator):
    site = SiteFactory(operator=operator)
    with refused_by("site_insee_code_format"):
        Site.objects.filter(pk=site.pk).update(insee_code="20004")


def test_without_an_address_service_the_form_asks_for_coordinates(client, coordinator):
    client.force_login(coordinator)
    page = text_of(client.get(reverse("planning:site_create")))
    assert "Trouver les coordonnées" not in page
    assert "saisissez les coordonnées" in page


def test_the_geocoder_fills_the_coordinates_without_saving(client, coordinator, settings):
    settings.PLANNING_GEOCODER = "tests.planning.fakes.FakeGeocoder"
    client.force_login(coordinator)
    response = client.post(reverse("planning:site_create"), site_data(action="geocode"))
    page = text_of(response)
    assert "Coordonnées trouvées" in page
    assert 'value="50,458900"' in page and 'value="2,613500"' in page
    assert not Site.objects.exists()
    assert FakeGeocoder.queries[-1] == "Place du Regain, 62620, Barlin"
    response = client.post(
        reverse("planning:site_create"), site_data(action="geocode", address="Nulle part")
    )
    assert "Coordonnées introuvables" in text_of(response)


def test_a_site_with_stops_is_archived_not_deleted_and_no_longer_offered(
    client, coordinator, operator, vehicle
):
    site = SiteFactory(operator=operator, name="Ancien parking")
    StopFactory(operator=operator, site=site)
    client.force_login(coordinator)
    response = client.post(
        reverse("planning:site_archive", kwargs={"site_id": site.pk}), follow=True
    )
    assert "Le lieu est archivé" in text_of(response)
    site.refresh_from_db()
    assert site.is_archived and site.stops.count() == 1
    assert "Ancien parking" not in text_of(client.get(reverse("planning:stop_create")))


# Partner rota --------------------------------------------------------------------------------


def test_a_partner_declares_its_presence_on_a_future_stop(client, partner_user, operator):
    stop = future_stop(operator=operator)
    client.force_login(partner_user)
    detail = text_of(client.get(reverse("planning:stop_detail", kwargs={"stop_id": stop.pk})))
    assert "Déclarer notre présence" in detail and "Annuler la permanence" not in detail
    response = client.post(
        reverse("planning:presence_add", kwargs={"stop_id": stop.pk}),
        {"partner": PartnerFactory(operator=operator).pk, "start_time": "", "end_time": ""},
        follow=True,
    )
    assert "La présence est enregistrée." in text_of(response)
    presence = PartnerPresence.objects.get()
    assert presence.partner.name == "PLIE"  # its own organisation, whatever was posted


def test_a_partner_cannot_declare_on_a_past_stop(client, partner_user, operator):
    past = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(partner_user)
    response = client.post(
        reverse("planning:presence_add", kwargs={"stop_id": past.pk}), {}, follow=True
    )
    assert "Cette permanence est passée" in text_of(response)
    assert not PartnerPresence.objects.exists()


def test_a_partner_cannot_withdraw_another_organisations_presence(client, partner_user, operator):
    theirs = PartnerPresenceFactory(stop=future_stop(operator=operator), operator=operator)
    client.force_login(partner_user)
    response = client.post(reverse("planning:presence_withdraw", kwargs={"presence_id": theirs.pk}))
    assert response.status_code == 403
    assert "votre organisation" in text_of(response)
    assert PartnerPresence.objects.filter(pk=theirs.pk).exists()


def test_presence_hours_outside_the_stop_are_refused(client, coordinator, operator):
    stop = future_stop(operator=operator)
    partner = PartnerFactory(operator=operator)
    client.force_login(coordinator)
    response = client.post(
        reverse("planning:presence_add", kwargs={"stop_id": stop.pk}),
        {"partner": partner.pk, "start_time": "08:00", "end_time": "10:00"},
    )
    assert response.status_code == 400 and "Choisissez une heure entre 09:00 et 12:00" in text_of(
        response
    )
    assert not PartnerPresence.objects.exists()


def test_coverage_warns_about_empty_crowded_stops_and_absent_partners(
    client, agent, operator, vehicle
):
    SpaceFactory(operator=operator, vehicle=vehicle, kind=SpaceKind.OFFICE, capacity=4)
    july_stop(operator, vehicle, 6, site__name="Sans partenaire")
    crowded = july_stop(operator, vehicle, 8, site__name="Bondé")
    regulars = [PartnerFactory(operator=operator, name=f"Régulier {n}") for n in range(5)]
    for partner in regulars:
        PartnerPresenceFactory(stop=crowded, operator=operator, partner=partner)
    # Two partners at 9h-10h30 and 10h30-12h never meet: not counted as crowded.
    staggered = july_stop(operator, vehicle, 9, site__name="Échelonné")
    StaffAssignmentFactory(stop=staggered, operator=operator)  # nothing to say of it
    for start, end in [((9, 0), (10, 30)), ((10, 30), (12, 0))]:
        PartnerPresenceFactory(
            stop=staggered,
            operator=operator,
            partner=regulars[0] if start[0] == 9 else regulars[1],
            start_time=datetime.time(*start),
            end_time=datetime.time(*end),
        )
    PartnerFactory(operator=operator, name="Jamais venu")
    gone = PartnerFactory(operator=operator, name="Parti en mai")
    PartnerPresenceFactory(
        stop=StopFactory(operator=operator, date=datetime.date(2026, 5, 4)),
        operator=operator,
        partner=gone,
    )
    client.force_login(agent)
    page = text_of(client.get(reverse("planning:coverage"), {"month": "2026-07"}))
    warnings = page.split("Points d'attention")[1].split("Présence de chaque partenaire")[0]
    assert "Sans partenaire</a> : Aucun partenaire prévu." in warnings
    assert "Bondé</a> : 5 partenaires en même temps pour 4 places dans le bureau." in warnings
    assert "Échelonné" not in warnings
    assert "Jamais venu : jamais venu" in warnings
    assert "Parti en mai : pas venu depuis le 4 mai 2026" in warnings
    assert "Régulier 0 :" not in warnings


def test_the_staff_rota_warns_under_two_agents(client, coordinator, operator, vehicle):
    full = july_stop(operator, vehicle, 6, site__name="Complet")
    StaffAssignmentFactory(stop=full, operator=operator, duty_role=DutyRole.RECEPTION)
    StaffAssignmentFactory(stop=full, operator=operator, duty_role=DutyRole.CYBER)
    short = july_stop(operator, vehicle, 8, site__name="Un seul agent")
    StaffAssignmentFactory(stop=short, operator=operator)
    client.force_login(coordinator)
    page = text_of(client.get(reverse("planning:staff_rota"), {"month": "2026-07"}))
    assert "1 permanence avec moins de deux agents." in page
    rows = page.split("<tbody>")[1]
    assert "Moins de deux agents" in rows.split("Un seul agent")[1].split("</tr>")[0]
    assert "Moins de deux agents" not in rows.split("Complet")[1].split("</tr>")[0]


def test_the_coordinator_assigns_an_agent(client, coordinator, agent, operator):
    stop = future_stop(operator=operator)
    client.force_login(coordinator)
    response = client.post(
        reverse("planning:staff_add", kwargs={"stop_id": stop.pk}),
        {"user": agent.pk, "duty_role": DutyRole.CYBER},
        follow=True,
    )
    assert "L'agent est désigné" in text_of(response)
    assert stop.staff_assignments.get().user == agent
    response = client.post(
        reverse("planning:staff_add", kwargs={"stop_id": stop.pk}), {"user": 999999}
    )
    assert response.status_code == 400 and "Sélectionnez un choix valide" in text_of(response)


def test_a_partner_cannot_withdraw_its_presence_from_a_past_stop(client, partner_user, operator):
    membership = partner_user.memberships.get()
    past = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=2))
    own = PartnerPresenceFactory(stop=past, operator=operator, partner=membership.partner)
    client.force_login(partner_user)
    response = client.post(reverse("planning:presence_withdraw", kwargs={"presence_id": own.pk}))
    assert response.status_code == 400 and "Cette permanence est passée" in text_of(response)
    assert PartnerPresence.objects.filter(pk=own.pk).exists()


def test_the_stop_page_shows_each_role_what_it_may_do_and_see(
    client, coordinator, partner_user, operator
):
    stop = future_stop(operator=operator)
    StaffAssignmentFactory(stop=stop, operator=operator, user__last_name="Benali")
    url = reverse("planning:stop_detail", kwargs={"stop_id": stop.pk})
    client.force_login(coordinator)
    page = text_of(client.get(url))
    assert "Annuler la permanence" in page and "Benali" in page
    assert "Moins de deux agents prévus" in page
    client.force_login(partner_user)
    page = text_of(client.get(url))
    assert "Annuler la permanence" not in page and "Benali" not in page
    assert "1 agent du CCAS prévu." in page
