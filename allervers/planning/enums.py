from django.db import models


class SpaceKind(models.TextChoices):
    OFFICE = "office", "Bureau"
    CYBER = "cyber", "Cyber@atelier"
    WAITING = "waiting", "Espace d'accueil"
    OTHER = "other", "Autre"


# The places of a vehicle's space when none is recorded: the office's (appointments received at
# once) and the cyber@atelier's (a workshop's default seats).
DEFAULT_OFFICE_CAPACITY = 4
DEFAULT_CYBER_CAPACITY = 8


class StopStatus(models.TextChoices):
    HELD = "held", "Maintenue"
    CANCELLED = "cancelled", "Annulée"


class StopEventKind(models.TextChoices):
    CANCELLED = "cancelled", "Annulée"
    RESTORED = "restored", "Rétablie"
    MOVED = "moved", "Déplacée ou horaires changés"


class CancelReason(models.TextChoices):
    BREAKDOWN = "breakdown", "Panne du bus"
    WEATHER = "weather", "Météo"
    STAFF_ABSENCE = "staff_absence", "Absence de personnel"
    OTHER = "other", "Autre raison"


class DutyRole(models.TextChoices):
    RECEPTION = "reception", "Accueil et orientation"
    CYBER = "cyber", "Animation du cyber@atelier"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "lundi"
    TUESDAY = 1, "mardi"
    WEDNESDAY = 2, "mercredi"
    THURSDAY = 3, "jeudi"
    FRIDAY = 4, "vendredi"
    SATURDAY = 5, "samedi"
    SUNDAY = 6, "dimanche"
