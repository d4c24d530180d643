"""The canary: an operator whose every text carries a marker, and how to read any answer's text.

`operator_fill` gives an operator one row (at least) of every operator-owned model, through the
factories and, where they keep a history, the services. `operator_mark` then writes the marker
into every free text of the operator's rows (names, notes, reasons, slugs, addresses...) and of
its members' accounts: a page of another operator that shows any of it has leaked.
"""

import datetime
import io
import zipfile

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from pypdf import PdfReader

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.accesslog.services import record
from allervers.bookings.models import TopicPartner
from allervers.core.roles import Role
from allervers.operators.models import Membership, Operator
from allervers.planning.enums import CancelReason
from allervers.planning.models import RotaAbsence, RotaLine
from allervers.planning.services import stop_cancel, stop_move
from allervers.reception.enums import ReferralStatus
from allervers.reception.services.cyber import cyber_usage_record
from allervers.reception.services.referrals import referral_create, referral_update_status
from allervers.reception.services.visits import visit_record
from allervers.reporting.services import year_close, year_reopen
from tests.alerts.canary_fill import alerts_fill
from tests.bookings.canary_fill import bookings_fill
from tests.operators.factories import MembershipFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SchedulePatternFactory,
    SiteFactory,
    SpaceFactory,
    StaffAssignmentFactory,
    StopFactory,
    VehicleFactory,
)
from tests.reception.factories import (
    PersonFactory,
    TopicFactory,
    VisitFactory,
    erasure_requests_fill,
)
from tests.screening.factories import screening_fill

from .ownership import operator_owned_models

MARKER = "Zqx7Canari"
# Texts that the application parses or the database checks as codes: a marker there would break the
# canary's own pages, not reveal a leak.
CODE_FIELDS = {"time_zone", "siret"}
USER_TEXT_FIELDS = ("first_name", "last_name", "email")
# Tables whose rows the database refuses to UPDATE (a trigger).
APPEND_ONLY = {AccessLogEntry}


def operator_fill(operator: Operator) -> dict[Role, Membership]:
    """One member of each role, and rows of every operator-owned model, for `operator`.

    Dates: last year (the report's default period, and a closed year), today and the coming days
    (the planning, the reception of the day, the public pages). Returns the members by role.
    """
    today = timezone.localdate()
    partner = PartnerFactory(operator=operator, description="Permanence emploi")
    members = {
        role: MembershipFactory(
            operator=operator, role=role, partner=partner if role == Role.PARTNER else None
        )
        for role in Role
    }
    staff = members[Role.COORDINATOR].user
    vehicle = VehicleFactory(operator=operator, equipment="Deux postes informatiques")
    SpaceFactory(vehicle=vehicle, name="Bureau d'accueil")
    site = SiteFactory(
        operator=operator,
        latitude=50.47,
        longitude=2.48,
        parking_notes="Sur la place",
        access_notes="Bus 12",
        accessibility_notes="Plain-pied",
        power_notes="Prise 16 A",
    )
    pattern = SchedulePatternFactory(
        operator=operator,
        vehicle=vehicle,
        site=site,
        label="Le mardi au Regain",
        weekday=1,
        valid_from=today,
        valid_until=today + datetime.timedelta(days=60),
    )

    def stop(date: datetime.date, title: str):
        return StopFactory(operator=operator, vehicle=vehicle, site=site, date=date, title=title)

    past = stop(datetime.date(today.year - 1, 6, 16), "Fête du quartier")
    of_today = stop(today, "Permanence du jour")
    coming = stop(today + datetime.timedelta(days=3), "Permanence à venir")
    PartnerPresenceFactory(stop=coming, operator=operator, partner=partner)
    StaffAssignmentFactory(stop=coming, operator=operator, user=staff)
    rota_partner = RotaLine.objects.create(
        operator=operator, pattern=pattern, partner=partner, with_appointments=True
    )
    RotaLine.objects.create(operator=operator, pattern=pattern, user=staff, duty_role="reception")
    RotaAbsence.objects.create(operator=operator, stop=coming, line=rota_partner)
    stop_cancel(
        stop=stop(today + datetime.timedelta(days=5), "Permanence annulée"),
        reason=CancelReason.OTHER,
        note="Route barrée",
        by=staff,
    )
    stop_move(
        stop=stop(today + datetime.timedelta(days=7), "Permanence déplacée"),
        site=site,
        date=today + datetime.timedelta(days=8),
        start_time=datetime.time(14, 0),
        end_time=datetime.time(17, 0),
        by=staff,
    )

    topic = TopicFactory(operator=operator)
    TopicPartner.objects.create(operator=operator, topic=topic, partner=partner)
    person = PersonFactory(operator=operator, consent_recorded_by=staff)
    arrived = timezone.make_aware(datetime.datetime.combine(past.date, datetime.time(9, 30)))
    visit = visit_record(
        operator=operator,
        user=staff,
        stop=past,
        arrived_at=arrived,
        left_at=arrived + datetime.timedelta(minutes=20),
        topics=[topic],
        partners_seen=[partner],
        person=person,
        note="Demande de logement",
    )
    VisitFactory(operator=operator, stop=of_today, person=person, note="Venue avec sa fille")
    referral = referral_create(
        visit=visit, partner=partner, reason="Recherche d'emploi", user=staff
    )
    referral_update_status(
        referral=referral, status=ReferralStatus.SENT, user=staff, note="Dossier envoyé"
    )
    cyber_usage_record(operator=operator, stop=past, seats_used=2, people_count=3, user=staff)
    record(None, Action.PERSON_VIEWED, person, user=staff, detail="page de la personne")
    erasure_requests_fill(operator, person=person, by=staff)
    screening_fill(operator, visit=visit, referral=referral, partner=partner)
    bookings_fill(operator, stop=coming, partner=partner, person=person)
    alerts_fill(operator, site=site, stop=coming, by=staff)
    return members


