"""The reads of the public app: what the public sees of an operator and its planning.

The page, the widget, the feeds, the API, the flyers, the picture and the open-data export all
read through these functions, so that they always say the same thing.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from allervers.bookings.queries import seats_left
from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.calendars import MONTH_NAMES, WEEKDAY_NAMES, month_label
from allervers.planning.enums import StopEventKind, StopStatus
from allervers.planning.models import Site, Stop, StopEvent, Vehicle

PAGE_WEEKS = 4  # the public page shows the next four weeks
FEED_PAST_DAYS = 90  # calendar feeds keep recent history so that subscribers see cancellations
FEED_FUTURE_DAYS = 366


def today() -> datetime.date:
    return timezone.localdate()


def public_operators() -> QuerySet[Operator]:
    return Operator.objects.order_by("name", "pk")


def operator_by_slug(slug: str) -> Operator | None:
    return Operator.objects.filter(slug=slug).first()


def site_by_slug(operator: Operator, slug: str) -> Site | None:
    """A site of the operator by its address segment, archived or not (its page stays up)."""
    return Site.objects.for_operator(operator).filter(slug=slug).first()


def partner_by_slug(operator: Operator, slug: str) -> Partner | None:
    return Partner.objects.for_operator(operator).filter(slug=slug).first()


# The changes the public is told of (a cancellation is the stop's own status).
PUBLIC_CHANGES = (StopEventKind.MOVED, StopEventKind.RESTORED)


def public_stops(operator: Operator) -> QuerySet[Stop]:
    """Every stop of the operator, held or cancelled, with what the public needs to read
    (its partners, its moves and restorations: see `stop_change`)."""
    return (
        Stop.objects.for_operator(operator)
        .select_related("site")
        .prefetch_related(
            "presences__partner",
            Prefetch(
                "events",
                queryset=StopEvent.objects.filter(kind__in=PUBLIC_CHANGES)
                .select_related("previous_site")
                .order_by("at", "pk"),
                to_attr="public_changes",
            ),
        )
        .order_by("date", "start_time", "pk")
    )


@dataclass(frozen=True)
class Slot:
    """Where and when a stop was announced before a move."""

    site: Site | None
    date: datetime.date
    start_time: datetime.time
    end_time: datetime.time
    words: str  # the slot in words, as the public reads it

    @classmethod
    def before(cls, event: StopEvent) -> "Slot | None":
        if event.previous_date is None or event.previous_start_time is None:
            return None
        site = event.previous_site
        return cls(
            site=site,
            date=event.previous_date,
            start_time=event.previous_start_time,
            end_time=event.previous_end_time or event.previous_start_time,
            words=slot_fr(
                event.previous_date,
                event.previous_start_time,
                event.previous_end_time,
                site.name if site else "",
            ),
        )

    def same_as(self, stop: Stop) -> bool:
        return (self.site and self.site.pk, self.date, self.start_time, self.end_time) == (
            stop.site_id,
            stop.date,
            stop.start_time,
            stop.end_time,
        )


@dataclass(frozen=True)
class StopChange:
    """What the public is told of a held stop's history: it was moved (from the slot first
    announced) and/or restored after a cancellation. Cancelled stops say so themselves."""

    moved_from: Slot | None
    restored: bool


def stop_change(stop: Stop) -> StopChange | None:
    """The stop's public change (read from `public_stops`' prefetch), or None."""
    if stop.status != StopStatus.HELD:
        return None
    events = getattr(stop, "public_changes", None)
    if events is None:  # a stop read without the prefetch
        events = list(
            stop.events.filter(kind__in=PUBLIC_CHANGES)
            .select_related("previous_site")
            .order_by("at", "pk")
        )
    moves = [event for event in events if event.kind == StopEventKind.MOVED]
    first = Slot.before(moves[0]) if moves else None
    if first is not None and first.same_as(stop):  # moved, then back where it was announced
        first = None
    restored = any(event.kind == StopEventKind.RESTORED for event in events)
    if first is None and not restored:
        return None
    return StopChange(moved_from=first, restored=restored)


def _minutes(time: datetime.time) -> int:
    return time.hour * 60 + time.minute


def previous_start(
    stop: Stop, start_time: datetime.time
) -> tuple[datetime.date, datetime.time] | None:
    """When what starts at `start_time` in a moved stop (a workshop, an opening) was first
    announced: in the stop's first announced slot, as far from its start as now (the bookings
    follow a move shifted by as much as the stop's start, `bookings.services.stop_changes`);
    None when the stop was not moved."""
    change = stop_change(stop)
    if change is None or change.moved_from is None:
        return None
    before = change.moved_from
    minutes = _minutes(start_time) - (_minutes(stop.start_time) - _minutes(before.start_time))
    if not 0 <= minutes < 24 * 60:
        return None
    return before.date, datetime.time(minutes // 60, minutes % 60)


@dataclass(frozen=True)
class MovedAway:
    """A stop announced at a site, then moved: what that site's page says at the old slot."""

    slot: Slot
    stop: Stop


