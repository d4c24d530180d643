"""Sending the messages of a booking, each exactly once (issue 13 point 6).

`booking_messages_send` is what the task runs for one event of one booking. For each channel
(e-mail, SMS) it writes or finds the message's row (`BookingMessage`, unique by booking, event,
channel and discriminator), claims it (pending → sending) in one UPDATE, and only then sends:
a task retried, run twice or run by two workers at once sends nothing the second time. The
outcome is recorded (sent, or failed with the reason). A failed message is not retried by
itself: better one missed message than a resident receiving it twice; the row says why.

Two exceptions, both decided after the claim. A message about a booking never leaves once the
booking has started (`message_deadline`: a reminder after its appointment, a confirmation or a
stop's change told too late would only mislead): it is marked expired, never sent. And when the
SMS provider surely did not take the SMS (`sms.SmsUnavailable`: an outage), the row goes back to
pending with the moment of its next attempt (`RETRY_DELAYS`); a deferred task (where the task
backend defers) and the sweep `messages_retry_due` (run with the reminders) send it then, still
claimed once, still never after its deadline; after the last attempt it is failed.

A message goes only to someone who accepted to be contacted (`contact_consent`) and on a channel
they have: an e-mail address, a mobile number (`phones.can_receive_sms`). The reminders of a
followed person also need their consent « Rappels de rendez-vous »."""

import datetime
import hashlib

from django.core.mail import EmailMessage, mailers
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation

from allervers.core.french import greeting
from allervers.core.sms_delivery import DeliveryStatus
from allervers.operators.models import Operator
from allervers.planning.enums import StopStatus
from allervers.reception.enums import ConsentPurpose

from . import sms
from .calendar import booking_calendar
from .enums import AppointmentStatus, MessageChannel, MessageStatus, RegistrationStatus
from .links import booking_short_url, booking_url
from .models import Appointment, BookingMessage, Registration
from .phones import can_receive_sms
from .texts import (
    APPOINTMENT,
    SMS,
    SUBJECTS,
    WORKSHOP,
    bus_words,
    day_words,
    hour_words,
    in_gsm7,
    short_date,
)
from .times import booking_start, operator_zone

REMINDER = "reminder"
STOP_CANCELLED = "stop_cancelled"
STOP_MOVED = "stop_moved"
# The e-mail's calendar file: added or updated (REQUEST), or removed (CANCEL).
CALENDAR_METHOD = {
    "booked": "REQUEST",
    "promoted": "REQUEST",
    "moved": "REQUEST",
    "stop_moved": "REQUEST",
    "cancelled": "CANCEL",
    "cancelled_by_team": "CANCEL",
    "stop_cancelled": "CANCEL",
}
# The messages that carry the link to cancel or move (not those of a booking already cancelled).
WITH_LINK = {"booked", "waiting", "promoted", "moved", "reminder", "stop_moved"}
# An error is kept on the message's row, bounded.
ERROR_LENGTH = 500
# A provider outage: the SMS is tried again after each of these delays, then marked failed.
RETRY_DELAYS = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=15),
    datetime.timedelta(hours=1),
)
TOO_LATE = "Trop tard : le rendez-vous ou l'atelier avait commencé ; message non envoyé."


def booking_kind(booking) -> str:
    return "appointment" if isinstance(booking, Appointment) else "registration"


def load_booking(kind: str, pk: int):
    """The booking with everything its messages say, or None (deleted meanwhile)."""
    if kind == "appointment":
        related = ["operator", "person", "opening__stop__site", "opening__partner"]
        return Appointment.objects.select_related(*related).filter(pk=pk).first()
    related = ["operator", "person", "workshop__stop__site"]
    return Registration.objects.select_related(*related).filter(pk=pk).first()


def message_name(event: str, booking) -> str:
    """The message an event makes for this booking (its subject, template and SMS)."""
    if event in ("appointment_booked", "registration_booked"):
        return "waiting" if booking.status == RegistrationStatus.WAITING else "booked"
    if event in ("appointment_cancelled", "registration_cancelled"):
        # An appointment cancelled by someone of the team records who; by its link, nobody. A
        # seat goes with its workshop when the team cancels the workshop.
        if isinstance(booking, Registration):
            by_team = booking.workshop.cancelled_at is not None
        else:
            by_team = booking.status_changed_by_id is not None
        return "cancelled_by_team" if by_team else "cancelled"
    return {
        "appointment_moved": "moved",
        "registration_promoted": "promoted",
        REMINDER: "reminder",
        STOP_CANCELLED: "stop_cancelled",
        STOP_MOVED: "stop_moved",
    }[event]


