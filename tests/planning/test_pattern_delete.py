"""Deleting a pattern: its untouched future stops go, every other stop stays, detached."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from allervers.core.revision import planning_revision
from allervers.core.roles import Role
from allervers.planning import services
from allervers.planning.enums import CancelReason
from allervers.planning.models import SchedulePattern, Stop
from tests.html import text_of
from tests.planning.factories import (
    PartnerPresenceFactory,
    SchedulePatternFactory,
    StaffAssignmentFactory,
    StopFactory,
)
from tests.reception.factories import CyberUsageFactory, VisitFactory

pytestmark = pytest.mark.django_db


def pattern_stop(pattern, days_from_today: int, **fields) -> Stop:
    day = timezone.localdate() + datetime.timedelta(days=days_from_today)
    return StopFactory(
        operator=pattern.operator,
        vehicle=pattern.vehicle,
        site=pattern.site,
        date=day,
        pattern=pattern,
        pattern_date=day,
        **fields,
    )


@pytest.fixture
def pattern(operator):
    today = timezone.localdate()
    return SchedulePatternFactory(
        operator=operator,
        site__name="Place du Regain",
        valid_from=today - datetime.timedelta(days=60),
        valid_until=today + datetime.timedelta(days=120),
    )


@pytest.fixture
def year(pattern, coordinator):
    """The stops of a pattern in every state that matters, by name."""
    stops = {
        "untouched": pattern_stop(pattern, 7),
        "untouched_later": pattern_stop(pattern, 14),
        "past": pattern_stop(pattern, -7),
        "today": pattern_stop(pattern, 0),
        "with_partner": pattern_stop(pattern, 21),
        "with_agent": pattern_stop(pattern, 28),
        "with_visit": pattern_stop(pattern, 35),
        "with_cyber_use": pattern_stop(pattern, 42),
        "cancelled": pattern_stop(pattern, 49),
        "moved": pattern_stop(pattern, 56),
    }
    PartnerPresenceFactory(stop=stops["with_partner"], operator=pattern.operator)
    StaffAssignmentFactory(stop=stops["with_agent"], operator=pattern.operator)
    VisitFactory(stop=stops["with_visit"], operator=pattern.operator)
    CyberUsageFactory(stop=stops["with_cyber_use"], operator=pattern.operator)
    services.stop_cancel(stop=stops["cancelled"], reason=CancelReason.WEATHER, by=coordinator)
    moved = stops["moved"]
    services.stop_move(
        stop=moved,
        site=moved.site,
        date=moved.date,
        start_time=datetime.time(14),
        end_time=datetime.time(17),
        by=coordinator,
    )
    return stops


KEPT = {
    "past": "passée",
    "today": "aujourd'hui",
    "with_partner": "partenaires prévus",
    "with_agent": "agents désignés",
    "with_visit": "déjà utilisée (visite)",
    "with_cyber_use": "déjà utilisée (utilisation du cyber@atelier)",
    "cancelled": "annulée",
    "moved": "modifiée ou déplacée",
}


def test_the_preview_says_which_stops_go_and_why_the_others_stay(pattern, year):
    plan = services.pattern_delete_preview(pattern=pattern)
    assert [stop.pk for stop in plan.to_delete] == [
        year["untouched"].pk,
        year["untouched_later"].pk,
    ]
    reasons = {kept.stop.pk: kept.reasons for kept in plan.to_keep}
    assert reasons == {year[name].pk: [reason] for name, reason in KEPT.items()}


def test_deleting_removes_untouched_future_stops_and_detaches_the_others(
    pattern, year, django_capture_on_commit_callbacks
):
    revision = planning_revision(pattern.operator_id)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.pattern_delete(pattern=pattern)
    assert (result.deleted, result.detached) == (2, len(KEPT))
    assert not SchedulePattern.objects.filter(pk=year["past"].pattern_id).exists()
    assert not Stop.objects.filter(pk__in=[year["untouched"].pk, year["untouched_later"].pk])
    kept = Stop.objects.filter(pk__in=[year[name].pk for name in KEPT])
    assert kept.count() == len(KEPT)
    assert not kept.filter(pattern__isnull=False).exists()
    cancelled = Stop.objects.get(pk=year["cancelled"].pk)
    assert cancelled.is_cancelled and cancelled.events.count() == 1
    assert Stop.objects.get(pk=year["with_visit"].pk).visits.count() == 1
    assert Stop.objects.get(pk=year["with_partner"].pk).presences.count() == 1
    assert planning_revision(pattern.operator_id) != revision


def test_a_detached_stop_still_refuses_an_overlap(pattern, year):
    """Detaching rewrites planning_stop rows: the overlap trigger still guards them."""
    services.pattern_delete(pattern=pattern)
    kept = Stop.objects.get(pk=year["with_partner"].pk)
    with pytest.raises(ValidationError, match="deux endroits à la fois"):
        services.stop_create_one_off(
            operator=kept.operator,
            vehicle=kept.vehicle,
            site=kept.site,
            date=kept.date,
            start_time=kept.start_time,
            end_time=kept.end_time,
        )


def test_a_visit_recorded_meanwhile_keeps_everything(pattern, year, monkeypatch):
    """The stop to delete gets a visit between the check and the delete: nothing is deleted."""
    untouched = year["untouched"]
    real_delete = Stop.objects.none().delete.__func__

    def delete_after_a_visit(queryset):
        VisitFactory(stop=untouched, operator=untouched.operator)
        return real_delete(queryset)

    monkeypatch.setattr(type(Stop.objects.none()), "delete", delete_after_a_visit)
    with pytest.raises(ValidationError, match="Le planning a changé"):
        services.pattern_delete(pattern=pattern)
    monkeypatch.undo()
    assert SchedulePattern.objects.filter(pk=pattern.pk).exists()
    assert Stop.objects.filter(pattern=pattern).count() == 2 + len(KEPT)


def test_a_pattern_without_stops_is_simply_deleted(operator):
    pattern = SchedulePatternFactory(operator=operator)
    result = services.pattern_delete(pattern=pattern)
    assert (result.deleted, result.detached) == (0, 0)
    assert not SchedulePattern.objects.exists()


# Screens -------------------------------------------------------------------------------------


def delete_url(pattern) -> str:
    return reverse("planning:pattern_delete", kwargs={"pattern_id": pattern.pk})


def test_the_coordinator_confirms_then_deletes_a_pattern(client, coordinator, pattern, year):
    client.force_login(coordinator)
    detail = text_of(
        client.get(reverse("planning:pattern_detail", kwargs={"pattern_id": pattern.pk}))
    )
    assert "Supprimer le rythme" in detail
    page = text_of(client.get(delete_url(pattern)))
    assert "Permanences supprimées : 2" in page
    assert f"Permanences conservées : {len(KEPT)}" in page
    for reason in KEPT.values():
        assert reason in page
    assert Stop.objects.filter(pattern=pattern).count() == 2 + len(KEPT)  # a GET changes nothing
    response = client.post(delete_url(pattern), follow=True)
    assert response.redirect_chain[-1][0] == reverse("planning:pattern_list")
    assert (
        f"est supprimé : 2 permanences supprimées, {len(KEPT)} conservées sans rythme."
        in text_of(response)
    )
    assert not SchedulePattern.objects.exists()
    assert Stop.objects.count() == len(KEPT)


def test_a_refused_deletion_shows_the_reason_and_keeps_the_pattern(
    client, coordinator, pattern, year, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError(
            "Le planning a changé pendant la suppression : rien n'a été supprimé."
        )

    monkeypatch.setattr(services, "pattern_delete", refuse)
    client.force_login(coordinator)
    response = client.post(delete_url(pattern))
    assert response.status_code == 400 and "rien n'a été supprimé" in text_of(response)
    assert SchedulePattern.objects.filter(pk=pattern.pk).exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.PARTNER, Role.VIEWER])
def test_only_the_coordinator_deletes_a_pattern(client, pattern, year, make_member, role):
    client.force_login(make_member(pattern.operator, role))
    assert client.post(delete_url(pattern)).status_code == 403
    assert client.get(delete_url(pattern)).status_code == 403
    if role != Role.VIEWER:
        detail = client.get(reverse("planning:pattern_detail", kwargs={"pattern_id": pattern.pk}))
        assert "Supprimer le rythme" not in text_of(detail)
    assert SchedulePattern.objects.filter(pk=pattern.pk).exists()


def test_another_operators_pattern_is_not_found(client, coordinator, other_operator):
    foreign = SchedulePatternFactory(operator=other_operator)
    client.force_login(coordinator)
    assert client.post(delete_url(foreign)).status_code == 404
    assert SchedulePattern.objects.filter(pk=foreign.pk).exists()
