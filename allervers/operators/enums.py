from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordination"
    AGENT = "agent", "Agent"
    PARTNER = "partner", "Partenaire"
    VIEWER = "viewer", "Financeur / élu (lecture des chiffres)"


STAFF_ROLES = frozenset({Role.COORDINATOR, Role.AGENT})
ALL_ROLES = frozenset(Role)
