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


class AdultSituation(models.TextChoices):
    EMPLOYED = "employed", "En emploi"
    JOB_SEEKER = "job_seeker", "Demandeur d'emploi"
    STUDENT = "student", "Étudiant"
    RETIRED = "retired", "Retraité"
    DISABLED = "disabled", "En situation de handicap"
    INACTIVE = "inactive", "Sans activité"


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
