"""leadkeeper settings: the environment is read here and nowhere else (STYLE §6).

Defaults are safe on a developer's machine: SQLite under var/, integrations off until
configured, no personal data in logs. `make run` writes var/.env with this machine's
secrets (SECRET_KEY, FIELD_ENCRYPTION_KEYS) the first time.
"""

import ipaddress
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
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
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
    "leadkeeper.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "leadkeeper.middleware.PublicPostMiddleware",
    "leadkeeper.dbguard.DatabaseUnavailableMiddleware",
    "consent.middleware.ConsentMiddleware",
    "register.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "leadkeeper.staff_auth.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
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
                "leadkeeper.staff.staff_nav",
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
    # Its health check reads the socket instead of running `SELECT 1` (the module says why).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "leadkeeper.postgresql_backend"
    # PostgreSQL binds parameters on the server and prepares a statement the fifth time a
    # connection runs it: the lead path's inserts skip parsing and planning (issue 9).
    # PG_PREPARE_THRESHOLD=0 turns preparing off, for a transaction-mode pooler older
    # than PgBouncer 1.21 that cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": True,
            "prepare_threshold": env.int("PG_PREPARE_THRESHOLD", default=5) or None,
        }
    )
# Connections persist across requests (both databases): opening one costs a PostgreSQL
# backend's start-up, or SQLite's file open, pragmas and function registrations (issue 9).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# /healthz reports the node unavailable below this much free disk (SQLite's folder).
HEALTH_MIN_FREE_BYTES = env.int("HEALTH_MIN_FREE_BYTES", default=100 * 2**20)

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
# HSTS is sent only on HTTPS responses (SecurityMiddleware), so this default does nothing
# to a developer's http://127.0.0.1; in production it pins the site to HTTPS for a year.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# With `preload` in the header anyone may submit the domain to browsers' preload lists, which
# takes months to undo: the owner's decision (SECURE_HSTS_PRELOAD=true), not a default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/admin/login/"
# A view that sends each role where it works (leadkeeper.staff.landing_url).
LOGIN_REDIRECT_URL = "/staff/"

# --- Staff logins (leadkeeper/staff_auth.py) ---------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before checking
    "django.contrib.auth.backends.ModelBackend",
]
# Lock one account from one address after 5 failures; an admin unlocks it (axes_reset_username,
# or deleting the "access attempt" in the admin), or it unlocks itself after the cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "leadkeeper/staff_locked.html"
AXES_CLIENT_IP_CALLABLE = "leadkeeper.context.client_ip"  # Cloudflare-aware, as for leads
AXES_VERBOSE = False  # its log lines carry usernames and IP addresses
# TOTP for the DPO group and superusers: on unless a developer runs with DEBUG.
STAFF_REQUIRE_2FA = env.bool("STAFF_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="leadkeeper")
# Staff sessions end after 30 minutes without a request (ASVS 3.3); visitors have none.
SESSION_COOKIE_AGE = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# HSTS once served over HTTPS in production (SecurityMiddleware sends it on HTTPS only).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
# Catalogues live in each app's locale/ (leadkeeper.catalogues builds them, docs/i18n.md).
LOCALE_PATHS: list[Path] = []
# The language switch remembers the choice in this strictly necessary cookie (the register
# declares it); Accept-Language decides until the visitor chooses.
LANGUAGE_COOKIE_NAME = "django_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
# What the sales team reads in emails a worker sends (no visitor's Accept-Language there).
STAFF_LANGUAGE = env.str("STAFF_LANGUAGE", default="ru")
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

# Blind-index secrets, newest first (any random strings; empty: derived from the oldest
# encryption key). `manage.py rotate_keys` recomputes stored indexes under the newest.
BLIND_INDEX_KEYS = env.list("BLIND_INDEX_KEYS", default=[])

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
# Our own reverse proxies (CIDRs): only their X-Forwarded-For is believed (leadkeeper/context.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _cidr in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_cidr.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_cidr!r} is not an address or CIDR"
        ) from None
# Partner landings allowed to post leads from their visitors' browsers (full origins,
# e.g. https://partner.example); every other foreign Origin gets 403.
PARTNER_ORIGINS = env.list("PARTNER_ORIGINS", default=[])

# --- Public POST limits (leadkeeper/ratelimit.py), per client address or IPv6 /64 --------------
# The collector counts events, not requests: a page view is one or two.
COLLECT_RATE_LIMIT = env.str("COLLECT_RATE_LIMIT", default="1200/m")
# Page views a web process keeps before writing them in one go (analytics/buffer.py): at most
# this many seconds, lost only on a hard kill; 0 writes each request's events before it answers.
COLLECTOR_BUFFER_SECONDS = env.float("COLLECTOR_BUFFER_SECONDS", default=1.0)
CONSENT_RATE_LIMIT = env.str("CONSENT_RATE_LIMIT", default="30/m")
WEBHOOK_RATE_LIMIT = env.str("WEBHOOK_RATE_LIMIT", default="300/m")
# The largest request body a POST may have (413 above it; leadkeeper/middleware.py). Kommo's
# bulk webhooks may be larger and are allowed up to DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=256 * 1024)
# Browsers may use no camera, microphone, location, payment or sensors on our pages.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), browsing-topics=()"
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
# A signed Cal.com delivery is accepted this long after (or before) its createdAt.
CALCOM_WEBHOOK_TOLERANCE_SECONDS = env.int("CALCOM_WEBHOOK_TOLERANCE_SECONDS", default=300)
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
    # Django configures its own loggers first (django.utils.log.DEFAULT_LOGGING): a console
    # handler on "django" that prints only when DEBUG is on, and mail_admins. Naming each
    # logger here replaces those handlers, so every line of Django's goes through the
    # redaction filter in every setting (issue 15: an unmasked 404 path under DEBUG).
    "loggers": {
        # Django's own defaults would print these through handlers without the redaction
        # filter (runserver's lines, and django.request's 4xx lines name the path, which for
        # the Kommo webhook holds its secret).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "apscheduler": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # httpx logs request URLs at INFO, and a Kommo contact look-up carries a phone in
        # its query string: vendor clients log their own events, with ids.
        "httpx": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "httpcore": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
