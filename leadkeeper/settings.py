"""leadkeeper settings: the environment is read here and nowhere else (STYLE §6).

Defaults are safe on a developer's machine: SQLite under var/, integrations off until
configured, no personal data in logs. `make run` writes var/.env with this machine's
secrets (SECRET_KEY, FIELD_ENCRYPTION_KEYS) the first time.
"""

import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (VAR_DIR / ".env").exists():
    env.read_env(VAR_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: export it, or run `make run` once to generate var/.env"
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "leadkeeper",
    "register",
    "subjects",
    "capture",
    "consent",
    "audit",
    "crm",
    "analytics",
    "booking",
    "rights",
    "retention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "consent.middleware.ConsentMiddleware",
    "register.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "leadkeeper.urls"
WSGI_APPLICATION = "leadkeeper.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "leadkeeper" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "register.context_processors.register",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# Embedded default: SQLite in WAL mode under var/. Scale-out: DATABASE_URL=postgres://...
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'leadkeeper.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue on a lock file beside the database, not in the busy handler (issue 9).
    DATABASES["default"]["ENGINE"] = "leadkeeper.sqlite_backend"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue (on the
            # backend's lock file, then busy_timeout) instead of failing with "database is
            # locked" mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA foreign_keys=ON;"
            ),
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work ------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# --- Caches and sessions ----------------------------------------------------------------
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/admin/login/"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "leadkeeper" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Without `collectstatic` (make run, tests) files come from the finders; say nothing of it.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
WHITENOISE_AUTOREFRESH = DEBUG

# --- Personal data protection ---------------------------------------------------------------
# Fernet keys, newest first: encrypt with the first, decrypt with any (rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS is not set: export a comma-separated list of Fernet keys, "
        "or run `make run` once to generate var/.env"
    )

REGISTER_PATH = env.str("REGISTER_PATH", default="")

# --- Capture ---------------------------------------------------------------------------------
DEFAULT_PHONE_REGION = env.str("DEFAULT_PHONE_REGION", default="RU")
LEAD_RATE_LIMIT = env.str("LEAD_RATE_LIMIT", default="10/m")
LEAD_MIN_FILL_SECONDS = env.float("LEAD_MIN_FILL_SECONDS", default=3.0)
# Cloudflare's published ranges ship in leadkeeper/data/; a proxy in front of us is trusted
# only when the socket address is in them (policy §6: Cloudflare sees IPs as our CDN).
CLOUDFLARE_RANGES_FILE = env.path(
    "CLOUDFLARE_RANGES_FILE", default=BASE_DIR / "leadkeeper" / "data" / "cloudflare_ips.txt"
)

# --- Integrations (off until configured) -------------------------------------------------------
KOMMO_BASE_URL = env.str("KOMMO_BASE_URL", default="")
KOMMO_ACCESS_TOKEN = env.str("KOMMO_ACCESS_TOKEN", default="")
KOMMO_WEBHOOK_SECRET = env.str("KOMMO_WEBHOOK_SECRET", default="")
# Webhooks naming another account are refused; unset, the id is read from /api/v4/account.
KOMMO_ACCOUNT_ID = env.int("KOMMO_ACCOUNT_ID", default=None)
KOMMO_MODE = env.str("KOMMO_MODE", default="complex")
KOMMO_PIPELINE_ID = env.int("KOMMO_PIPELINE_ID", default=None)
KOMMO_STATUS_ID = env.int("KOMMO_STATUS_ID", default=None)
# Kommo allows 7 requests/s per account; all our workers together stay under this.
KOMMO_REQUESTS_PER_SECOND = env.float("KOMMO_REQUESTS_PER_SECOND", default=6.5)
# The Kommo lead field holding the contract completion date (else a field named so).
KOMMO_CONTRACT_COMPLETED_FIELD_ID = env.int("KOMMO_CONTRACT_COMPLETED_FIELD_ID", default=None)
GA_MEASUREMENT_ID = env.str("GA_MEASUREMENT_ID", default="")
CALCOM_LINK = env.str("CALCOM_LINK", default="")
CALCOM_WEBHOOK_SECRET = env.str("CALCOM_WEBHOOK_SECRET", default="")
TURNSTILE_SITE_KEY = env.str("TURNSTILE_SITE_KEY", default="")
TURNSTILE_SECRET_KEY = env.str("TURNSTILE_SECRET_KEY", default="")
if KOMMO_BASE_URL and not KOMMO_ACCESS_TOKEN:
    raise ImproperlyConfigured("KOMMO_BASE_URL is set but KOMMO_ACCESS_TOKEN is not")
if TURNSTILE_SITE_KEY and not TURNSTILE_SECRET_KEY:
    raise ImproperlyConfigured("TURNSTILE_SITE_KEY is set but TURNSTILE_SECRET_KEY is not")

# Outgoing Cal.com API v2 (the rights desk cancels a person's upcoming bookings, Art. 17).
CALCOM_API_KEY = env.str("CALCOM_API_KEY", default="")
CALCOM_API_URL = env.str("CALCOM_API_URL", default="https://api.cal.com")
# Google Analytics: the User Deletion API (Art. 17) and the Admin API's data retention
# settings (policy §5), both with one service account's key file read by google-auth.
GA_PROPERTY_ID = env.str("GA_PROPERTY_ID", default="")
GA_SERVICE_ACCOUNT_FILE = env.str("GA_SERVICE_ACCOUNT_FILE", default="")
GA_USER_DELETION_URL = env.str(
    "GA_USER_DELETION_URL",
    default="https://www.googleapis.com/analytics/v3/userDeletion/userDeletionRequests:upsert",
)
GA_ADMIN_API_URL = env.str("GA_ADMIN_API_URL", default="https://analyticsadmin.googleapis.com")
if GA_PROPERTY_ID and not GA_SERVICE_ACCOUNT_FILE:
    raise ImproperlyConfigured("GA_PROPERTY_ID is set but GA_SERVICE_ACCOUNT_FILE is not")
if GA_SERVICE_ACCOUNT_FILE and not Path(GA_SERVICE_ACCOUNT_FILE).is_file():
    raise ImproperlyConfigured(
        f"GA_SERVICE_ACCOUNT_FILE names {GA_SERVICE_ACCOUNT_FILE}, which is not a readable file"
    )

# --- Rights desk (policy §7) -------------------------------------------------------------
# true: a verified request waits for the DPO's approval before anything runs.
RIGHTS_REQUIRE_APPROVAL = env.bool("RIGHTS_REQUIRE_APPROVAL", default=False)
RIGHTS_RATE_LIMIT = env.str("RIGHTS_RATE_LIMIT", default="10/h")  # per client address
RIGHTS_IDENTIFIER_RATE_LIMIT = env.str("RIGHTS_IDENTIFIER_RATE_LIMIT", default="5/d")

# --- Mail ------------------------------------------------------------------------------------
SALES_EMAIL = env.str("SALES_EMAIL", default="")
DPO_EMAIL = env.str("DPO_EMAIL", default="")
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="leadkeeper@localhost")
# A hung mail server must not hold a worker forever; the outbox row retries later.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)

# --- Logging: event names and ids only; the redaction filter is the safety net (STYLE §8) ---
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "leadkeeper.logging.RedactPersonalData"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s %(extra_ids)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own defaults would print these through handlers without the redaction
        # filter (runserver's lines, and django.request's 4xx lines name the path, which for
        # the Kommo webhook holds its secret).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "apscheduler": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # httpx logs request URLs at INFO, and a Kommo contact look-up carries a phone in
        # its query string: vendor clients log their own events, with ids.
        "httpx": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "httpcore": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
