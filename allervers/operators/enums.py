from django.db import models


class SchoolZone(models.TextChoices):
    """The school-holiday zones of mainland France (planning/calendars.py knows their dates)."""

    A = "A", "Zone A"
    B = "B", "Zone B"
    C = "C", "Zone C"
