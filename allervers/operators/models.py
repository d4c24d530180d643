import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from allervers.core.communes import INSEE_CODE_REGEX, validate_insee_code
from allervers.core.roles import Role, role_rules

from .enums import SchoolZone

# First path segments taken by the application: an operator's public page lives at /<slug>/, so
# these can never be slugs. tests/operators/test_operator_slug.py checks the list against the URLs.
RESERVED_SLUGS = frozenset(
    {
        "accessibilite",
        "accueil",
        "admin-plateforme",
        "alertes",
        "api",
        "bilan",
        "compte",
        "droits",
        "gestion",
        "media",
        "planning",
        "reservation",
        "static",
        "structure",
    }
)


def validate_operator_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            "Cet identifiant est réservé par l'application : choisissez-en un autre."
        )


validate_siret = RegexValidator(
    r"^\d{14}\Z", "Le numéro SIRET compte 14 chiffres, sans espace ni point."
)


class Operator(models.Model):
    """The tenant: the structure that runs the mobile service."""

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField(
        "identifiant d'adresse",
        max_length=80,
        unique=True,
        validators=[validate_operator_slug],
        help_text="La page publique sera à l'adresse /identifiant/.",
    )
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    address = models.TextField("adresse", blank=True)
    time_zone = models.CharField("fuseau horaire", max_length=64, default="Europe/Paris")
    neighbourhood_name = models.CharField("nom du quartier", max_length=200, blank=True)
    neighbourhood_streets = models.TextField(
        "rues du quartier", blank=True, help_text="Une rue par ligne, pour aider l'agent."
    )
    website = models.URLField("site internet", blank=True)
    school_zone = models.CharField(
        "zone de vacances scolaires",
        max_length=1,
        choices=SchoolZone.choices,
        default=SchoolZone.B,
        help_text="Les nouveaux plannings types partent de cette zone.",
    )
    public_intro = models.TextField(
        "présentation sur la page publique",
        blank=True,
        help_text="Quelques phrases simples en haut de la page publique. Vide : un texte "
        "général est affiché.",
    )
    public_access_note = models.TextField(
        "accessibilité et contact (page publique)",
        blank=True,
        help_text="Par exemple : « Besoin d'aide pour venir ? Appelez-nous, nous vous rappelons. »",
    )
    widget_allowed_origins = models.TextField(
        "sites autorisés à afficher le widget",
        blank=True,
        help_text="Une adresse par ligne, par exemple https://www.ville-barlin.fr",
    )
    referral_overdue_days = models.PositiveSmallIntegerField(
        "délai de prise en charge d'une orientation (jours)", default=30
    )
    reminder_time = models.TimeField(
        "heure des rappels de rendez-vous",
        default=datetime.time(17, 0),
        help_text="La veille d'un rendez-vous ou d'un atelier, le rappel part à cette heure.",
    )
    siret = models.CharField(
        "numéro SIRET",
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text="14 chiffres (annuaire-entreprises.data.gouv.fr). Il identifie la structure "
        "dans les données ouvertes.",
    )
    insee_code = models.CharField(
        "code INSEE",
        max_length=5,
        blank=True,
        validators=[validate_insee_code],
        help_text="Le code officiel de la commune : 5 caractères, par exemple 62083 pour Barlin "
        "(ce n'est pas le code postal). "
        "Les données ouvertes le donnent aux lieux de stationnement qui n'ont pas le leur.",
    )
    agents_may_erase = models.BooleanField(
        "les agents peuvent effacer une personne sans confirmation",
        default=False,
        help_text="Décoché : un agent demande l'effacement et la coordination le confirme.",
    )
    # A partner's people declare the weekly patterns they come with
    # (`planning.services.rota_line_declare`): kept until a coordinator accepts each declaration
    # when set, applied at once otherwise; the coordinators are told in both cases.
    partner_rota_needs_approval = models.BooleanField(
        "les présences régulières déclarées par les partenaires attendent l'accord de la "
        "coordination",
        default=True,
        help_text="Décoché : la présence qu'un partenaire déclare est inscrite aussitôt sur les "
        "permanences à venir du rythme. Dans les deux cas, la coordination est prévenue.",
    )
    # Set by `load_demo` only: the demo replaces an operator so marked, never another one.
    is_demo = models.BooleanField("structure de démonstration", default=False, editable=False)
    # When a coordinator first opened the public page from the back office (first steps).
    public_page_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Changes at every save: the public pages' cache keys hold it (allervers/public/cache.py).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "structure porteuse"
        verbose_name_plural = "structures porteuses"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(slug__in=sorted(RESERVED_SLUGS)), name="operator_slug_not_reserved"
            ),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siret__regex=r"^[0-9]{14}$"),
                name="operator_siret_14_digits",
            ),
            models.CheckConstraint(
                condition=Q(insee_code="") | Q(insee_code__regex=INSEE_CODE_REGEX),
                name="operator_insee_code_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user) -> "MembershipQuerySet":
        return self.filter(user=user, is_active=True).select_related("operator", "partner")


class Membership(models.Model):
    """A user's role inside one operator. A partner user is linked to its partner organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    operator = models.ForeignKey(Operator, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="organisation partenaire",
    )
    is_active = models.BooleanField("actif", default=True)
    # An account that already existed when it was added (it belongs to another structure, or is
    # platform staff) is only invited: no access (`is_active` stays false) until its owner
    # accepts, once logged in (issue 23). `declined_at`: the owner said no.
    awaiting_acceptance = models.BooleanField("invitation en attente", default=False)
    declined_at = models.DateTimeField("invitation refusée le", null=True, blank=True)
    # The invitation e-mail: when it was last asked for (the service), and what became of it
    # (written by the task that sends it, never before it is sent).
    invitation_requested_at = models.DateTimeField(
        "invitation demandée le", null=True, blank=True, editable=False
    )
    invitation_sent_at = models.DateTimeField(
        "invitation envoyée le", null=True, blank=True, editable=False
    )
    invitation_error = models.CharField(
        "raison de l'échec de l'invitation", max_length=200, blank=True, editable=False
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "rôle d'un utilisateur"
        verbose_name_plural = "rôles des utilisateurs"
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "user"], name="membership_one_per_user_and_operator"
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.PARTNER) & Q(partner__isnull=False))
                | (~Q(role=Role.PARTNER) & Q(partner__isnull=True)),
                name="membership_partner_iff_partner_role",
            ),
            # A membership waiting for its owner's answer gives no access.
            models.CheckConstraint(
                condition=Q(awaiting_acceptance=False) | Q(is_active=False),
                name="membership_awaiting_acceptance_inactive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.operator})"

    @property
    def role_rules(self) -> dict[str, bool]:
        """What this membership's role allows, as templates ask it (core/roles.py, ROLE_RULES)."""
        return role_rules(self.role)

    # What the team page and the platform admin show (the user is loaded with the membership).

    @property
    def state(self) -> str:
        """Invited, waiting for an answer, active (never logged in), withdrawn, declined."""
        if self.awaiting_acceptance:
            return "Invitation en attente"
        if not self.is_active:
            return "Invitation refusée" if self.declined_at else "Retiré"
        if not self.user.has_usable_password():
            return "Invité, mot de passe pas encore choisi"
        if self.user.last_login is None:
            return "Actif, jamais connecté"
        return "Actif"

    @property
    def invitation_resendable(self) -> bool:
        """Worth sending again: it waits for an answer, or the account has no password yet."""
        if self.awaiting_acceptance:
            return True
        return self.is_active and not self.user.has_usable_password()

    @property
    def invitation_pending_send(self) -> bool:
        """Asked for, not sent yet, not failed: the task has not run."""
        return (
            self.invitation_requested_at is not None
            and not self.invitation_error
            and (
                self.invitation_sent_at is None
                or self.invitation_sent_at < self.invitation_requested_at
            )
        )

    @property
    def invitation_link_expires_at(self) -> datetime.datetime | None:
        """When the last link to choose a password stops working (None: no such link)."""
        if self.invitation_sent_at is None or self.user.has_usable_password():
            return None
        return self.invitation_sent_at + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)

    @property
    def invitation_link_expired(self) -> bool:
        expires = self.invitation_link_expires_at
        return expires is not None and expires <= timezone.now()
