from django.db import models


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Réservé"
    HONOURED = "honoured", "Honoré"
    EXCUSED = "excused", "Excusé"
    NO_SHOW = "no_show", "Absent sans prévenir"
    CANCELLED = "cancelled", "Annulé"


# The statuses that hold a place: a cancelled appointment frees it; an excused one or a no-show
# was still a place nobody else could take.
APPOINTMENT_HOLDS_PLACE = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.HONOURED,
    AppointmentStatus.EXCUSED,
    AppointmentStatus.NO_SHOW,
)
# What the partner records after the appointment's time.
APPOINTMENT_ATTENDANCE = (
    AppointmentStatus.HONOURED,
    AppointmentStatus.EXCUSED,
    AppointmentStatus.NO_SHOW,
)


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", "Inscrit"
    WAITING = "waiting", "Sur liste d'attente"
    CANCELLED = "cancelled", "Annulé"


class Attendance(models.TextChoices):
    UNKNOWN = "", "Non renseigné"
    PRESENT = "present", "Présent"
    ABSENT = "absent", "Absent"


class BookingSource(models.TextChoices):
    PUBLIC = "public", "En ligne"
    AGENT = "agent", "Par un agent"


class MessageChannel(models.TextChoices):
    EMAIL = "email", "Courriel"
    SMS = "sms", "SMS"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "À envoyer"
    # Claimed by a task that is sending it: never sent again (at most once), even if that task
    # died before recording the outcome.
    SENDING = "sending", "En cours d'envoi"
    SENT = "sent", "Envoyé"
    FAILED = "failed", "Échec"
    # Nothing to send on this channel (no consent, no e-mail, not a mobile...): `error` says why.
    SKIPPED = "skipped", "Non envoyé"
    # Its moment passed before it could leave (a provider outage, a worker late): never sent.
    EXPIRED = "expired", "Expiré — non envoyé"
