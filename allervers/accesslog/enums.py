from django.db import models


class Action(models.TextChoices):
    """What an access-log entry records. Never the values read or written: only which object."""

    # A person's data
    PERSON_VIEWED = "person_viewed", "Consultation d'une fiche personne"
    PERSON_CREATED = "person_created", "Création d'une fiche personne"
    PERSON_CHANGED = "person_changed", "Modification d'une fiche personne"
    PERSON_EXPORTED = "person_exported", "Export des données d'une personne"
    PERSON_ERASED = "person_erased", "Effacement d'une personne à sa demande"
    PERSON_ANONYMISED = "person_anonymised", "Anonymisation après la durée de conservation"
    ERASURE_REQUESTED = "erasure_requested", "Demande d'effacement d'une personne"
    ERASURE_REFUSED = "erasure_refused", "Refus d'une demande d'effacement"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Retrait d'un consentement"
    # Visits and referrals (they hold a person's situation and requests)
    VISIT_CREATED = "visit_created", "Enregistrement d'une visite"
    VISIT_CHANGED = "visit_changed", "Modification d'une visite"
    REFERRAL_CREATED = "referral_created", "Orientation proposée"
    REFERRAL_CHANGED = "referral_changed", "Orientation modifiée"
    # « Prévenez-moi »: a resident subscribed by an agent at the bus door (never the number)
    ALERT_SUBSCRIBED = "alert_subscribed", "Inscription aux alertes par un agent"
    # Files holding personal data
    EXPORT_DOWNLOADED = "export_downloaded", "Téléchargement d'un export nominatif"
    IMPORT_CONFIRMED = "import_confirmed", "Import de visites"
    # Accounts and rights
    MEMBERSHIP_CREATED = "membership_created", "Ajout d'un membre"
    MEMBERSHIP_CHANGED = "membership_changed", "Modification d'un membre"
    MEMBERSHIP_ENDED = "membership_ended", "Retrait d'un accès"
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", "Activation de la double authentification"
    SECOND_FACTOR_RESET = "second_factor_reset", "Réinitialisation de la double authentification"
    # The log itself
    LOG_PURGED = "log_purged", "Purge des entrées anciennes du journal"
