"""The closed lists of the screening of rights (non-recours)."""

from django.db import models


class RightKind(models.TextChoices):
    """A benefit the estimate looks at; each is described in `rights.py`."""

    RSA = "rsa", "RSA"
    PPA = "ppa", "Prime d'activité"
    HOUSING = "housing", "Aide au logement (APL, ALF, ALS)"
    CSS = "css", "Complémentaire santé solidaire"
    AF = "af", "Allocations familiales"
    CF = "cf", "Complément familial"
    ASF = "asf", "Allocation de soutien familial"
    AAH = "aah", "Allocation aux adultes handicapés (AAH)"
    ASPA = "aspa", "Minimum vieillesse (ASPA)"
    ASI = "asi", "Allocation supplémentaire d'invalidité (ASI)"
    ENERGY = "energy", "Chèque énergie"


class AdultSituation(models.TextChoices):
    EMPLOYED = "employed", "En emploi"
    JOB_SEEKER = "job_seeker", "Demandeur d'emploi"
    STUDENT = "student", "Étudiant"
    RETIRED = "retired", "Retraité"
    DISABLED = "disabled", "En situation de handicap"
    INACTIVE = "inactive", "Sans activité"


class Incapacity(models.TextChoices):
    """The incapacity rate the MDPH recognised, asked as a band (the rules need a rate)."""

    NONE = "", "Aucun taux reconnu"
    BELOW_50 = "below_50", "Moins de 50 %"
    FROM_50 = "50_79", "De 50 à 79 %"
    FROM_80 = "80_plus", "80 % ou plus"


class Housing(models.TextChoices):
    SOCIAL_TENANT = "social_tenant", "Locataire d'un logement social (HLM)"
    PRIVATE_TENANT = "private_tenant", "Locataire dans le privé"
    OWNER = "owner", "Propriétaire"
    HOSTED = "hosted", "Hébergé gratuitement (famille, amis)"


class RightOutcome(models.TextChoices):
    """What became of a right after its referral; empty while it is not known."""

    OPENED = "opened", "Droit ouvert"
    REFUSED = "refused", "Refusé"
    DROPPED = "dropped", "Abandonné"
