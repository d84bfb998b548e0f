"""Homeward settings, read from the environment.

Local defaults let `make run` and `make test` work on a developer machine with
Postgres and Redis on localhost. Production is this same file with environment
values (see `.env.example`); `manage.py check --deploy` passes with them.
A malformed value stops start-up with a message naming the variable.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_url(name: str, default: str, parse):
    raw = env.str(name, default=default)
    try:
        return parse(raw)
    except Exception as exc:  # django-environ raises several kinds for a bad URL
        raise ImproperlyConfigured(f"{name} is not a valid URL: {exc}") from None


DEBUG = env_bool("DJANGO_DEBUG", False)
# The default key is only good for a developer machine; `check --deploy`
# rejects it (security.W009), so production must set its own.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="django-insecure-local-development-key-never-use-in-production",
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Our admin site: administrators only, behind the second factor (config/admin.py).
    "config.apps.HomewardAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    # intcomma: counts grouped the way the reader's language writes them.
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "django_filters",
    "guardian",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Ours, lowest layer first (docs/architecture.md): registries that lower apps
    # offer higher ones (digest sections, reminders) fill in this order.
    "agencies",
    "returnees",
    "audit",
    "notifications",
    "casework",
    "referrals",
    "tasks",
    "documents",
    "intake",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A signed-in person reads the language they chose (config/language.py).
    "config.language.UserLanguageMiddleware",
    # After authentication: attributes reads, refusals and changes to the user and address.
    "audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Pages hold personal data: no browser or proxy keeps a copy.
    "config.security.NoStoreMiddleware",
    # A form post over the DATA_UPLOAD_MAX_* limits: the page back with a message, not a
    # bare 400 (config/request_limits.py). After messages and htmx, before any view.
    "core.request_limits.RequestLimitMiddleware",
    # Mandatory roles reach nothing but enrolment and sign-in until their second factor.
    "config.security.SecondFactorMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env_url(
        "DATABASE_URL", "postgres://127.0.0.1:5432/homeward", environ.Env.db_url_config
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…)")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

AUTHENTICATION_BACKENDS = [
    # First: refuses any sign-in from a locked-out username+address or address.
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGOUT_URL = "logout"
LOGIN_REDIRECT_URL = "home"  # the caseload, or the audit trail for the auditor
LOGOUT_REDIRECT_URL = "login"

# Two-factor sign-in (django-two-factor-auth on django-otp): a TOTP app, with
# backup codes for recovery. Mandatory for these roles and for anyone with the staff
# flag (config/security.py); others may enrol from their account page.
TWO_FACTOR_MANDATORY_ROLES = ["police_liaison", "program_manager", "auditor", "administrator"]
OTP_TOTP_ISSUER = "Homeward"
# The QR code as SVG from its own URL: no data: image, so img-src 'self' holds.
TWO_FACTOR_QR_FACTORY = "qrcode.image.svg.SvgPathImage"
TWO_FACTOR_REMEMBER_COOKIE_AGE = None  # every sign-in asks for the code
TWO_FACTOR_LOGIN_TIMEOUT = 600  # seconds between the password and the code
# Only the authenticator app (no SMS/call gateways on a closed network).
# Our admin site asks for the second factor itself (config/admin.py).
TWO_FACTOR_PATCH_ADMIN = False
TWO_FACTOR_SMS_GATEWAY = None
TWO_FACTOR_CALL_GATEWAY = None

# Guardian: no anonymous user row; we never grant anything to anonymous visitors.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
GUARDIAN_MONKEY_PATCH_GROUP = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("ky", _("Kyrgyz"))]
# Project-wide catalogue (templates and shared strings); apps may add their own.
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
USE_I18N = True
USE_TZ = True
# Stored in UTC; shown in this zone unless the person has chosen another.
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Asia/Bishkek")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # npm-installed libraries (package.json, `npm ci`): only their built files, under vendor/.
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default=(
                "django.contrib.staticfiles.storage.StaticFilesStorage"
                if DEBUG
                else "whitenoise.storage.CompressedManifestStaticFilesStorage"
            ),
        )
    },
}

# Documents on a case (documents/): files kept in the `documents` storage, outside
# STATIC_ROOT and any media root, served only by the documents views after the access
# check. A filesystem directory by default; with HOMEWARD_DOCUMENTS_S3_BUCKET set, an
# S3-compatible bucket through django-storages (the `s3` extra), for more than one web
# server (docs/documents.md).
DOCUMENTS_ROOT = Path(
    env.str("HOMEWARD_DOCUMENTS_ROOT", default="") or BASE_DIR / "private-documents"
)
DOCUMENT_MAX_BYTES = env_int("HOMEWARD_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
DOCUMENTS_S3_BUCKET = env.str("HOMEWARD_DOCUMENTS_S3_BUCKET", default="")
if DOCUMENTS_S3_BUCKET:
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DOCUMENTS_S3_BUCKET,
            "endpoint_url": env.str("HOMEWARD_DOCUMENTS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("HOMEWARD_DOCUMENTS_S3_REGION", default="") or None,
            "location": env.str("HOMEWARD_DOCUMENTS_S3_PREFIX", default="documents"),
            # Credentials come from boto3's own environment (AWS_ACCESS_KEY_ID,
            # AWS_SECRET_ACCESS_KEY) or the machine's role; never from here.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": DOCUMENTS_ROOT,
            # No URL: nothing in this storage is ever linked to directly.
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
# Uploaded files stream to a temporary file in 64 KiB chunks, never into memory, and a
# file past DOCUMENT_MAX_BYTES is cut off while it arrives (documents/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "documents.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Homeward API",
    "DESCRIPTION": "Case management for the reintegration of returnees.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The API's shape is not for anonymous visitors.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set, however many fields use it.
    "ENUM_NAME_OVERRIDES": {
        f"{name}Enum": f"{module}.{name}"
        for module, names in {
            "casework.models": [
                "CaseStatus",
                "RiskCategory",
                "Pathway",
                "ClosureReason",
                "Rating",
                "GoalDomain",
                "GoalStatus",
                "NoteKind",
                "NoteVisibility",
                "FlagCategory",
                "Severity",
                "FlagSource",
                "FlagStatus",
                "ReviewOutcome",
            ],
            "casework.selectors": ["TimelineKind"],
            "agencies.models": ["AgencyKind"],
            "documents.models": ["DocumentKind"],
            "referrals.models": [
                "ServiceType",
                "ShareScope",
                "ReferralStatus",
                "ReferralEventKind",
                "ConsentDecision",
                "ConsentGivenBy",
                "LeadTransferStatus",
            ],
            "returnees.models": [
                "Region",
                "Sex",
                "CitizenshipStatus",
                "Language",
                "ConflictZone",
                "ReturnRoute",
                "LegalStatus",
                "Need",
            ],
        }.items()
        for name in names
    },
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
from config.schedule import CELERY_BEAT_SCHEDULE  # noqa: E402,F401  (one place: config/schedule.py)

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 30, minimum=1)
# For the file-based backend (used by the test that runs a real worker).
EMAIL_FILE_PATH = env.str("DJANGO_EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="homeward@localhost")
# Where links in emails point.
SITE_URL = env.str("HOMEWARD_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Caseload report exports (casework/reports): exports above this many rows run in the
# background and leave a file here, outside MEDIA and STATIC, served only to whoever
# asked for it, until it expires.
EXPORT_DIR = Path(env.str("HOMEWARD_EXPORT_DIR", default="") or BASE_DIR / "private-exports")
EXPORT_BACKGROUND_ROWS = env_int("HOMEWARD_EXPORT_BACKGROUND_ROWS", 5000, minimum=1)
EXPORT_TTL_HOURS = env_int("HOMEWARD_EXPORT_TTL_HOURS", 24, minimum=1)

# HTTPS-only deployments turn these on together; see .env.example.
HTTPS = env_bool("DJANGO_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the app append to X-Forwarded-For; 0 trusts only
# REMOTE_ADDR. The audit trail records the address the outermost trusted proxy saw.
HOMEWARD_TRUSTED_PROXY_COUNT = env_int("HOMEWARD_TRUSTED_PROXY_COUNT", 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above counts from the last request
X_FRAME_OPTIONS = "DENY"
# Only our own files, no inline script or style, no framing, forms post only to us.
# Templates must not carry <script> bodies, on* handlers or style attributes
# (tests/config/test_security_headers.py scans them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "font-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Django's own limits on a request's form data (its files aside), said explicitly: a
# post over them gets its page back with a message (config/request_limits.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Sign-in throttling (django-axes): a username from one address is locked after
# DJANGO_LOCKOUT_FAILURES failures, an address alone (password spraying over many
# usernames) after DJANGO_LOCKOUT_ADDRESS_FAILURES; both for the cool-off.
# Administrators unlock in the admin (Access attempts: delete) or with
# `manage.py axes_reset_username USERNAME` / `axes_reset_ip ADDRESS`.
AXES_ENABLED = env_bool("DJANGO_LOCKOUT_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("DJANGO_LOCKOUT_FAILURES", 5, minimum=1)
LOCKOUT_ADDRESS_FAILURES = env_int("DJANGO_LOCKOUT_ADDRESS_FAILURES", 30, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env_int("DJANGO_LOCKOUT_COOLOFF_MINUTES", 30, minimum=1)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "config.security.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.security.client_address"
AXES_RESET_ON_SUCCESS = True
# Fields the attempt log must never store (the sign-in wizard prefixes its fields).
AXES_PASSWORD_FORM_FIELD = "auth-password"  # noqa: S105 (a field name)
AXES_SENSITIVE_PARAMETERS = ["password", "auth-password", "token-otp_token", "backup-otp_token"]
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
