"""Production-safe settings: DEBUG off, secrets and hosts read from the environment.

Every variable read here is documented in README.md and `.env.example`.
"""

import datetime
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from .mail import anymail_from_env, mailers_from_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("ALLERVERS_DEBUG", False)
SECRET_KEY = env("ALLERVERS_SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLERVERS_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("ALLERVERS_CSRF_TRUSTED_ORIGINS")
# The site's own address, for links in e-mails sent by background tasks (no request there).
ALLERVERS_SITE_URL = env("ALLERVERS_SITE_URL", "http://127.0.0.1:8000")
# Where the public schedule is also written as static files after each planning change
# (docs/publication.md, "Static publication"); off when empty.
ALLERVERS_STATIC_PUBLICATION_DIR = env("ALLERVERS_STATIC_PUBLICATION_DIR", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Before django_tasks_db: its `db_worker` (with a heartbeat) replaces the library's.
    "allervers.worker",
    "django_tasks_db",
    "axes",
    # The authenticator applications are `accounts.AuthenticatorDevice` (secret encrypted);
    # django-otp's own TOTP app, which stores it in clear, is not installed.
    "django_otp",
    "django_otp.plugins.otp_static",
    "allervers.accounts",
    "allervers.operators",
    "allervers.partners",
    "allervers.planning",
    "allervers.reception",
    "allervers.reporting",
    "allervers.public",
    "allervers.backups",
    "allervers.submissions",
    "allervers.accesslog",
    "allervers.screening",
    "allervers.bookings",
    "allervers.alerts",
]
# The demo (`load_demo`, which replaces the demo structure) is installed by dev.py and test.py
# only: never in production.

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Reads the session's verified second-factor device (`request.user.is_verified()`).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allervers.accounts.middleware.SessionLimitsMiddleware",
    # Until the second factor is verified, only the login steps and logout answer.
    "allervers.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its French page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "allervers" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "allervers.operators.context_processors.current_membership_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'allervers.sqlite3'}"),
        conn_max_age=int(env("ALLERVERS_DB_CONN_MAX_AGE", "60")),
        # A kept connection that the database dropped is reopened before use, not failed on.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time: the web workers, the task worker (which locks the file to claim a
    # task) and its heartbeat wait up to 20 s for each other rather than fail at 5 s; and a
    # transaction takes the write lock when it begins (IMMEDIATE), since one that read first
    # and then wants to write is refused at once ("database is locked") while another writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Log in with an e-mail address (allervers/accounts/models.py; docs/architecture.md, Decisions).
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout (django-axes; allervers/accounts/lockout.py, README.md, configuration): after
# AXES_FAILURE_LIMIT failed logins for one e-mail address, that account is refused for the
# cool-off period, even with the right password (its owner can unlock it with a password reset).
# Never per address: every tablet of the bus shares one 4G router's address. An address only
# meets the flood guard: ALLERVERS_ADDRESS_FAILURE_LIMIT failed logins and codes within
# ALLERVERS_ADDRESS_FAILURE_MINUTES refuse it, far above a team's typos.
AXES_HANDLER = "allervers.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = int(env("ALLERVERS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(env("ALLERVERS_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
ALLERVERS_ADDRESS_FAILURE_LIMIT = int(env("ALLERVERS_ADDRESS_FAILURE_LIMIT", "100"))
ALLERVERS_ADDRESS_FAILURE_MINUTES = int(env("ALLERVERS_ADDRESS_FAILURE_MINUTES", "15"))
# The login form keeps Django's field name, `username`, for the e-mail address.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "allervers.accounts.lockout.typed_email"
AXES_CLIENT_IP_CALLABLE = "allervers.core.client_address.client_ip"
AXES_LOCKOUT_CALLABLE = "allervers.accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
# An attempt during a lockout starts the cool-off again (django-axes' default, kept).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_VERBOSE = False
# How many proxies in front of the application append to X-Forwarded-For. 0 (the default):
# clients connect directly, their address is the connection's (REMOTE_ADDR) and no proxy header
# is trusted. 1: the documented TLS proxy (docs/deployment.md), whose X-Forwarded-For entry and
# X-Forwarded-Proto are read. `check --deploy` warns when they disagree (accounts/checks.py).
ALLERVERS_TRUSTED_PROXY_COUNT = int(env("ALLERVERS_TRUSTED_PROXY_COUNT", "0"))
if ALLERVERS_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("ALLERVERS_TRUSTED_PROXY_COUNT must be 0 (no proxy) or more.")
# The password-reset form: at most this many requests per client address per cool-off period,
# and at most this many e-mails to one address per hour (beyond, the same neutral page, no mail).
ALLERVERS_PASSWORD_RESET_LIMIT = int(env("ALLERVERS_PASSWORD_RESET_LIMIT", "5"))
ALLERVERS_PASSWORD_RESET_PER_EMAIL_LIMIT = int(env("ALLERVERS_PASSWORD_RESET_PER_EMAIL_LIMIT", "3"))
# The residents' online bookings (allervers/public/booking_throttle.py): at most this many
# booking submissions per client address (an IPv6 /64 counts as one), and bookings per phone
# number, per day.
ALLERVERS_BOOKING_LIMIT_PER_IP = int(env("ALLERVERS_BOOKING_LIMIT_PER_IP", "10"))
ALLERVERS_BOOKING_LIMIT_PER_PHONE = int(env("ALLERVERS_BOOKING_LIMIT_PER_PHONE", "3"))

# Second factor (django-otp; allervers/accounts/second_factor.py, docs/privacy.md): TOTP with
# single-use backup codes. The code step is throttled like the login (allervers/accounts/
# lockout.py: AXES_FAILURE_LIMIT wrong codes per account or per IP address lock it for
# AXES_COOLOFF_TIME), so django-otp's own growing delays are off: one rule, one French message.
OTP_TOTP_ISSUER = "Allervers"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# The platform admin lists devices but never shows their secrets or QR codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The TOTP secrets are encrypted at rest (allervers/accounts/secrets_at_rest.py, docs/deployment.md
# "Secrets at rest"): the current key, then previous keys that only decrypt (comma-separated)
# until `manage.py second_factor_reencrypt` has run. Unset: derived from SECRET_KEY (and its
# fallbacks), which `check --deploy` warns about (accounts.W004).
ALLERVERS_FIELD_ENCRYPTION_KEY = env("ALLERVERS_FIELD_ENCRYPTION_KEY", "")
ALLERVERS_FIELD_ENCRYPTION_KEY_FALLBACKS = env_list("ALLERVERS_FIELD_ENCRYPTION_KEY_FALLBACKS")

# Sessions (stored in the database, Django's default engine): ended after this long without a
# request, and in any case this long after the login (allervers/accounts/middleware.py).
ALLERVERS_SESSION_IDLE_MINUTES = int(env("ALLERVERS_SESSION_IDLE_MINUTES", "120"))
ALLERVERS_SESSION_MAX_HOURS = int(env("ALLERVERS_SESSION_MAX_HOURS", "10"))

# Personal-data retention (docs/privacy.md): access-log entries are removed after this many
# months, and a person without any contact for this many months is anonymised (both by
# `manage.py privacy_sweep`, run daily).
ALLERVERS_ACCESS_LOG_MONTHS = int(env("ALLERVERS_ACCESS_LOG_MONTHS", "12"))
ALLERVERS_PERSON_RETENTION_MONTHS = int(env("ALLERVERS_PERSON_RETENTION_MONTHS", "24"))
# The time (Paris, HH:MM) at which the deployment runs `privacy_sweep` each day: the coordinator's
# « Conservation des données » page says when the next run is (docs/deployment.md).
ALLERVERS_PRIVACY_SWEEP_TIME = env("ALLERVERS_PRIVACY_SWEEP_TIME", "03:30")
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", ALLERVERS_PRIVACY_SWEEP_TIME):
    raise ImproperlyConfigured("ALLERVERS_PRIVACY_SWEEP_TIME must be HH:MM, e.g. 03:30.")

# The longest an estimate of rights may take in a web request (seconds); past it the agent is told
# to try again, her answers kept (docs/deployment.md, "Long work"). gunicorn's timeout is above it.
ALLERVERS_SCREENING_SECONDS = float(env("ALLERVERS_SCREENING_SECONDS", "10"))

# Bookings (issue 13): contact details of a booking without a followed person are erased this
# many days after the appointment or workshop (by `privacy_sweep`).
ALLERVERS_BOOKING_CONTACT_DAYS = int(env("ALLERVERS_BOOKING_CONTACT_DAYS", "30"))
# SMS to people who booked: "brevo" (Brevo's transactional SMS API), "console" (printed), "file"
# (appended to ALLERVERS_SMS_FILE_DIR/sms.jsonl), "fake" (the file, with a simulated outage and
# delivery reports: tests, benches), or the dotted path of a backend class
# (allervers/bookings/sms/).
ALLERVERS_SMS_BACKEND = env("ALLERVERS_SMS_BACKEND", "brevo")
ALLERVERS_SMS_BREVO_API_KEY = env("ALLERVERS_SMS_BREVO_API_KEY", "")
ALLERVERS_SMS_BREVO_URL = env(
    "ALLERVERS_SMS_BREVO_URL", "https://api.brevo.com/v3/transactionalSMS/send"
)
ALLERVERS_SMS_SENDER = env("ALLERVERS_SMS_SENDER", "Allervers")
if not re.fullmatch(r"[A-Za-z0-9 ]{1,11}|\d{1,15}", ALLERVERS_SMS_SENDER):
    raise ImproperlyConfigured(
        "ALLERVERS_SMS_SENDER: at most 11 letters and digits, or a number of at most 15 digits."
    )
ALLERVERS_SMS_FILE_DIR = env("ALLERVERS_SMS_FILE_DIR", str(BASE_DIR / "var" / "sms"))
# The secret in the address of the SMS delivery-report webhook (/sms/etats/<provider>/<secret>/,
# docs/deployment.md); empty: every report is refused.
ALLERVERS_SMS_WEBHOOK_SECRET = env("ALLERVERS_SMS_WEBHOOK_SECRET", "")
# « Prévenez-moi » (allervers/alerts, README): the provider's rate limit, its price per
# SMS (the coordinator's cost estimate), the limits of subscriptions per client address and per
# number or address per day, and the secret of the inbound SMS webhook (« STOP »; empty: refused).
ALLERVERS_SMS_RATE_PER_SECOND = int(env("ALLERVERS_SMS_RATE_PER_SECOND", "10"))
ALLERVERS_SMS_PRICE_EUROS = env("ALLERVERS_SMS_PRICE_EUROS", "0.045")
ALLERVERS_ALERT_LIMIT_PER_IP = int(env("ALLERVERS_ALERT_LIMIT_PER_IP", "10"))
ALLERVERS_ALERT_LIMIT_PER_CONTACT = int(env("ALLERVERS_ALERT_LIMIT_PER_CONTACT", "3"))
ALLERVERS_SMS_INBOUND_SECRET = env("ALLERVERS_SMS_INBOUND_SECRET", "")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("ALLERVERS_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "allervers" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One cache shared by every worker process: the public answers and the planning revision live
# there, so a per-process cache would serve a cancelled stop as held until it expires. The
# default, the database (table made by `manage.py createcachetable`), needs no other service;
# Redis (client locked in requirements) is faster for a busy installation.
CACHES = {
    "default": {
        "BACKEND": env("ALLERVERS_CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"),
        "LOCATION": env("ALLERVERS_CACHE_LOCATION", "allervers_cache"),
    }
}

TASKS = {
    "default": {
        "BACKEND": env("ALLERVERS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The task worker (allervers/worker, docs/deployment.md « Tâches de fond »): its heartbeat, when a
# silent worker counts as dead (its running tasks are then recovered), and when the oldest
# waiting task makes `manage.py service_health` fail.
ALLERVERS_WORKER_HEARTBEAT_SECONDS = float(env("ALLERVERS_WORKER_HEARTBEAT_SECONDS", "10"))
ALLERVERS_WORKER_LOST_SECONDS = float(env("ALLERVERS_WORKER_LOST_SECONDS", "60"))
ALLERVERS_TASK_WAIT_ALERT_MINUTES = int(env("ALLERVERS_TASK_WAIT_ALERT_MINUTES", "15"))

# Mail: each backend gets its own options only (config/settings/mail.py, README "Mail").
MAILERS = mailers_from_env(os.environ)
ANYMAIL = anymail_from_env(os.environ)
DEFAULT_FROM_EMAIL = env("ALLERVERS_DEFAULT_FROM_EMAIL", "Allervers <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: safe by default, relaxed only in dev.py.
SECURE_SSL_REDIRECT = env_bool("ALLERVERS_SECURE_SSL_REDIRECT", True)
# Behind the TLS proxy only: a client connecting directly could claim HTTPS with this header.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if ALLERVERS_TRUSTED_PROXY_COUNT > 0 else None
)
SECURE_HSTS_SECONDS = int(env("ALLERVERS_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("ALLERVERS_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * ALLERVERS_SESSION_MAX_HOURS
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Who is e-mailed the details of every server error (comma-separated addresses).
ADMINS = env_list("ALLERVERS_ADMINS")

# Optional error tracking (Sentry or a compatible service such as GlitchTip): errors only, no
# request bodies, cookies or user details (the data is about vulnerable residents).
SENTRY_DSN = env("ALLERVERS_SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=0.0,
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_error_without_traceback": {
            "()": "allervers.core.logging.ClientErrorWithoutTraceback"
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        # 403 and 404 on one line; 5xx keep their traceback, and Django's own default logging
        # (the `django` logger's `mail_admins` handler, DEBUG off) e-mails them to ADMINS.
        "django.request": {"filters": ["client_error_without_traceback"], "level": "WARNING"},
        # django-axes: failed logins and lockouts (WARNING), not every successful login (INFO).
        "axes": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": env("ALLERVERS_LOG_LEVEL", "INFO")},
}

# HSTS preload is a one-way decision that belongs to whoever runs the domain, not to the code.
# axes.W006 asks for 'ip_address' in AXES_LOCKOUT_PARAMETERS: that would lock every account
# behind one address (the bus); the address has its own flood guard (accounts/lockout.py).
SILENCED_SYSTEM_CHECKS = ["security.W021", "axes.W006"]