def _secret_digest(booking) -> str:
    """Tells one move from the next (a move changes the secret) without keeping the secret."""
    return hashlib.sha256(booking.secret.encode()).hexdigest()[:16]


def _is_cancelled(booking) -> bool:
    if isinstance(booking, Appointment):
        return booking.status == AppointmentStatus.CANCELLED
    return booking.status == RegistrationStatus.CANCELLED


def refusal(booking, channel: str, event: str, name: str) -> str:
    """Why this message cannot go on this channel ("" when it can)."""
    if name in WITH_LINK and _is_cancelled(booking):
        # Cancelled after the task was queued (a slow worker): no reminder or confirmation of
        # what no longer holds.
        return "Réservation annulée entre-temps."
    if booking.contact_erased_at is not None:
        return "Coordonnées effacées."
    if not booking.contact_consent:
        return "La personne n'a pas accepté d'être contactée."
    if channel == MessageChannel.EMAIL and not booking.email:
        return "Pas d'adresse électronique."
    if channel == MessageChannel.SMS and not can_receive_sms(booking.phone):
        return "Pas de numéro de mobile."
    if (
        event == REMINDER
        and booking.person_id
        and not booking.person.has_consent(ConsentPurpose.REMINDERS)
    ):
        return "La personne suivie n'a pas donné son accord pour les rappels."
    return ""


def _claim(booking, *, kind: str, event: str, name: str, channel: str, discriminator: str, now):
    """The message's row when this call may send it, else None (sent or being sent already,
    or nothing to send on this channel)."""
    refused = refusal(booking, channel, event, name)
    is_sms = channel == MessageChannel.SMS
    row, _ = BookingMessage.objects.get_or_create(
        booking_kind=kind,
        booking_id=booking.pk,
        event=event,
        channel=channel,
        discriminator=discriminator,
        defaults={
            "operator_id": booking.operator_id,
            "status": MessageStatus.SKIPPED if refused else MessageStatus.PENDING,
            "error": refused,
            "created_at": now,
            "delivery_status": DeliveryStatus.QUEUED if is_sms and not refused else "",
        },
    )
    # A message waiting for its next attempt is not taken before its moment.
    claimed = (
        BookingMessage.objects.filter(pk=row.pk, status=MessageStatus.PENDING)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .update(status=MessageStatus.SENDING, claimed_at=now)
    )
    if not claimed:
        return None
    row.refresh_from_db(fields=["attempts"])
    return row


def message_context(booking, name: str) -> dict:
    operator = booking.operator
    if isinstance(booking, Appointment):
        stop = booking.opening.stop
        partner = booking.opening.partner
        what = f"rendez-vous avec {partner.name}" if partner else "rendez-vous avec l'équipe du bus"
        end = booking.end_time
    else:
        stop = booking.workshop.stop
        what = f"atelier « {booking.workshop.title} »"
        end = booking.workshop.end_time
    start = booking_start(booking)
    first_name = booking.first_name or (booking.person.first_name if booking.person_id else "")
    is_workshop = isinstance(booking, Registration)
    return {
        "name": name,
        "kind": WORKSHOP if is_workshop else APPOINTMENT,
        "first_name": first_name,
        "greeting": greeting(first_name),
        "operator_name": operator.name,
        "operator_phone": operator.phone,
        "day": day_words(stop.date),
        "date": short_date(stop.date),
        "time": hour_words(start.time()),
        "end_time": hour_words(end),
        "site_name": stop.site.name,
        "site_address": stop.site.full_address,
        "what": what,
        "is_workshop": is_workshop,
        "calendar_name": "atelier.ics" if is_workshop else "rendez-vous.ics",
        "cancel_reason": stop.get_cancel_reason_display() if stop.cancel_reason else "",
        "link": booking_url(booking) if name in WITH_LINK else "",
        "short_link": booking_short_url(booking) if name in WITH_LINK else "",
    }


def sms_text(context: dict) -> str:
    """The SMS: the bus, the day, the hour, the place, the link; never a partner or a theme."""
    phone = f" Infos : {context['operator_phone']}" if context["operator_phone"] else ""
    text = SMS[context["kind"]][context["name"]].format(
        bus=bus_words(context["operator_name"]),
        date=context["date"],
        time=context["time"],
        site=context["site_name"],
        link=context["short_link"],
        phone=phone,
    )
    return in_gsm7(text)


