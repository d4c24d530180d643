"""The closed lists of the reception log.

Every question a visit answers has an explicit "non renseigné" value (`UNKNOWN`), never NULL and
never an empty string: the reports count unknown answers instead of silently dropping them.
"""

from django.db import models

UNKNOWN_LABEL = "Non renseigné"


class Gender(models.TextChoices):
    FEMALE = "female", "Femme"
    MALE = "male", "Homme"
    OTHER = "other", "Autre"
    UNKNOWN = "unknown", UNKNOWN_LABEL


class AgeBand(models.TextChoices):
    UNDER_26 = "under_26", "Moins de 26 ans"
    FROM_26_TO_49 = "26_49", "26 à 49 ans"
    FROM_50_TO_64 = "50_64", "50 à 64 ans"
    FROM_65 = "65_plus", "65 ans et plus"
    UNKNOWN = "unknown", UNKNOWN_LABEL


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Oui"
    NO = "no", "Non"
    UNKNOWN = "unknown", UNKNOWN_LABEL


class Situation(models.TextChoices):
    JOB_SEEKER = "job_seeker", "Demandeur d'emploi"
    RSA = "rsa", "Bénéficiaire du RSA"
    EMPLOYED = "employed", "Salarié"
    RETIRED = "retired", "Retraité"
    STUDENT = "student", "Étudiant ou en formation"
    INACTIVE = "inactive", "Sans activité"
    OTHER = "other", "Autre"
    UNKNOWN = "unknown", UNKNOWN_LABEL


class VisitMode(models.TextChoices):
    WALK_IN = "walk_in", "Sans rendez-vous"
    APPOINTMENT = "appointment", "Sur rendez-vous"
    UNKNOWN = "unknown", UNKNOWN_LABEL


class HeardFrom(models.TextChoices):
    WORD_OF_MOUTH = "word_of_mouth", "Bouche-à-oreille"
    FLYER = "flyer", "Flyer"
    CITY_WEBSITE = "city_website", "Site de la ville"
    SOCIAL_NETWORKS = "social_networks", "Réseaux sociaux"
    PARTNER = "partner", "Un partenaire"
    PASSING_BY = "passing_by", "En passant devant le bus"
    OTHER = "other", "Autre"
    UNKNOWN = "unknown", UNKNOWN_LABEL


class CyberPurpose(models.TextChoices):
    """What the cyber-atelier was used for; empty when it was not used."""

    ONLINE_PROCEDURE = "online_procedure", "Démarche en ligne"
    JOB_SEARCH = "job_search", "Recherche d'emploi, CV"
    PRINT_SCAN = "print_scan", "Impression ou numérisation"
    EMAIL = "email", "Messagerie, compte en ligne"
    LEARNING = "learning", "Apprendre à se servir d'un ordinateur"
    OTHER = "other", "Autre"
    UNKNOWN = "unknown", UNKNOWN_LABEL


class Outcome(models.TextChoices):
    INFORMATION = "information", "Information donnée"
    DONE_ON_SITE = "done_on_site", "Démarche réalisée sur place"
    REFERRAL = "referral", "Orientation vers un partenaire"
    APPOINTMENT = "appointment", "Rendez-vous pris"
    FOLLOW_UP = "follow_up", "Suivi à prévoir"
    UNKNOWN = "unknown", UNKNOWN_LABEL


class VisitSource(models.TextChoices):
    ENTERED = "entered", "Saisie au bus"
    IMPORTED = "imported", "Import d'un fichier"


class VisitChangeKind(models.TextChoices):
    CREATED = "created", "Enregistrement"
    FINISHED = "finished", "Fin de la visite"
    CORRECTED = "corrected", "Correction"
    IMPORTED = "imported", "Import"
    PERSON_LINKED = "person_linked", "Rattachement à une personne"


class ConsentPurpose(models.TextChoices):
    FOLLOW_UP = "follow_up", "Suivi de ses démarches par l'équipe du bus"
    REFERRAL = "referral", "Suivi de ses orientations vers les partenaires"
    REMINDERS = "reminders", "Rappels de rendez-vous"


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposée"
    SENT = "sent", "Transmise"
    TAKEN_UP = "taken_up", "Prise en charge"
    DROPPED = "dropped", "Abandonnée"


OPEN_REFERRAL_STATUSES = (ReferralStatus.PROPOSED, ReferralStatus.SENT)

# Which status may follow which: proposée → transmise → prise en charge, or abandonnée.
REFERRAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReferralStatus.PROPOSED: (ReferralStatus.SENT, ReferralStatus.TAKEN_UP, ReferralStatus.DROPPED),
    ReferralStatus.SENT: (ReferralStatus.TAKEN_UP, ReferralStatus.DROPPED),
    ReferralStatus.TAKEN_UP: (),
    ReferralStatus.DROPPED: (),
}


class ErasureDecision(models.TextChoices):
    PENDING = "pending", "En attente"
    CONFIRMED = "confirmed", "Confirmée"
    REFUSED = "refused", "Refusée"
