"""The one-time token of a create form, kept in the database so every worker process sees it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SubmissionToken(models.Model):
    """One submission of a create form by one user (or by an anonymous resident: `user` empty,
    the public booking forms).

    Created before the view runs (the unique constraint makes the first request the only one
    that runs it); `result_url` is where the first successful submission redirected to, empty
    while it is in progress.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token = models.UUIDField()
    result_url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="submission_token_unique"),
            # Anonymous tokens share one space: a token is a random UUID only its page knew.
            models.UniqueConstraint(
                fields=["token"],
                condition=models.Q(user__isnull=True),
                name="submission_token_unique_anonymous",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="submission_token_created")]

    def __str__(self) -> str:
        return f"{self.token} ({self.result_url or 'en cours'})"
