"""The coordinator cancels a stop with a reason; the partner present sees it cancelled. The
coordinator restores a stop and deletes a pattern; the partner sees the stop held again."""

import datetime

import pytest
from django.utils import timezone

from allervers.core.roles import Role
from allervers.planning.enums import CancelReason
from allervers.planning.services import stop_cancel
from tests.browser.conftest import assert_accessible, log_in
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SchedulePatternFactory,
    StaffAssignmentFactory,
    StopFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def log_in_home(page, base_url, user):
    log_in(page, base_url, user)
    page.get_by_role("heading", name=f"Bonjour {user.first_name}").wait_for()


def test_a_cancelled_stop_reaches_the_partner_present(live_server, page, operator, make_member):
    coordinator = make_member(operator, Role.COORDINATOR, first_name="Nadia")
    mission_locale = PartnerFactory(operator=operator, name="Mission locale")
    partner_user = make_member(operator, Role.PARTNER, partner=mission_locale, first_name="Sophie")
    day = timezone.localdate() + datetime.timedelta(days=3)
    stop = StopFactory(
        operator=operator,
        date=day,
        site__name="Place du Regain",
        start_time=datetime.time(14),
        end_time=datetime.time(17),
    )
    PartnerPresenceFactory(stop=stop, operator=operator, partner=mission_locale)
    StaffAssignmentFactory(stop=stop, operator=operator)

    log_in_home(page, live_server.url, coordinator)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Planning"
    ).click()
    page.get_by_role("button", name="Afficher").wait_for()
    page.get_by_label("Mois").fill(f"{day:%Y-%m}")
    page.get_by_role("button", name="Afficher").click()
    calendar = page.get_by_role("table")
    assert f"{day:%Y}" in calendar.locator("caption").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="14h00–17h00 Place du Regain").click()
    page.get_by_role("heading", name="Partenaires présents").wait_for()
    assert "Mission locale" in page.get_by_role("region", name="Partenaires présents").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Annuler la permanence").click()
    page.get_by_role("button", name="Annuler la permanence").click()  # no reason chosen yet
    page.get_by_text("Choisissez un motif d'annulation.").wait_for()
    assert_accessible(page)

    page.get_by_role("group", name="Motif de l'annulation").get_by_label("Météo").check()
    page.get_by_label("Précision").fill("Tempête annoncée")
    page.get_by_role("button", name="Annuler la permanence").click()
    note = page.get_by_role("note")
    note.wait_for()
    assert "Météo — Tempête annoncée" in note.inner_text()
    assert "prévenus par courriel" in note.inner_text()
    assert_accessible(page)

    page.get_by_role("button", name="Se déconnecter").click()
    log_in_home(page, live_server.url, partner_user)
    notice = page.get_by_role("region", name="Permanences annulées récemment")
    assert "Place du Regain" in notice.inner_text()
    assert "Tempête annoncée" in notice.inner_text()
    assert_accessible(page)

    notice.get_by_role("link").first.click()
    page.get_by_role("heading", name="Partenaires présents").wait_for()
    assert "Permanence annulée" in page.get_by_role("note").inner_text()
    assert page.get_by_role("link", name="Déclarer notre présence").count() == 0
    assert page.get_by_role("link", name="Annuler la permanence").count() == 0
    assert_accessible(page)

    page.get_by_role("link", name="Semaine").click()
    page.get_by_label("Semaine").fill(day.strftime("%G-W%V"))
    page.get_by_role("button", name="Afficher").click()
    row = page.get_by_role("row").filter(has_text="Place du Regain")
    assert "Annulée" in row.inner_text()
    assert_accessible(page)


def test_the_coordinator_restores_a_cancelled_stop_then_deletes_a_pattern(
    live_server, page, operator, make_member
):
    coordinator = make_member(operator, Role.COORDINATOR, first_name="Nadia")
    mission_locale = PartnerFactory(operator=operator, name="Mission locale")
    partner_user = make_member(operator, Role.PARTNER, partner=mission_locale, first_name="Sophie")
    today = timezone.localdate()
    pattern = SchedulePatternFactory(
        operator=operator,
        label="Lundis au Regain",
        site__name="Place du Regain",
        weekday=today.weekday(),
        valid_from=today - datetime.timedelta(days=14),
        valid_until=today + datetime.timedelta(days=21),
    )
    stops = [
        StopFactory(
            operator=operator,
            vehicle=pattern.vehicle,
            site=pattern.site,
            date=today + datetime.timedelta(days=7 * weeks),
            pattern=pattern,
            pattern_date=today + datetime.timedelta(days=7 * weeks),
        )
        for weeks in (-1, 1, 2)
    ]
    cancelled = stops[1]
    PartnerPresenceFactory(stop=cancelled, operator=operator, partner=mission_locale)
    stop_cancel(stop=cancelled, reason=CancelReason.BREAKDOWN, note="Batterie", by=coordinator)

    log_in_home(page, live_server.url, coordinator)
    page.goto(f"{live_server.url}/planning/permanences/{cancelled.pk}/")
    page.get_by_role("button", name="Rétablir la permanence").click()
    page.get_by_role("heading", name="Historique").wait_for()
    assert "La permanence est rétablie" in page.get_by_role("status").inner_text()
    history = page.get_by_role("region", name="Historique").inner_text()
    assert "Annulée le" in history and "Panne du bus — Batterie" in history
    assert "Rétablie le" in history and "Nadia" in history
    assert page.get_by_role("link", name="Annuler la permanence").count() == 1
    assert_accessible(page)

    page.get_by_role("link", name="voir le rythme").click()
    page.get_by_role("link", name="Supprimer le rythme").click()
    deleted = page.get_by_role("region", name="Permanences supprimées : 1")
    kept = page.get_by_role("region", name="Permanences conservées : 2")
    assert "passée" in kept.inner_text() and "partenaires prévus" in kept.inner_text()
    assert deleted.get_by_role("listitem").count() == 1
    assert_accessible(page)
    page.get_by_role("button", name="Supprimer le rythme").click()
    page.get_by_role("heading", name="Rythmes du planning").wait_for()
    assert (
        "1 permanence supprimée, 2 conservées sans rythme"
        in page.get_by_role("status").inner_text()
    )
    assert_accessible(page)

    page.get_by_role("button", name="Se déconnecter").click()
    log_in_home(page, live_server.url, partner_user)
    notice = page.get_by_role("region", name="Permanences rétablies récemment")
    assert "Place du Regain" in notice.inner_text()
    notice.get_by_role("link").first.click()
    history = page.get_by_role("region", name="Historique").inner_text()
    assert "Rétablie le" in history and "Nadia" not in history
    assert_accessible(page)
