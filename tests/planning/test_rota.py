"""A pattern's rota: partners and agents on the weekly patterns, applied to the stops from today
on, keeping what was set on one stop by hand; past dates left out of generation unless asked."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from allervers.bookings.models import AppointmentOpening, PartnerBookingDefaults
from allervers.core.roles import Role
from allervers.operators.models import Membership
from allervers.planning import services
from allervers.planning.enums import DutyRole
from allervers.planning.models import (
    PartnerPresence,
    RotaAbsence,
    RotaLine,
    StaffAssignment,
    Stop,
)
from tests.bookings.factories import AppointmentFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import SchedulePatternFactory, SpaceFactory

pytestmark = pytest.mark.django_db

T = datetime.time
# Tuesdays of June 2026 (today is Wednesday 10 June): 2 and 9 are past, 16, 23, 30 to come.
PAST = [datetime.date(2026, 6, 2), datetime.date(2026, 6, 9)]
COMING = [datetime.date(2026, 6, 16), datetime.date(2026, 6, 23), datetime.date(2026, 6, 30)]


@pytest.fixture
def pattern(operator):
    return SchedulePatternFactory(
        operator=operator,
        weekday=1,
        start_time=T(9),
        end_time=T(12),
        valid_from=datetime.date(2026, 6, 1),
        valid_until=datetime.date(2026, 6, 30),
        label="Mardi matin",
    )


def partner_line(pattern, name="France Travail", **fields) -> RotaLine:
    partner = PartnerFactory(operator=pattern.operator, name=name)
    return services.rota_line_save(
        line=RotaLine(operator=pattern.operator, pattern=pattern, partner=partner, **fields)
    )


def agent_line(pattern, user, duty_role=DutyRole.RECEPTION) -> RotaLine:
    return services.rota_line_save(
        line=RotaLine(operator=pattern.operator, pattern=pattern, user=user, duty_role=duty_role)
    )


def people(stop: Stop) -> set[str]:
    partners = {p.partner.name for p in stop.presences.select_related("partner")}
    agents = {a.user.email for a in stop.staff_assignments.select_related("user")}
    return partners | agents


# Past dates -------------------------------------------------------------------------------------


def test_the_preview_puts_past_dates_apart_and_generation_leaves_them_out(pattern):
    plan = services.pattern_preview(pattern=pattern)
    assert plan.past == PAST
    assert plan.to_create == COMING
    services.pattern_generate(pattern=pattern)
    assert sorted(Stop.objects.values_list("date", flat=True)) == COMING


def test_past_dates_are_created_only_when_asked_and_get_no_rota(pattern):
    partner_line(pattern)
    services.pattern_generate(pattern=pattern, include_past=True)
    assert sorted(Stop.objects.values_list("date", flat=True)) == PAST + COMING
    assert not PartnerPresence.objects.filter(stop__date__in=PAST).exists()
    assert PartnerPresence.objects.filter(stop__date__in=COMING).count() == 3


def test_a_history_entry_writes_the_rota_on_past_stops_only_when_asked(pattern, agent):
    line = partner_line(pattern)
    agent_line(pattern, agent)
    services.pattern_generate(pattern=pattern, include_past=True)
    plan = services.rota_apply(pattern=pattern)
    assert plan.stops_changed == 0 and plan.past == 2
    assert not PartnerPresence.objects.filter(stop__date__in=PAST).exists()

    plan = services.rota_apply(pattern=pattern, include_past=True)
    assert sorted(change.stop.date for change in plan.changes) == PAST
    assert sorted(PartnerPresence.objects.values_list("stop__date", "rota_line")) == [
        (day, line.pk) for day in PAST + COMING
    ]
    assert StaffAssignment.objects.filter(stop__date__in=PAST, user=agent).count() == 2
    assert AppointmentOpening.objects.count() == 0


# Generation and application ------------------------------------------------------------------


def test_generated_stops_carry_the_rota_with_its_hours_and_missions(pattern, agent):
    line = partner_line(pattern, start_time=T(10), end_time=T(12))
    agent_line(pattern, agent)
    services.pattern_generate(pattern=pattern)
    for stop in Stop.objects.all():
        presence = stop.presences.get()
        assert (presence.partner_id, presence.start_time, presence.end_time) == (
            line.partner_id,
            T(10),
            T(12),
        )
        assert presence.rota_line == line
        assignment = stop.staff_assignments.get()
        assert (assignment.user, assignment.duty_role) == (agent, DutyRole.RECEPTION)


def test_a_rota_change_applies_to_coming_stops_and_keeps_every_exception(
    pattern, agent, coordinator, operator
):
    services.pattern_generate(pattern=pattern, include_past=True)
    travail = partner_line(pattern)
    partner_line(pattern, name="Mission locale")
    agent_line(pattern, agent)
    services.rota_apply(pattern=pattern)
    first, second, third = (Stop.objects.get(date=day) for day in COMING)
    acting = Membership.objects.get(user=coordinator, operator=operator)
    # Exceptions by hand: France Travail absent on the 16th, the agent replaced on the 23rd.
    services.presence_withdraw(presence=first.presences.get(partner=travail.partner), acting=acting)
    services.staff_unassign(assignment=second.staff_assignments.get(user=agent), by=coordinator)
    services.staff_assign(stop=second, user=coordinator, duty_role=DutyRole.CYBER)
    assert RotaAbsence.objects.count() == 2

    # The rota changes: France Travail now comes from 10:00.
    travail.start_time = T(10)
    services.rota_line_save(line=travail)
    preview = services.rota_preview(pattern=pattern)
    assert [change.stop.date for change in preview.changes] == COMING[1:]
    kept = {(item.stop.date, item.text) for item in preview.kept}
    assert (COMING[0], "France Travail : absent ce jour-là") in kept
    assert (COMING[1], f"{agent.get_full_name()} : absent ce jour-là") in kept
    assert preview.past == 2
    assert not Stop.objects.filter(presences__start_time=T(10)).exists()  # a preview saves nothing

    services.rota_apply(pattern=pattern)

    assert people(first) == {"Mission locale", agent.email}
    assert people(second) == {"France Travail", "Mission locale", coordinator.email}
    assert third.presences.get(partner=travail.partner).start_time == T(10)
    for day in PAST:  # the past is never touched
        assert not Stop.objects.get(date=day).presences.exists()


def test_applying_twice_changes_nothing(pattern, agent):
    partner_line(pattern)
    agent_line(pattern, agent)
    services.pattern_generate(pattern=pattern)
    snapshot = sorted(PartnerPresence.objects.values_list("pk", "stop_id", "start_time"))
    plan = services.rota_apply(pattern=pattern)
    assert plan.changes == []
    assert sorted(PartnerPresence.objects.values_list("pk", "stop_id", "start_time")) == snapshot


def test_a_presence_set_by_hand_is_kept_as_it_is(pattern, coordinator, operator):
    services.pattern_generate(pattern=pattern)
    stop = Stop.objects.get(date=COMING[0])
    partner = PartnerFactory(operator=operator, name="CAF")
    acting = Membership.objects.get(user=coordinator, operator=operator)
    services.presence_declare(
        stop=stop, partner=partner, acting=acting, start_time=T(11), end_time=T(12)
    )
    services.rota_line_save(line=RotaLine(operator=operator, pattern=pattern, partner=partner))
    plan = services.rota_apply(pattern=pattern)
    assert [item.text for item in plan.kept] == ["CAF : prévu à la main sur ce jour"]
    presence = stop.presences.get()
    assert (presence.start_time, presence.rota_line_id) == (T(11), None)


def test_removing_a_line_takes_it_off_coming_stops_only(pattern):
    line = partner_line(pattern)
    services.pattern_generate(pattern=pattern, include_past=True)
    past_stop = Stop.objects.get(date=PAST[0])
    PartnerPresence.objects.create(
        operator=pattern.operator, stop=past_stop, partner=line.partner, rota_line=line
    )
    plan = services.rota_line_remove_preview(line=line)
    assert len(plan.changes) == 3
    services.rota_line_remove(line=line)
    assert list(PartnerPresence.objects.values_list("stop__date", "rota_line")) == [(PAST[0], None)]
    assert not RotaLine.objects.exists()


def test_deleting_a_pattern_still_deletes_stops_that_carry_only_its_rota(pattern, agent):
    partner_line(pattern)
    agent_line(pattern, agent)
    services.pattern_generate(pattern=pattern)
    result = services.pattern_delete(pattern=pattern)
    assert (result.deleted, result.detached) == (3, 0)
    assert not Stop.objects.exists()


# Appointments follow the rota ------------------------------------------------------------------


def test_a_partner_with_appointments_gets_its_openings_with_its_usual_length(pattern):
    partner = PartnerFactory(operator=pattern.operator, name="Point Justice")
    PartnerBookingDefaults.objects.create(
        operator=pattern.operator, partner=partner, slot_minutes=45, desks=2
    )
    services.rota_line_save(
        line=RotaLine(
            operator=pattern.operator,
            pattern=pattern,
            partner=partner,
            start_time=T(10),
            with_appointments=True,
        )
    )
    services.pattern_generate(pattern=pattern)
    openings = AppointmentOpening.objects.order_by("stop__date")
    assert [
        (o.stop.date, o.partner_id, o.start_time, o.end_time, o.slot_minutes, o.desks)
        for o in openings
    ] == [(day, partner.pk, T(10), T(12), 45, 2) for day in COMING]
    services.rota_apply(pattern=pattern)  # nothing opened twice
    assert AppointmentOpening.objects.count() == 3


def test_an_opening_that_cannot_be_made_undoes_the_whole_change(pattern):
    SpaceFactory(operator=pattern.operator, vehicle=pattern.vehicle, kind="office", capacity=1)
    partner = PartnerFactory(operator=pattern.operator, name="Point Justice")
    PartnerBookingDefaults.objects.create(
        operator=pattern.operator, partner=partner, slot_minutes=30, desks=3
    )
    services.pattern_generate(pattern=pattern)
    services.rota_line_save(
        line=RotaLine(
            operator=pattern.operator, pattern=pattern, partner=partner, with_appointments=True
        )
    )
    with pytest.raises(ValidationError, match="Rendez-vous de Point Justice le 16/06/2026"):
        services.rota_apply(pattern=pattern)
    assert not PartnerPresence.objects.exists()
    assert not AppointmentOpening.objects.exists()


def test_a_stop_with_bookings_keeps_its_partner_hours(pattern):
    partner = PartnerFactory(operator=pattern.operator, name="Point Justice")
    line = services.rota_line_save(
        line=RotaLine(
            operator=pattern.operator, pattern=pattern, partner=partner, with_appointments=True
        )
    )
    services.pattern_generate(pattern=pattern)
    booked = AppointmentOpening.objects.get(stop__date=COMING[0])
    AppointmentFactory(opening=booked)
    line.start_time = T(10)
    services.rota_line_save(line=line)
    plan = services.rota_preview(pattern=pattern)
    assert any("déjà utilisée" in item.text for item in plan.kept)
    services.rota_apply(pattern=pattern)
    assert booked.stop.presences.get().start_time is None
    assert booked.appointments.count() == 1


# Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start_time": T(8)}, "comprises entre 09:00 et 12:00"),
        ({"end_time": T(13)}, "comprises entre 09:00 et 12:00"),
        ({"start_time": T(11), "end_time": T(10)}, "L'heure de fin doit être après"),
    ],
)
def test_hours_outside_the_pattern_are_refused(pattern, fields, message):
    with pytest.raises(ValidationError, match=message):
        partner_line(pattern, **fields)
    assert not RotaLine.objects.exists()


def test_an_archived_partner_is_refused(pattern):
    partner = PartnerFactory(operator=pattern.operator, is_archived=True)
    with pytest.raises(ValidationError, match="archivé"):
        services.rota_line_save(
            line=RotaLine(operator=pattern.operator, pattern=pattern, partner=partner)
        )
    assert not RotaLine.objects.exists()


@pytest.mark.parametrize("role", [Role.PARTNER, Role.VIEWER])
def test_a_member_without_an_agents_role_is_refused(pattern, make_member, role):
    user = make_member(pattern.operator, role)
    with pytest.raises(ValidationError, match="Seul un agent"):
        agent_line(pattern, user)
    assert not RotaLine.objects.exists()


def test_the_same_person_twice_on_a_pattern_is_refused(pattern, agent):
    line = partner_line(pattern)
    with pytest.raises(ValidationError, match="déjà dans l'équipe de ce rythme"):
        services.rota_line_save(
            line=RotaLine(operator=pattern.operator, pattern=pattern, partner=line.partner)
        )
    agent_line(pattern, agent)
    with pytest.raises(ValidationError, match="déjà dans l'équipe de ce rythme"):
        agent_line(pattern, agent, DutyRole.CYBER)
    assert RotaLine.objects.count() == 2


def test_a_person_on_two_patterns_at_the_same_hour_is_refused(pattern, agent):
    other = SchedulePatternFactory(
        operator=pattern.operator,
        vehicle=pattern.vehicle,
        weekday=1,
        start_time=T(11),
        end_time=T(13),
        valid_from=datetime.date(2026, 6, 15),
        valid_until=datetime.date(2026, 8, 31),
        label="Mardi midi",
    )
    agent_line(other, agent)
    with pytest.raises(ValidationError, match=r"« Mardi midi ».*deux endroits à la fois"):
        agent_line(pattern, agent)
    # Staggered hours are fine.
    line = partner_line(pattern, start_time=T(9), end_time=T(11))
    services.rota_line_save(
        line=RotaLine(
            operator=pattern.operator, pattern=other, partner=line.partner, start_time=T(11)
        )
    )
    assert StaffAssignment.objects.count() == 0


# A partner declares its weekly presence ----------------------------------------------------------


def partner_member(operator, make_member, **partner_fields) -> Membership:
    partner = PartnerFactory(operator=operator, name="France Travail", **partner_fields)
    user = make_member(operator, Role.PARTNER, partner=partner)
    return Membership.objects.get(user=user, operator=operator)


def test_a_declaration_waits_for_the_coordinator_who_is_told(
    pattern, make_member, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    services.pattern_generate(pattern=pattern)
    acting = partner_member(pattern.operator, make_member)
    with django_capture_on_commit_callbacks(execute=True):
        line = services.rota_line_declare(pattern=pattern, acting=acting, start_time=T(10))
    assert not line.approved and line.declared_by == acting.user
    assert not PartnerPresence.objects.exists()  # not on the stops before it is accepted
    assert [message.to for message in mailoutbox] == [[coordinator.email]]
    assert "France Travail déclare venir chaque mardi" in mailoutbox[0].subject
    assert "attend votre accord" in mailoutbox[0].body

    services.rota_line_approve(line=line)
    assert sorted(PartnerPresence.objects.values_list("stop__date", "start_time", "rota_line")) == [
        (day, T(10), line.pk) for day in COMING
    ]
    with pytest.raises(ValidationError, match="déjà acceptée"):
        services.rota_line_approve(line=line)


def test_without_approval_asked_by_the_structure_a_declaration_is_applied_and_told(
    pattern, make_member, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    services.pattern_generate(pattern=pattern)
    pattern.operator.partner_rota_needs_approval = False
    pattern.operator.save()
    acting = partner_member(pattern.operator, make_member)
    with django_capture_on_commit_callbacks(execute=True):
        line = services.rota_line_declare(pattern=pattern, acting=acting)
    assert line.approved
    assert PartnerPresence.objects.filter(rota_line=line).count() == 3
    assert [message.to for message in mailoutbox] == [[coordinator.email]]
    assert "France Travail déclare venir chaque mardi" in mailoutbox[0].subject
    assert "déjà inscrite" in mailoutbox[0].body


def test_only_a_partners_person_declares_and_on_a_running_pattern(
    pattern, make_member, coordinator, operator, clock
):
    acting = Membership.objects.get(user=coordinator, operator=operator)
    with pytest.raises(ValidationError, match="Seule une personne d'un partenaire"):
        services.rota_line_declare(pattern=pattern, acting=acting)
    partner = partner_member(operator, make_member)
    with pytest.raises(ValidationError, match="comprises entre 09:00 et 12:00"):
        services.rota_line_declare(pattern=pattern, acting=partner, start_time=T(7))
    clock.move_to(datetime.datetime(2026, 7, 2, 10, tzinfo=datetime.UTC))
    with pytest.raises(ValidationError, match="Ce rythme est terminé"):
        services.rota_line_declare(pattern=pattern, acting=partner)
    assert not RotaLine.objects.exists()
