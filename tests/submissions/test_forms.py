"""Every create form carries a one-time token: sent twice, it creates once and ends on the
first result's page (a double click, a double tap, a re-sent POST)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from allervers.planning.models import Stop
from allervers.planning.views.pages import stop_url
from allervers.reception.models import Person, Referral, Visit
from allervers.reception.views import IMPORT_SESSION_KEY
from allervers.submissions.tokens import ALREADY_SENT, FIELD
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.planning.factories import SiteFactory, StopFactory, VehicleFactory
from tests.reception.conftest import visit_answers
from tests.reception.factories import VisitFactory
from tests.reception.test_import_export import _csv, _line
from tests.submissions.conftest import token_in

pytestmark = pytest.mark.django_db


def _visit_data(stop, **extra) -> dict:
    return {
        "stop": stop.pk,
        "arrival_time": "09:30",
        **visit_answers(gender="female", age_band="26_49", lives_in_area="yes"),
        "note": "",
        **extra,
    }


def _sent_twice(client, url: str, data: dict) -> str:
    """Open the form, send it twice with its token: the first result, given to both."""
    data = {**data, FIELD: token_in(client.get(url))}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == 302 and second.status_code == 303
    assert first["Location"] == second["Location"]
    return first["Location"]


def test_two_submissions_of_one_visit_form_record_one_visit(
    client, agent, today_stop, seeded_topics
):
    client.force_login(agent)
    result = _sent_twice(client, reverse("reception:visit_create"), _visit_data(today_stop))
    assert result == reverse("reception:today")
    assert Visit.objects.count() == 1
    assert ALREADY_SENT in text_of(client.get(result))


def test_a_corrected_form_is_sent_again_with_the_same_token(
    client, agent, today_stop, seeded_topics
):
    client.force_login(agent)
    url = reverse("reception:visit_create")
    token = token_in(client.get(url))
    refused = client.post(url, _visit_data(today_stop, gender="fille", **{FIELD: token}))
    assert refused.status_code == 400 and not Visit.objects.exists()
    assert token_in(refused) != token  # the page offers a fresh one; the old one is free again
    accepted = client.post(url, _visit_data(today_stop, **{FIELD: token}))
    assert accepted.status_code == 302 and Visit.objects.count() == 1
    again = client.post(url, _visit_data(today_stop, **{FIELD: token}))
    assert again.status_code == 303 and Visit.objects.count() == 1


def test_each_opening_of_the_form_is_a_new_visit(client, agent, today_stop, seeded_topics):
    client.force_login(agent)
    url = reverse("reception:visit_create")
    for _ in range(2):
        client.post(url, _visit_data(today_stop, **{FIELD: token_in(client.get(url))}))
    assert Visit.objects.count() == 2


def test_two_confirmations_of_one_import_create_one_import(client, agent, operator, seeded_topics):
    stop = StopFactory(operator=operator, date=datetime.date(2025, 3, 3))
    client.force_login(agent)
    url = reverse("reception:visit_import")
    upload = SimpleUploadedFile("visites.csv", _csv([_line(stop, index) for index in range(5)]))
    checked = client.post(url, {"action": "check", "file": upload})
    assert "5 visites prêtes à importer" in text_of(checked)
    confirm = {"action": "confirm", FIELD: token_in(checked)}
    # A double click: the second request read the session before the first one emptied it.
    stored = client.session[IMPORT_SESSION_KEY]
    first = client.post(url, confirm)
    session = client.session
    session[IMPORT_SESSION_KEY] = stored
    session.save()
    second = client.post(url, confirm)
    assert first.status_code == 302 and second.status_code == 303
    assert first["Location"] == second["Location"] == reverse("reception:visit_list")
    assert Visit.objects.count() == 5


def test_two_submissions_of_one_stop_form_add_one_stop(client, coordinator, operator):
    site = SiteFactory(operator=operator)
    vehicle = VehicleFactory(operator=operator)
    client.force_login(coordinator)
    data = {"site": site.pk, "vehicle": vehicle.pk, "date": "2026-07-01"}
    data |= {"start_time": "09:00", "end_time": "12:00"}
    result = _sent_twice(client, reverse("planning:stop_create"), data)
    assert result == stop_url(Stop.objects.get().pk)


def test_two_submissions_of_one_referral_propose_it_once(client, agent, operator):
    visit = VisitFactory(operator=operator)
    partner = PartnerFactory(operator=operator)
    client.force_login(agent)
    url = reverse("reception:referral_create", kwargs={"visit_id": visit.pk})
    result = _sent_twice(client, url, {"partner": partner.pk, "reason": "Inscription"})
    assert result == reverse("reception:visit_detail", kwargs={"visit_id": visit.pk})
    assert Referral.objects.count() == 1


def test_two_submissions_of_one_person_form_create_one_record(client, agent):
    client.force_login(agent)
    data = {
        "first_name": "Amina",
        "last_name": "Lemaire",
        "phone": "",
        "email": "",
        "consent_given": "on",
        "consent_given_on": "2026-06-10",
        "consent_purposes": "follow_up",
    }
    result = _sent_twice(client, reverse("reception:person_create"), data)
    assert result == reverse(
        "reception:person_detail", kwargs={"person_id": Person.objects.get().pk}
    )


def test_an_edit_form_sharing_the_template_carries_no_token(client, agent, operator):
    visit = VisitFactory(operator=operator)
    client.force_login(agent)
    page = client.get(reverse("reception:visit_edit", kwargs={"visit_id": visit.pk}))
    assert page.status_code == 200 and FIELD not in page.content.decode()