def email_message(booking, context: dict, now: datetime.datetime) -> EmailMessage:
    name = context["name"]
    subject = " ".join(SUBJECTS[context["kind"]][name].format(day=context["day"]).split())
    body = render_to_string(f"bookings/email/{context['kind']}/{name}.txt", context)
    operator = booking.operator
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[booking.email],
        # An answer goes to the bus team, not to the no-reply sender.
        reply_to=[operator.email] if operator.email else None,
    )
    method = CALENDAR_METHOD.get(name)
    if method:
        location = ", ".join(
            part for part in [context["site_name"], context["site_address"]] if part
        )
        what = context["what"]
        calendar = booking_calendar(
            booking,
            method=method,
            summary=f"{what[:1].upper()}{what[1:]} — bus de {context['operator_name']}",
            location=location,
            sequence=_calendar_sequence(booking),
            now=now,
        )
        message.attach(context["calendar_name"], calendar, "text/calendar")
    return message


def _calendar_sequence(booking) -> int:
    """Grows with each e-mail of the booking (iTIP: an update or a cancellation must carry a
    higher SEQUENCE than what the calendar holds): the e-mails recorded before this one (not
    those never sent: skipped, or expired)."""
    return (
        BookingMessage.objects.filter(
            booking_kind=booking_kind(booking),
            booking_id=booking.pk,
            channel=MessageChannel.EMAIL,
        )
        .exclude(status__in=[MessageStatus.SKIPPED, MessageStatus.EXPIRED])
        .count()
        - 1
    )


def _deliver(channel: str, booking, context: dict, now: datetime.datetime) -> str:
    """Send on `channel`; the provider's id of an SMS ("" for an e-mail)."""
    if channel == MessageChannel.EMAIL:
        mailers.default.send_messages([email_message(booking, context, now)])
        return ""
    return sms.send(booking.phone, sms_text(context))


def message_deadline(booking) -> datetime.datetime:
    """The moment after which no message about this booking leaves: its start."""
    return booking_start(booking)


def _failed(channel: str, error: Exception) -> dict:
    return {
        "status": MessageStatus.FAILED,
        "error": (str(error) or type(error).__name__)[:ERROR_LENGTH],
        "retry_at": None,
        "delivery_status": DeliveryStatus.FAILED if channel == MessageChannel.SMS else "",
    }


def _retried(row, booking, error: sms.SmsUnavailable, now: datetime.datetime) -> dict:
    """The row after a provider outage: pending until its next attempt, or failed after the
    last one."""
    attempts = row.attempts + 1
    if attempts > len(RETRY_DELAYS):
        outcome = _failed(row.channel, error)
        outcome["error"] = f"{outcome['error']} (après {attempts} essais)"[:ERROR_LENGTH]
        return {**outcome, "attempts": attempts}
    retry_at = now + RETRY_DELAYS[attempts - 1]
    local = retry_at.astimezone(operator_zone(booking.operator))
    return {
        "status": MessageStatus.PENDING,
        "attempts": attempts,
        "retry_at": retry_at,
        "error": f"{error} — nouvel essai à {local:%H:%M} (essai {attempts + 1} sur "
        f"{len(RETRY_DELAYS) + 1}).",
        "delivery_status": DeliveryStatus.QUEUED,
    }


def _outcome(row, booking, context: dict, *, event: str, name: str, now) -> dict:
    """Send the claimed message, or say why not; the row's new fields."""
    channel = row.channel
    is_sms = channel == MessageChannel.SMS
    refused = refusal(booking, channel, event, name)
    if refused:  # changed since the row was written (a retry after a cancellation)
        return {
            "status": MessageStatus.SKIPPED,
            "error": refused,
            "retry_at": None,
            "delivery_status": "",
        }
    if now >= message_deadline(booking):
        return {
            "status": MessageStatus.EXPIRED,
            "error": TOO_LATE,
            "retry_at": None,
            "delivery_status": DeliveryStatus.EXPIRED if is_sms else "",
            "delivery_at": now if is_sms else None,
        }
    try:
        provider_message_id = _deliver(channel, booking, context, now)
    except sms.SmsUnavailable as error:
        return _retried(row, booking, error, now)
    except Exception as error:  # any failure of the mail server or the SMS provider
        return _failed(channel, error)
    sent_at = timezone.now()
    outcome = {"status": MessageStatus.SENT, "sent_at": sent_at, "retry_at": None, "error": ""}
    if is_sms:
        outcome |= {
            "provider_message_id": provider_message_id or "",
            "delivery_status": DeliveryStatus.SENT,
            "delivery_at": sent_at,
        }
    return outcome


