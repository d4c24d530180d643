"""What bookings do when the planning changes: listen to `planning.signals.stop_changed`.

A stop cancelled: its active bookings are cancelled and each person is told once (a stop
restored afterwards starts with no bookings: the people were told not to come). A stop moved:
its openings, appointments and workshops follow its new hours (shifted by as much as its start;
what no longer fits a shorter stop is cancelled, its people told), and each person with an active
booking is told the new moment once per move. A stop restored: nothing (its bookings were
cancelled with it)."""

from django.dispatch import receiver

from allervers.planning.enums import StopEventKind
from allervers.planning.signals import stop_changed

from . import services


@receiver(stop_changed, dispatch_uid="bookings_tell_the_people_booked")
def tell_the_people_booked(sender, *, kind, stop_id, at, **kwargs) -> None:
    if kind == StopEventKind.CANCELLED:
        services.stop_bookings_cancel(stop_id=stop_id, at=at)
    elif kind == StopEventKind.MOVED:
        services.stop_bookings_moved(stop_id=stop_id, at=at)
