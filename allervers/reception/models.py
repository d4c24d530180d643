from django.db import models

from allervers.operators.tenancy import OperatorOwnedQuerySet


class TopicQuerySet(OperatorOwnedQuerySet):
    def active(self):
        return self.filter(is_archived=False)


class Topic(models.Model):
    """A request theme, configurable per operator."""

    operator = models.ForeignKey(
        "operators.Operator", on_delete=models.CASCADE, related_name="topics"
    )
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant", max_length=80)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    is_archived = models.BooleanField("archivé", default=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = "thématique"
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "slug"], name="topic_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name
