from django.conf import settings
from django.db import models
from django.db.models import Q

from allervers.core.tenancy import OperatorOwnedQuerySet


class YearClosureQuerySet(OperatorOwnedQuerySet):
    def in_force(self) -> "YearClosureQuerySet":
        """Closures not reopened: the years whose published figures are frozen."""
        return self.filter(reopened_at__isnull=True)


class YearClosure(models.Model):
    """A closed year: its figures stored as they were published, who closed it and when.

    Reopening keeps the row (with who reopened it, when and why), so that the history of what was
    published stays; closing again adds a new row. At most one closure per year is in force.
    """

    operator = models.ForeignKey(
        "operators.Operator", on_delete=models.CASCADE, related_name="year_closures"
    )
    year = models.PositiveSmallIntegerField("année")
    figures = models.JSONField("chiffres enregistrés")
    closed_at = models.DateTimeField("close le")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="close par",
    )
    reopened_at = models.DateTimeField("rouverte le", null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="rouverte par",
    )
    reopen_reason = models.CharField("motif de la réouverture", max_length=300, blank=True)

    objects = YearClosureQuerySet.as_manager()

    class Meta:
        verbose_name = "année close"
        verbose_name_plural = "années closes"
        ordering = ["-year", "-closed_at"]
        indexes = [models.Index(fields=["operator", "year"], name="yearclosure_operator_year")]
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "year"],
                condition=Q(reopened_at__isnull=True),
                name="yearclosure_one_in_force_per_year",
            ),
            models.CheckConstraint(
                condition=Q(reopened_at__isnull=True) | Q(reopened_at__gte=models.F("closed_at")),
                name="yearclosure_reopened_after_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"Année {self.year} close le {self.closed_at:%d/%m/%Y}"

    @property
    def in_force(self) -> bool:
        return self.reopened_at is None


class FilterKind(models.TextChoices):
    SITE = "site", "lieu de stationnement"
    PARTNER = "partner", "partenaire"


class YearClosureFilterQuerySet(OperatorOwnedQuerySet):
    pass


class YearClosureFilter(models.Model):
    """A closed year's figures for one site or one partner, stored with the closure.

    The site or partner is kept as a plain id and name, not a foreign key: deleting or renaming it
    later must not change what was published.
    """

    operator = models.ForeignKey("operators.Operator", on_delete=models.CASCADE, related_name="+")
    closure = models.ForeignKey(
        YearClosure, on_delete=models.CASCADE, related_name="filters", verbose_name="clôture"
    )
    kind = models.CharField("filtre", max_length=10, choices=FilterKind.choices)
    subject_id = models.PositiveBigIntegerField("identifiant du lieu ou du partenaire")
    subject_name = models.CharField("nom à la clôture", max_length=200)
    figures = models.JSONField("chiffres enregistrés")

    objects = YearClosureFilterQuerySet.as_manager()

    class Meta:
        verbose_name = "chiffres filtrés d'une année close"
        verbose_name_plural = "chiffres filtrés des années closes"
        constraints = [
            models.UniqueConstraint(
                fields=["closure", "kind", "subject_id"], name="yearclosurefilter_one_per_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.closure} — {self.get_kind_display()} {self.subject_name}"