def _retry_schedule(*, kind: str, booking_id: int, event: str, discriminator: str, at) -> None:
    """Queue the next attempt for its moment where the task backend defers (else the sweep
    `messages_retry_due` queues it)."""
    from .tasks import send_booking_messages

    if send_booking_messages.get_backend().supports_defer:
        send_booking_messages.using(run_after=at).enqueue(kind, booking_id, event, discriminator)


def booking_messages_send(
    *,
    kind: str,
    booking_id: int,
    event: str,
    discriminator: str = "",
    now: datetime.datetime | None = None,
) -> dict[str, str]:
    """Send the messages of `event` for one booking, each at most once; returns the status of
    the messages this call handled, by channel ({} when all were handled before)."""
    now = now or timezone.now()
    booking = load_booking(kind, booking_id)
    if booking is None:
        return {}
    if event == "appointment_moved" and not discriminator:
        discriminator = _secret_digest(booking)
    name = message_name(event, booking)
    done = {}
    with translation.override("fr"):
        context = message_context(booking, name)
        for channel in MessageChannel.values:
            row = _claim(
                booking,
                kind=kind,
                event=event,
                name=name,
                channel=channel,
                discriminator=discriminator,
                now=now,
            )
            if row is None:
                continue
            outcome = _outcome(row, booking, context, event=event, name=name, now=now)
            BookingMessage.objects.filter(pk=row.pk).update(**outcome)
            done[channel] = outcome["status"]
            if outcome["status"] == MessageStatus.PENDING:
                _retry_schedule(
                    kind=kind,
                    booking_id=booking_id,
                    event=event,
                    discriminator=discriminator,
                    at=outcome["retry_at"],
                )
    return done


# --- Reminders -------------------------------------------------------------------------------


def _without_reminder(queryset, kind: str, date: datetime.date):
    told = BookingMessage.objects.filter(
        booking_kind=kind,
        booking_id=OuterRef("pk"),
        event=REMINDER,
        discriminator=date.isoformat(),
    )
    return queryset.filter(~Exists(told))


def reminders_due(now: datetime.datetime) -> list[tuple[str, int, str]]:
    """(kind, id, date) of the bookings to remind now: in each structure whose local time has
    passed its reminder hour, the booked appointments and registered seats of tomorrow's held
    stops not reminded yet."""
    due = []
    for operator in Operator.objects.order_by("pk"):
        local = now.astimezone(operator_zone(operator))
        if local.time() < operator.reminder_time:
            continue
        tomorrow = local.date() + datetime.timedelta(days=1)
        appointments = Appointment.objects.filter(
            operator=operator,
            status=AppointmentStatus.BOOKED,
            opening__stop__date=tomorrow,
            opening__stop__status=StopStatus.HELD,
        )
        registrations = Registration.objects.filter(
            operator=operator,
            status=RegistrationStatus.REGISTERED,
            workshop__stop__date=tomorrow,
            workshop__stop__status=StopStatus.HELD,
            workshop__cancelled_at__isnull=True,
        )
        for kind, queryset in (("appointment", appointments), ("registration", registrations)):
            pks = _without_reminder(queryset, kind, tomorrow).values_list("pk", flat=True)
            due += [(kind, pk, tomorrow.isoformat()) for pk in pks.order_by("pk")]
    return due


# --- Interrupted sending ----------------------------------------------------------------------


def interrupted_messages_fail(*, before: datetime.datetime, reason: str) -> int:
    """Mark failed the messages claimed before `before` and still `sending`: their task was
    interrupted (allervers/worker/recovery.py). They are not sent again (at most once); the
    team sees them failed, with the reason. How many."""
    return BookingMessage.objects.filter(
        status=MessageStatus.SENDING, claimed_at__lt=before
    ).update(
        status=MessageStatus.FAILED,
        error=reason[:ERROR_LENGTH],
        delivery_status=Case(
            When(channel=MessageChannel.SMS, then=Value(DeliveryStatus.FAILED)), default=Value("")
        ),
    )


# --- Attempts after a provider outage ---------------------------------------------------------


def messages_retry_due(now: datetime.datetime) -> list[tuple[str, int, str, str]]:
    """(kind, booking id, event, discriminator) of the messages waiting for an attempt due by
    `now` (after a provider outage): queued again by `manage.py send_booking_reminders`, in
    case the deferred task was lost; the claim keeps each sent once."""
    return list(
        BookingMessage.objects.filter(status=MessageStatus.PENDING, retry_at__lte=now)
        .order_by("booking_kind", "booking_id", "event", "discriminator")
        .values_list("booking_kind", "booking_id", "event", "discriminator")
        .distinct()
    )
