"""The access log: who read, exported or changed personal data, when, from where.

An entry never holds the values read or written (no name, no answer): only the action, the kind
and id of the object, the person it is about, and a short non-sensitive detail. Entries are
append-only: the application writes them through `services.record` and removes them only through
the purge task (`services.purge`); on PostgreSQL a trigger refuses any other UPDATE or DELETE
(see the migration and docs/privacy.md).

The operator and the user are kept as plain references without a database foreign key: deleting
a user or a structure must not rewrite or cascade into the log."""

from django.conf import settings
from django.db import models

from allervers.core.tenancy import OperatorOwnedQuerySet

from .enums import Action


class AccessLogEntryQuerySet(OperatorOwnedQuerySet):
    def about_person(self, person_id: int) -> "AccessLogEntryQuerySet":
        return self.filter(person_id=person_id)


class AccessLogEntry(models.Model):
    operator = models.ForeignKey(
        "operators.Operator",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    at = models.DateTimeField("date et heure", db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="utilisateur",
    )
    # The address at the time: the account may be renamed or deleted later.
    user_email = models.CharField("compte", max_length=254, blank=True)
    action = models.CharField("action", max_length=40, choices=Action.choices)
    target_type = models.CharField("objet", max_length=40, blank=True)
    target_id = models.BigIntegerField("identifiant de l'objet", null=True, blank=True)
    # The person the entry is about, when there is one (kept after the person is erased: the id
    # alone identifies nobody once the row is gone).
    person_id = models.BigIntegerField("personne concernée", null=True, blank=True)
    ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    detail = models.CharField("précision", max_length=200, blank=True)
    # The chain (`chain.py`): the digest of the structure's previous entry, and this entry's
    # digest of its own content and of that previous digest.
    previous_digest = models.CharField(max_length=64, blank=True, editable=False)
    digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = AccessLogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal des accès"
        verbose_name_plural = "journal des accès"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["operator", "-at"], name="accesslog_operator_at"),
            models.Index(fields=["operator", "person_id"], name="accesslog_operator_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=Action.values), name="accesslog_action_known_value"
            ),
        ]

    def __str__(self) -> str:
        who = self.user_email or "système"
        return f"{self.at:%d/%m/%Y %H:%M} {who} — {self.get_action_display()}"


class AccessLogChain(models.Model):
    """The head of one structure's chain of entries (`chain.py`): the row every writer of the
    structure's log locks, so that two entries never take the same previous digest; and the
    signed checkpoint the last purge left, where the remaining chain starts."""

    operator = models.OneToOneField(
        "operators.Operator",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    entry_count = models.BigIntegerField(default=0)
    head_entry_id = models.BigIntegerField(null=True, blank=True)
    head_digest = models.CharField(max_length=64, blank=True, editable=False)
    # `django.core.signing` of the purge's anchor (see `chain.checkpoint_write`).
    checkpoint = models.TextField(blank=True, editable=False)

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "chaîne du journal des accès"
        verbose_name_plural = "chaînes du journal des accès"

    def __str__(self) -> str:
        return f"Chaîne du journal ({self.entry_count} entrées)"
