"""Settings for `make demo` and local development: never in production."""

import os

os.environ.setdefault("ALLERVERS_SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
os.environ.setdefault("ALLERVERS_ALLOWED_HOSTS", "127.0.0.1,localhost")

from .base import *  # noqa: F403

DEBUG = True
# The demo service: development and tests only (base.py, the production settings, leaves it out).
INSTALLED_APPS = [*INSTALLED_APPS, "allervers.demo"]  # noqa: F405
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# `runserver` is one process: its memory is shared by every request.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
ALLERVERS_SMS_BACKEND = "console"