def operator_close_last_year(operator: Operator, user) -> None:
    """Close last year, reopen it with a reason, close it again (the closures' history)."""
    year = timezone.localdate().year - 1
    year_close(operator=operator, year=year, user=user)
    year_reopen(operator=operator, year=year, user=user, reason="Visites oubliées")
    year_close(operator=operator, year=year, user=user)


def _marked(field: models.Field, pk: int) -> str | None:
    """The marked value of one text field of row `pk`, or None where no marker can go."""
    if not isinstance(field, models.CharField | models.TextField) or field.choices:
        return None
    if field.name in CODE_FIELDS or (field.max_length or len(MARKER)) < len(MARKER):
        return None
    lower = MARKER.lower()
    if isinstance(field, models.SlugField):
        value = f"{lower}-{pk}"
    elif isinstance(field, models.EmailField):
        value = f"{lower}{pk}@example.org"
    elif isinstance(field, models.URLField):
        value = f"https://{lower}{pk}.example.org/"
    elif not field.editable:  # derived by the model (a search key): lower-case, like its source
        value = f"{lower}{pk}"
    else:
        value = f"{MARKER}{pk}"
    return value[: field.max_length] if field.max_length else value


def _mark_append_only(queryset: models.QuerySet) -> int:
    """Rows that the database refuses to change (the access log): a marked copy of each is added
    instead, so that the operator holds entries whose every text carries the marker."""
    fields = [field for field in queryset.model._meta.concrete_fields if _marked(field, 0)]
    rows = list(queryset)
    for row in rows:
        values = {
            field.attname: getattr(row, field.attname)
            for field in row._meta.concrete_fields
            if not field.primary_key
        }
        values.update({field.attname: _marked(field, row.pk) for field in fields})
        queryset.model._base_manager.create(**values)
    return len(rows)


def _mark_rows(queryset: models.QuerySet) -> int:
    if queryset.model in APPEND_ONLY:
        return _mark_append_only(queryset)
    fields = [field for field in queryset.model._meta.concrete_fields if _marked(field, 0)]
    count = 0
    for pk in queryset.values_list("pk", flat=True):
        values = {field.attname: _marked(field, pk) for field in fields}
        if values:
            queryset.model._base_manager.filter(pk=pk).update(**values)
        count += 1
    return count


def operator_mark(operator: Operator) -> dict[str, int]:
    """Write the marker into every free text of `operator`, of its rows and of the accounts that
    belong to it alone. Returns the number of rows marked per model (to check none is missing)."""
    marked = {"operators.Operator": _mark_rows(Operator.objects.filter(pk=operator.pk))}
    for model in operator_owned_models():
        marked[model._meta.label] = _mark_rows(model._base_manager.filter(operator=operator))
    elsewhere = Membership.objects.exclude(operator=operator).values("user")
    users = get_user_model().objects.filter(memberships__operator=operator)
    users = users.exclude(pk__in=elsewhere).distinct()
    for user in users:
        get_user_model().objects.filter(pk=user.pk).update(
            **{name: _marked(user._meta.get_field(name), user.pk) for name in USER_TEXT_FIELDS}
        )
    return marked


def body_text(response) -> str:
    """Everything a person could read in an answer: the text of a PDF, every file of an XLSX or
    ZIP, an iCalendar feed unfolded, any other body as text. An image has no text to read."""
    content = (
        b"".join(response.streaming_content) if response.streaming else bytes(response.content)
    )
    if response.get("Content-Type", "").startswith("image/"):
        return ""
    if content.startswith(b"%PDF"):
        reader = PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist()
            )
    text = content.decode("utf-8", errors="replace")
    return text.replace("\r\n ", "").replace("\r\n\t", "")  # RFC 5545 unfolding


def shows_marker(response, echoed: str = "") -> bool:
    """Whether the answer shows the marker (case ignored), apart from `echoed`: what the request
    itself sent and the page repeats (a search box keeps its query), spelled in its own case."""
    text = body_text(response)
    if echoed:
        text = text.replace(echoed, "")
    return MARKER.lower() in text.lower()
