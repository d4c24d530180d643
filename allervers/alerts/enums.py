from django.db import models


class AlertKind(models.TextChoices):
    DAY_BEFORE = "day_before", "La veille d'un passage"
    CANCELLED = "cancelled", "Passage annulé"
    MOVED = "moved", "Passage déplacé"
    RESTORED = "restored", "Passage rétabli"
    FAREWELL = "farewell", "Fin de l'abonnement"


class AlertStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    SENDING = "sending", "En cours d'envoi"
    SENT = "sent", "Envoyé"
    DELIVERED = "delivered", "Reçu"
    FAILED = "failed", "Échec"
    EXPIRED = "expired", "Trop tard, non envoyé"
    SKIPPED = "skipped", "Non envoyé"


class SubscriptionSource(models.TextChoices):
    PUBLIC = "public", "En ligne"
    AGENT = "agent", "À la porte du bus"


class EndReason(models.TextChoices):
    LINK = "link", "Lien d'un message"
    PUBLIC = "public", "Page publique (numéro et code)"
    SMS_STOP = "sms_stop", "Réponse STOP"
    UNUSED = "unused", "Sans usage depuis 12 mois"
    NEVER_CONFIRMED = "never_confirmed", "Jamais confirmé"
