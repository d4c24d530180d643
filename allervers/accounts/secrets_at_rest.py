"""Secrets encrypted at rest: the authenticator applications' TOTP secrets (`AuthenticatorDevice`).

A secret must be read back to check a code, so it is encrypted, not hashed: Fernet (AES-128-CBC
and HMAC-SHA256, from the maintained `cryptography` package; no cryptography written here). The
keys come from the environment (docs/deployment.md, "Secrets at rest"):
- `ALLERVERS_FIELD_ENCRYPTION_KEY`, the current key: it encrypts, and decrypts;
- `ALLERVERS_FIELD_ENCRYPTION_KEY_FALLBACKS`, previous keys: they only decrypt, until
  `manage.py second_factor_reencrypt` has rewritten every secret under the current key.
Without a dedicated key, the keys are derived from `SECRET_KEY` and `SECRET_KEY_FALLBACKS`
(`check --deploy` warns: accounts.W004). Each configured string, whatever its form, becomes a
Fernet key through HKDF-SHA256 with a fixed context, so no key is ever used for two purposes.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HKDF_CONTEXT = b"allervers.accounts.secrets_at_rest.v1"
SECRET_UNREADABLE = (
    "Le serveur ne peut pas relire la clé de votre application d'authentification (sa clé de "
    "chiffrement a changé). Utilisez l'un de vos codes de secours, ou demandez à l'équipe de la "
    "plateforme de rétablir la clé ; un coordinateur de votre structure peut aussi réinitialiser "
    "votre double authentification."
)


class SecretUnreadable(Exception):
    """A stored secret that none of the configured keys decrypts (a wrong or lost key, or an
    altered value). Carries no secret and no key."""


def configured_keys() -> list[str]:
    """The configured key strings, the current one first."""
    current = getattr(settings, "ALLERVERS_FIELD_ENCRYPTION_KEY", "")
    if current:
        return [current, *getattr(settings, "ALLERVERS_FIELD_ENCRYPTION_KEY_FALLBACKS", [])]
    return [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_derived_key(key)) for key in keys])


def _derived_key(key: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_CONTEXT).derive(
        key.encode()
    )
    return base64.urlsafe_b64encode(derived)


def encryptor() -> MultiFernet:
    """The keys as configured now: the first encrypts, every one decrypts."""
    return _fernet(tuple(configured_keys()))


def secret_encrypt(secret: bytes) -> str:
    """The stored form of `secret`: a Fernet token under the current key."""
    if not isinstance(secret, bytes) or not secret:
        raise ValueError("A secret to encrypt is a non-empty bytes value.")
    return encryptor().encrypt(secret).decode("ascii")


def secret_decrypt(stored: str) -> bytes:
    """The secret back from its stored form; SecretUnreadable when no configured key opens it."""
    try:
        return encryptor().decrypt(stored.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError, AttributeError) as error:
        raise SecretUnreadable("No configured key decrypts this stored secret.") from error


def secret_reencrypt(stored: str) -> str:
    """The same secret encrypted under the current key (the secret itself is never returned);
    SecretUnreadable when no configured key opens it."""
    try:
        return encryptor().rotate(stored.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError, AttributeError) as error:
        raise SecretUnreadable("No configured key decrypts this stored secret.") from error
