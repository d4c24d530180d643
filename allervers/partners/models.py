from django.db import models

from allervers.operators.tenancy import OperatorOwnedQuerySet

from .enums import Network


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
    email = models.EmailField("adresse électronique", blank=True)
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
