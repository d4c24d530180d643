"""A planning change tells every contact address of each partner present; a partner that no
address reaches is listed to the coordinator, with its phone, never silently skipped."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from allervers.core.roles import Role
from allervers.planning import services
from allervers.planning.enums import CancelReason
from tests.html import text_of
from tests.operators.factories import MembershipFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import PartnerPresenceFactory, SiteFactory, future_stop

pytestmark = pytest.mark.django_db

NOT_TOLD = "non prévenu — pas d'adresse"


@pytest.fixture
def stop(operator):
    stop = future_stop(operator=operator)
    for partner in (
        PartnerFactory(
            operator=operator,
            name="PLIE",
            notice_emails="accueil@plie.example.org\nreferente@plie.example.org",
        ),
        PartnerFactory(operator=operator, name="Agglomération", phone="03 21 11 22 33"),
        PartnerFactory(operator=operator, name="CAF", phone=""),
    ):
        PartnerPresenceFactory(operator=operator, stop=stop, partner=partner)
    # The CAF has no contact address, but one of its people has a login: it is told.
    MembershipFactory(
        operator=operator,
        role=Role.PARTNER,
        partner=stop.presences.get(partner__name="CAF").partner,
        user__email="agent@caf.example.org",
    )
    return stop


def test_a_cancellation_shows_the_partner_without_address_as_not_told(
    client, coordinator, stop, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("planning:stop_cancel", kwargs={"stop_id": stop.pk}),
            {"reason": CancelReason.BREAKDOWN, "note": ""},
            follow=True,
        )
    page = text_of(response)
    assert response.redirect_chain[-1][0] == reverse(
        "planning:stop_detail", kwargs={"stop_id": stop.pk}
    )
    assert f"Agglomération — 03 21 11 22 33 : {NOT_TOLD}" in page
    assert "PLIE —" not in page and "CAF —" not in page
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == [
        "accueil@plie.example.org",
        "agent@caf.example.org",
        "referente@plie.example.org",
    ]


def test_a_partner_without_address_nor_phone_is_listed_too_and_moves_say_so(
    operator, coordinator, stop, client, django_capture_on_commit_callbacks
):
    caf = stop.presences.get(partner__name="CAF").partner
    caf.memberships.update(is_active=False)  # its only login is withdrawn
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_move(
            stop=stop,
            site=SiteFactory(operator=operator),
            date=stop.date + datetime.timedelta(days=1),
            start_time=stop.start_time,
            end_time=stop.end_time,
            by=coordinator,
        )
    event = stop.events.get()
    assert event.not_told_lines == ["Agglomération — 03 21 11 22 33", "CAF — pas de téléphone"]
    client.force_login(coordinator)
    page = text_of(client.get(reverse("planning:stop_detail", kwargs={"stop_id": stop.pk})))
    assert f"CAF — pas de téléphone : {NOT_TOLD}" in page


def test_a_partner_does_not_see_who_was_not_told(
    operator, coordinator, stop, client, make_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_cancel(stop=stop, reason=CancelReason.WEATHER, by=coordinator)
    plie = stop.presences.get(partner__name="PLIE").partner
    client.force_login(make_member(operator, Role.PARTNER, partner=plie))
    page = text_of(client.get(reverse("planning:stop_detail", kwargs={"stop_id": stop.pk})))
    assert NOT_TOLD not in page and "Agglomération" in page


def test_when_everyone_is_reachable_nothing_is_listed(
    operator, coordinator, client, django_capture_on_commit_callbacks
):
    stop = future_stop(operator=operator)
    PartnerPresenceFactory(operator=operator, stop=stop, partner__notice_emails="ml@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_cancel(stop=stop, reason=CancelReason.WEATHER, by=coordinator)
    client.force_login(coordinator)
    page = text_of(client.get(reverse("planning:stop_detail", kwargs={"stop_id": stop.pk})))
    assert NOT_TOLD not in page and "Partenaires non prévenus" not in page
    assert [message.to for message in mail.outbox] == [["ml@example.org"]]
