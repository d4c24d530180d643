from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from allervers.core.tenancy import OperatorOwnedQuerySet

from .enums import Network


def email_lines(text: str) -> list[str]:
    """The addresses of a one-per-line text, trimmed, lower-cased, without blanks or repeats."""
    return list(dict.fromkeys(line.strip().lower() for line in text.splitlines() if line.strip()))


def validate_email_lines(text: str) -> None:
    wrong = []
    for address in email_lines(text):
        try:
            validate_email(address)
        except ValidationError:
            wrong.append(address)
    if wrong:
        raise ValidationError(
            "Adresse électronique invalide : %(wrong)s. Une adresse par ligne.",
            params={"wrong": ", ".join(wrong)},
            code="invalid_email",
        )


class PartnerQuerySet(OperatorOwnedQuerySet):
    def active(self):
        return self.filter(is_archived=False)


class Partner(models.Model):
    """An organisation that holds drop-in slots in the vehicle."""

    operator = models.ForeignKey(
        "operators.Operator", on_delete=models.CASCADE, related_name="partners"
    )
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant d'adresse", max_length=80)
    description = models.TextField("présentation courte", blank=True)
    network = models.CharField("réseau", max_length=30, choices=Network.choices, blank=True)
    contact_name = models.CharField("contact", max_length=200, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    notice_emails = models.TextField(
        "adresses pour les avis de planning",
        blank=True,
        validators=[validate_email_lines],
        help_text="Une adresse par ligne : chacune reçoit les annulations et changements.",
    )
    staff_have_logins = models.BooleanField(
        "les personnes du partenaire ont un accès à Allervers", default=False
    )
    website = models.URLField("site internet", blank=True)
    is_archived = models.BooleanField("archivé", default=False)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = "partenaire"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "slug"], name="partner_unique_slug"),
            models.UniqueConstraint(fields=["operator", "name"], name="partner_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def notice_email_list(self) -> list[str]:
        return email_lines(self.notice_emails)