def moved_away_from(
    operator: Operator, site: Site, start: datetime.date, end: datetime.date
) -> list[MovedAway]:
    """Held stops announced at `site` between two dates and moved since (elsewhere or at other
    hours), in the order of their old slot. Two queries."""
    events = (
        StopEvent.objects.for_operator(operator)
        .filter(
            kind=StopEventKind.MOVED,
            previous_site=site,
            previous_date__gte=start,
            previous_date__lte=end,
            stop__status=StopStatus.HELD,
        )
        .select_related("previous_site", "stop__site")
        .order_by("previous_date", "previous_start_time", "at", "pk")
    )
    found: dict[tuple, MovedAway] = {}
    for event in events:
        slot = Slot.before(event)
        if slot is None or slot.same_as(event.stop):
            continue
        found.setdefault((event.stop_id, slot.date, slot.start_time), MovedAway(slot, event.stop))
    return list(found.values())


def upcoming_stops(
    operator: Operator, *, days: int = PAGE_WEEKS * 7, site: Site | None = None
) -> list[Stop]:
    """Stops from now on (today's stops that are over are left out), for `days` days."""
    start = today()
    now = timezone.localtime().time()
    stops = public_stops(operator).between(start, start + datetime.timedelta(days=days))
    if site is not None:
        stops = stops.filter(site=site)
    return [stop for stop in stops if not (stop.date == start and stop.end_time <= now)]


def next_held_stop(stops: list[Stop]) -> Stop | None:
    return next((stop for stop in stops if not stop.is_cancelled), None)


def month_stops(operator: Operator, year: int, month: int, site: Site | None = None) -> list[Stop]:
    first = datetime.date(year, month, 1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    stops = public_stops(operator).between(first, last)
    if site is not None:
        stops = stops.filter(site=site)
    return list(stops)


def feed_stops(
    operator: Operator, *, site: Site | None = None, partner: Partner | None = None
) -> list[Stop]:
    start = today() - datetime.timedelta(days=FEED_PAST_DAYS)
    stops = public_stops(operator).between(
        start, today() + datetime.timedelta(days=FEED_FUTURE_DAYS)
    )
    if site is not None:
        stops = stops.filter(site=site)
    if partner is not None:
        stops = stops.filter(presences__partner=partner)
    return list(stops)


def public_sites(operator: Operator) -> QuerySet[Site]:
    return Site.objects.for_operator(operator).active().order_by("name")


def public_partners(operator: Operator) -> QuerySet[Partner]:
    return Partner.objects.for_operator(operator).active().order_by("name")


def public_vehicles(operator: Operator) -> QuerySet[Vehicle]:
    """The vehicles in service, for what the page says of their accessibility and equipment."""
    return Vehicle.objects.for_operator(operator).active().order_by("name")


def partners_of(stop: Stop) -> list[Partner]:
    return [presence.partner for presence in stop.presences.all()]


def hours_fr(start: datetime.time, end: datetime.time) -> str:
    """'de 9 h à 12 h', 'de 14 h 30 à 17 h': how times are said and read in French."""

    def said(moment: datetime.time) -> str:
        return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")

    return f"de {said(start)} à {said(end)}"


def slot_fr(day: datetime.date, start: datetime.time, end: datetime.time | None, place: str) -> str:
    """'mardi 16 juin de 9 h à 12 h, Place du Regain'."""
    hours = hours_fr(start, end) if end is not None else f"à {start.hour} h"
    return ", ".join(part for part in [f"{day_fr(day)} {hours}", place] if part)


def day_fr(day: datetime.date, *, with_year: bool = False) -> str:
    """'lundi 4 mai' (and the year when asked): no abbreviation, no number-only date."""
    number = "1er" if day.day == 1 else str(day.day)
    text = f"{WEEKDAY_NAMES[day.weekday()]} {number} {MONTH_NAMES[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str | None) -> "Month":
        """'2026-05' → Month; None → the current month; anything else → ValueError (French)."""
        if not value:
            return cls(today().year, today().month)
        try:
            year_text, month_text = value.split("-")
            year, month = int(year_text), int(month_text)
            if len(year_text) != 4 or not 1 <= month <= 12 or not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"Le mois « {value[:20]} » n'est pas valide. Écrivez-le ainsi : 2026-05."
            ) from None
        return cls(year, month)

    @property
    def label(self) -> str:
        return month_label(self.year, self.month)

    @property
    def value(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def seats_fr(workshop) -> str:
    """'3 places restantes', '1 place restante', 'complet (liste d'attente)': a workshop read
    through `bookings.queries.with_seats`."""
    left = seats_left(workshop)
    if left == 0:
        return "complet (liste d'attente)"
    return f"{left} place restante" if left == 1 else f"{left} places restantes"


def workshop_fr(workshop) -> str:
    """« Atelier : Atelier CV, de 9 h à 11 h, 3 places restantes »."""
    return (
        f"Atelier : {workshop.title}, {hours_fr(workshop.start_time, workshop.end_time)}, "
        f"{seats_fr(workshop)}"
    )
