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
    COLLEGE_GRANT = "college_grant", "Bourse de collège"
    LYCEE_GRANT = "lycee_grant", "Bourse de lycée"
    CHRISTMAS_BONUS = "christmas_bonus", "Prime de Noël"


class AmountBand(models.TextChoices):
    """The rounded monthly amount a detached right keeps (docs/privacy.md): its band, never its
    amount. `BAND_VALUES` gives what the figures count for each."""

    UNDER_100 = "lt100", "moins de 100 €"
    FROM_100 = "100-299", "de 100 à 299 €"
    FROM_300 = "300-599", "de 300 à 599 €"
    FROM_600 = "600+", "600 € ou plus"


# (band, its lower bound in euros), from the highest.
BAND_FLOORS = (
    (AmountBand.FROM_600, 600),
    (AmountBand.FROM_300, 300),
    (AmountBand.FROM_100, 100),
    (AmountBand.UNDER_100, 0),
)
# What a detached right counts for in the amounts of the figures (docs/indicators.md): the
# middle of its band, the band's floor for « 600 € ou plus ».
BAND_VALUES = {
    AmountBand.UNDER_100: 50,
    AmountBand.FROM_100: 200,
    AmountBand.FROM_300: 450,
    AmountBand.FROM_600: 600,
}


def amount_band(amount) -> str:
    """The band of a monthly amount in euros; "" for no amount."""
    if amount is None:
        return ""
    return next(band for band, floor in BAND_FLOORS if amount >= floor)


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


class SendChannel(models.TextChoices):
    """How « Vos droits estimés » is sent to the person: a link in an e-mail or in an SMS."""

    EMAIL = "email", "Courriel"
    SMS = "sms", "SMS"


# « par courriel », « par SMS »: how a sentence names the channel.
CHANNEL_WORDS = {SendChannel.EMAIL: "courriel", SendChannel.SMS: "SMS"}
