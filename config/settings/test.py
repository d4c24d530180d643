"""Settings for the test suite: SQLite by default, PostgreSQL when DATABASE_URL says so."""

import os
import tempfile

os.environ.setdefault("ALLERVERS_SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("ALLERVERS_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from .dev import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_AUTOREFRESH = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# SMS are appended to a file of a directory of this test process (tests/bookings empties it).
ALLERVERS_SMS_BACKEND = "file"
ALLERVERS_SMS_FILE_DIR = tempfile.mkdtemp(prefix="allervers-test-sms-")

# CI runs the public-cache tests once more against a real Redis server (see .ci/run).
if os.environ.get("ALLERVERS_TEST_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["ALLERVERS_TEST_REDIS_URL"],
        }
    }

# The access log refuses TRUNCATE (accesslog/0003) unless its owner set this: the test runner's
# flush between transactional tests truncates every table.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c allervers.accesslog_truncate=on"
    )
