"""What bookings do when the planning's rota changes: a pattern's rota with a partner « reçoit
sur rendez-vous » opens its appointments (`rota_presences_with_appointments`, inside the
planning's transaction). A stop cancelled or moved is followed by the stop change hook
(`stop_changes.stop_bookings_follow`, registered in `apps.py`)."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.dispatch import receiver

from allervers.planning.models import PartnerPresence
from allervers.planning.signals import rota_presences_with_appointments

from .appointment_queries import booking_defaults
from .models import AppointmentOpening
from .services import appointments


@receiver(rota_presences_with_appointments, dispatch_uid="bookings_open_rota_appointments")
def open_rota_appointments(sender, *, operator_id, presence_ids, by, **kwargs) -> None:
    """A pattern's rota says a partner takes appointments: open them on each of its stops that
    has none yet for that partner, with the partner's usual length and desks, within its hours
    (`appointments.opening_create`). Inside the planning's transaction: a refusal undoes the
    whole change, named with the stop's date."""
    presences = list(
        PartnerPresence.objects.filter(operator_id=operator_id, pk__in=presence_ids)
        .exclude(
            Exists(
                AppointmentOpening.objects.filter(
                    stop_id=OuterRef("stop_id"), partner_id=OuterRef("partner_id")
                )
            )
        )
        .select_related("stop", "partner", "stop__operator")
        .order_by("stop__date")
    )
    defaults = {}
    for presence in presences:
        partner = presence.partner
        if partner.pk not in defaults:
            defaults[partner.pk] = booking_defaults(presence.stop.operator, partner)
        usual = defaults[partner.pk]
        try:
            appointments.opening_create(
                stop=presence.stop,
                partner=partner,
                slot_minutes=usual.slot_minutes,
                desks=usual.desks,
                by=by,
            )
        except ValidationError as error:
            raise ValidationError(
                f"Rendez-vous de {partner.name} le {presence.stop.date:%d/%m/%Y} : "
                + " ".join(error.messages)
            ) from error
