"""The racing changes of one stop, as two coordinators' pages send them (the planning's and the
bookings' concurrency tests)."""

import datetime

from allervers.planning import services
from allervers.planning.enums import CancelReason
from allervers.planning.models import Stop


def stop_as_shown(stop: Stop) -> Stop:
    """The stop as a page loaded it, before any of the racing changes."""
    return Stop.objects.select_related("site", "vehicle").get(pk=stop.pk)


def move_later(stop: Stop, site, by):
    """The move a page showing `stop` sends (to `site`, 14:00–17:00, with its version)."""
    shown = stop.version
    return lambda: services.stop_move(
        stop=stop,
        site=site,
        date=stop.date,
        start_time=datetime.time(14),
        end_time=datetime.time(17),
        by=by,
        version=shown,
    )


def cancel_later(stop: Stop, by):
    """The cancellation a page showing `stop` sends."""
    return lambda: services.stop_cancel(stop=stop, reason=CancelReason.WEATHER, by=by)
