"""The user account: one person, logged in by e-mail address, possibly in several structures."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

EMAIL_TAKEN = "Un compte utilise déjà cette adresse électronique."


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """One spelling per address: trimmed and lower-case (addresses are used case-blind)."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, email: str):
        return self.get(email=self.normalize_email(email))

    async def aget_by_natural_key(self, email: str):
        return await self.aget(email=self.normalize_email(email))

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)  # None: no usable password until the person chooses one
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not (extra_fields["is_staff"] and extra_fields["is_superuser"]):
            raise ValueError("Un super-utilisateur a is_staff et is_superuser.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """Logs in with its e-mail address (unique whatever the case); names are for display only."""

    username = None
    email = models.EmailField(
        "adresse électronique", max_length=254, unique=True, error_messages={"unique": EMAIL_TAKEN}
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_unique_case_insensitive",
                violation_error_message=EMAIL_TAKEN,
            ),
        ]

    def save(self, *args, **kwargs):
        self.email = type(self).objects.normalize_email(self.email)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class LimitCounter(models.Model):
    """One count behind a limit (failures from an address, codes of an account, reset e-mails,
    bookings), in the database so that every worker process sees it, and so that each count is
    one atomic UPDATE (`allervers/accounts/counters.py`). The key is a keyed hash of what is
    counted: no address, e-mail or phone number is stored here."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "compteur de limite"
        verbose_name_plural = "compteurs de limite"

    def __str__(self) -> str:
        return f"{self.count} jusqu'à {self.expires_at:%Y-%m-%d %H:%M}"
