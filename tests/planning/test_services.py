"""Planning writes: exceptions (one-off, move, cancel), partner and staff rota, telling people."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from allervers.core.revision import planning_revision
from allervers.core.roles import Role
from allervers.planning import services
from allervers.planning.enums import CancelReason, DutyRole, StopEventKind, StopStatus
from allervers.planning.models import PartnerPresence, StaffAssignment, Stop
from tests.operators.factories import MembershipFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SiteFactory,
    StaffAssignmentFactory,
    StopFactory,
    VehicleFactory,
    future_stop,
)

pytestmark = pytest.mark.django_db

NINE, NOON, TWO, FIVE = (datetime.time(h) for h in (9, 12, 14, 17))


@pytest.fixture
def stop_with_people(operator, agent):
    stop = future_stop(operator=operator, site__name="Place du Regain")
    partner = PartnerFactory(
        operator=operator, name="Mission locale", notice_emails="ml@example.org"
    )
    partner_user = MembershipFactory(
        operator=operator, role=Role.PARTNER, partner=partner, user__email="conseil@ml.example.org"
    ).user
    PartnerPresenceFactory(stop=stop, operator=operator, partner=partner)
    StaffAssignmentFactory(stop=stop, operator=operator, user=agent)
    stop.partner_user = partner_user
    return stop


def test_cancelling_records_reason_who_and_when_and_tells_partners_agents_and_listeners(
    stop_with_people, coordinator, agent, listener, django_capture_on_commit_callbacks
):
    revision = planning_revision(stop_with_people.operator_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_cancel(
            stop=stop_with_people,
            reason=CancelReason.BREAKDOWN,
            note="Batterie à changer",
            by=coordinator,
        )
    stop = Stop.objects.get(pk=stop_with_people.pk)
    assert stop.status == StopStatus.CANCELLED
    assert stop.cancel_reason == CancelReason.BREAKDOWN
    assert stop.cancelled_by == coordinator
    assert timezone.now() - stop.cancelled_at < datetime.timedelta(minutes=1)
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(["ml@example.org", "conseil@ml.example.org", agent.email])
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees the others
    assert "annulée" in mail.outbox[0].subject
    assert "Panne du bus" in mail.outbox[0].body and "Batterie à changer" in mail.outbox[0].body
    assert [(c.stop_id, c.kind) for c in listener.changes] == [(stop.pk, StopEventKind.CANCELLED)]
    assert planning_revision(stop.operator_id) != revision


def test_a_line_break_in_a_site_name_does_not_stop_the_emails(
    stop_with_people, coordinator, django_capture_on_commit_callbacks
):
    """A header cannot hold a line break: the subject is written on one line."""
    stop_with_people.site.name = "Place du\r\nRegain"
    stop_with_people.site.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_cancel(stop=stop_with_people, reason=CancelReason.BREAKDOWN, by=coordinator)
    assert len(mail.outbox) == 3
    assert mail.outbox[0].subject.endswith(", Place du Regain")


def test_a_cancellation_needs_a_known_reason_and_a_note_for_other(stop_with_people, coordinator):
    for reason, note in [("", ""), ("flood", ""), (CancelReason.OTHER, "  ")]:
        with pytest.raises(ValidationError):
            services.stop_cancel(stop=stop_with_people, reason=reason, note=note, by=coordinator)
    assert Stop.objects.get(pk=stop_with_people.pk).status == StopStatus.HELD
    assert mail.outbox == []


def test_moving_a_stop_tells_people_and_remembers_where_it_was(
    stop_with_people, coordinator, listener, django_capture_on_commit_callbacks
):
    other_site = SiteFactory(operator=stop_with_people.operator, name="Salle des fêtes")
    new_date = stop_with_people.date + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_move(
            stop=stop_with_people,
            site=other_site,
            date=new_date,
            start_time=TWO,
            end_time=FIVE,
            by=coordinator,
        )
    stop = Stop.objects.get(pk=stop_with_people.pk)
    assert (stop.site, stop.date, stop.start_time, stop.end_time) == (
        other_site,
        new_date,
        TWO,
        FIVE,
    )
    assert stop.is_edited and stop.moved_by == coordinator
    assert "Place du Regain" in stop.moved_from
    assert len(mail.outbox) == 3
    assert "Salle des fêtes" in mail.outbox[0].body
    assert listener.changes[0].kind == StopEventKind.MOVED
    assert "Place du Regain" in listener.changes[0].previous


def test_an_overlapping_one_off_or_move_is_refused_in_french_and_nothing_changes(operator):
    vehicle = VehicleFactory(operator=operator)
    site = SiteFactory(operator=operator)
    day = datetime.date(2026, 7, 7)
    StopFactory(operator=operator, vehicle=vehicle, site=site, date=day)
    with pytest.raises(ValidationError, match="deux endroits à la fois"):
        services.stop_create_one_off(
            operator=operator,
            vehicle=vehicle,
            site=site,
            date=day,
            start_time=datetime.time(11),
            end_time=datetime.time(13),
        )
    other = StopFactory(
        operator=operator, vehicle=vehicle, site=site, date=day, start_time=TWO, end_time=FIVE
    )
    with pytest.raises(ValidationError, match="deux endroits à la fois"):
        services.stop_move(stop=other, site=site, date=day, start_time=NINE, end_time=FIVE, by=None)
    assert Stop.objects.filter(vehicle=vehicle).count() == 2
    assert Stop.objects.get(pk=other.pk).start_time == TWO


def test_the_database_refusal_becomes_a_french_message_when_the_check_is_raced(
    operator, monkeypatch
):
    """Two coordinators at once: both pass the form check, the trigger refuses the second."""
    vehicle = VehicleFactory(operator=operator)
    site = SiteFactory(operator=operator)
    day = datetime.date(2026, 7, 7)
    StopFactory(operator=operator, vehicle=vehicle, site=site, date=day)
    monkeypatch.setattr(services, "_check_slot", lambda **kwargs: None)
    with pytest.raises(ValidationError) as refused:
        services.stop_create_one_off(
            operator=operator, vehicle=vehicle, site=site, date=day, start_time=NINE, end_time=NOON
        )
    assert "deux endroits à la fois" in refused.value.messages[0]
    assert Stop.objects.filter(vehicle=vehicle).count() == 1


def test_a_one_off_stop_on_an_archived_site_or_ending_before_it_starts_is_refused(operator):
    vehicle = VehicleFactory(operator=operator)
    archived = SiteFactory(operator=operator, is_archived=True)
    with pytest.raises(ValidationError, match="archivé"):
        services.stop_create_one_off(
            operator=operator,
            vehicle=vehicle,
            site=archived,
            date=datetime.date(2026, 7, 7),
            start_time=NINE,
            end_time=NOON,
        )
    with pytest.raises(ValidationError, match="L'heure de fin doit être après"):
        services.stop_create_one_off(
            operator=operator,
            vehicle=vehicle,
            site=SiteFactory(operator=operator),
            date=datetime.date(2026, 7, 7),
            start_time=NOON,
            end_time=NINE,
        )
    assert not Stop.objects.exists()


def test_an_evening_one_off_stop_is_created(operator):
    stop = services.stop_create_one_off(
        operator=operator,
        vehicle=VehicleFactory(operator=operator),
        site=SiteFactory(operator=operator),
        date=datetime.date(2026, 7, 7),
        start_time=datetime.time(17),
        end_time=datetime.time(20),
        title="Soirée",
    )
    assert stop.is_evening and stop.pattern is None


# Partner rota --------------------------------------------------------------------------------


@pytest.fixture
def partner_member(operator):
    return MembershipFactory(
        operator=operator, role=Role.PARTNER, partner=PartnerFactory(operator=operator)
    )


def test_a_partner_declares_and_withdraws_its_own_presence_on_a_future_stop(
    operator, partner_member
):
    stop = future_stop(operator=operator)
    presence = services.presence_declare(
        stop=stop,
        partner=partner_member.partner,
        acting=partner_member,
        start_time=NINE,
        end_time=datetime.time(11),
    )
    assert presence.stop == stop and presence.start_time == NINE
    services.presence_withdraw(presence=presence, acting=partner_member)
    assert not PartnerPresence.objects.exists()


def test_a_partner_cannot_declare_for_another_organisation_nor_on_a_past_stop(
    operator, partner_member
):
    other_partner = PartnerFactory(operator=operator)
    with pytest.raises(ValidationError, match="votre organisation"):
        services.presence_declare(
            stop=future_stop(operator=operator), partner=other_partner, acting=partner_member
        )
    past = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="passée"):
        services.presence_declare(stop=past, partner=partner_member.partner, acting=partner_member)
    theirs = PartnerPresenceFactory(
        stop=future_stop(operator=operator), operator=operator, partner=other_partner
    )
    with pytest.raises(ValidationError, match="votre organisation"):
        services.presence_withdraw(presence=theirs, acting=partner_member)
    assert list(PartnerPresence.objects.all()) == [theirs]


def test_presence_is_refused_on_a_cancelled_stop_twice_or_outside_the_stop_hours(
    operator, partner_member
):
    coordination = MembershipFactory(operator=operator, role=Role.COORDINATOR)
    cancelled = future_stop(
        operator=operator, status=StopStatus.CANCELLED, cancel_reason=CancelReason.WEATHER
    )
    with pytest.raises(ValidationError, match="annulée"):
        services.presence_declare(
            stop=cancelled, partner=partner_member.partner, acting=coordination
        )
    stop = future_stop(operator=operator)
    with pytest.raises(ValidationError, match="comprises entre"):
        services.presence_declare(
            stop=stop,
            partner=partner_member.partner,
            acting=coordination,
            start_time=datetime.time(8),
        )
    services.presence_declare(stop=stop, partner=partner_member.partner, acting=coordination)
    with pytest.raises(ValidationError, match="déjà prévu"):
        services.presence_declare(stop=stop, partner=partner_member.partner, acting=coordination)
    assert PartnerPresence.objects.count() == 1


def test_a_coordinator_assigns_a_partner_even_on_a_past_stop(operator, partner_member):
    coordination = MembershipFactory(operator=operator, role=Role.COORDINATOR)
    past = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=3))
    services.presence_declare(stop=past, partner=partner_member.partner, acting=coordination)
    assert past.presences.count() == 1


def test_another_operators_partner_is_refused(operator, other_operator):
    coordination = MembershipFactory(operator=operator, role=Role.COORDINATOR)
    with pytest.raises(ValidationError):
        services.presence_declare(
            stop=future_stop(operator=operator),
            partner=PartnerFactory(operator=other_operator),
            acting=coordination,
        )


# Staff rota ----------------------------------------------------------------------------------


def test_staff_assignment_takes_agents_of_the_operator_only_and_once(
    operator, agent, other_operator
):
    stop = future_stop(operator=operator)
    services.staff_assign(stop=stop, user=agent, duty_role=DutyRole.RECEPTION)
    with pytest.raises(ValidationError, match="déjà désignée"):
        services.staff_assign(stop=stop, user=agent, duty_role=DutyRole.CYBER)
    outsider = MembershipFactory(operator=other_operator, role=Role.AGENT).user
    with pytest.raises(ValidationError, match="Seul un agent"):
        services.staff_assign(stop=stop, user=outsider, duty_role=DutyRole.CYBER)
    assert StaffAssignment.objects.count() == 1
    services.staff_unassign(assignment=StaffAssignment.objects.get())
    assert not StaffAssignment.objects.exists()


# Sites ---------------------------------------------------------------------------------------


def test_a_new_site_gets_a_free_slug_and_archiving_keeps_it(operator):
    from allervers.planning.models import Site

    first = services.site_save(site=Site(operator=operator, name="Place du Regain", address="x"))
    second = services.site_save(site=Site(operator=operator, name="Place du Regain", address="y"))
    assert (first.slug, second.slug) == ("place-du-regain", "place-du-regain-2")
    StopFactory(operator=operator, site=first)
    services.site_archive(site=first)
    first.refresh_from_db()
    assert first.is_archived and first.stops.count() == 1


def test_a_presence_is_withdrawn_only_by_a_member_of_its_operator(other_operator, make_member):
    presence = PartnerPresenceFactory()
    outsider = make_member(other_operator, Role.COORDINATOR)
    outsider_membership = outsider.memberships.get()
    with pytest.raises(ValidationError, match="n'appartient pas à votre structure"):
        services.presence_withdraw(presence=presence, acting=outsider_membership)
    assert PartnerPresence.objects.filter(pk=presence.pk).exists()
