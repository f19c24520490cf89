"""Settings, all from the environment (see .env.example).

The embedded default is SQLite under var/ with Celery tasks run eagerly and a
local-memory cache, so a checkout runs with no other service. DATABASE_URL and
REDIS_URL switch to PostgreSQL, a Redis broker/result backend and a Redis cache.
DEBUG off is production mode: it refuses to start without a real SECRET_KEY.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
_INSECURE_KEY = "insecure-development-key-do-not-use-in-production-0123456789"
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (production mode).")
    SECRET_KEY = _INSECURE_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _INSECURE_KEY):
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 50+ random characters.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
HELPDESK_NAME = env.str("HELPDESK_NAME", default="Helpdesk")
TICKET_REFERENCE_PREFIX = env.str("TICKET_REFERENCE_PREFIX", default="HD")

INSTALLED_APPS = [
    "helpdesk.apps.HelpdeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "helpdesk",
    "accounts",
    "mail",
    "api",
    "lifecycle",
    "tickets",
    "kpis",
    "webhooks",
    "kb",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "helpdesk.middleware.RejectNullCharactersMiddleware",
    "axes.middleware.AxesMiddleware",
    "helpdesk.middleware.EagerSweepMiddleware",
]

# The benchmark's view of each request's server time and queries (see helpdesk/middleware.py).
SERVER_TIMING = env.bool("SERVER_TIMING", default=False)
if SERVER_TIMING:
    MIDDLEWARE.insert(0, "helpdesk.middleware.ServerTimingMiddleware")

ROOT_URLCONF = "helpdesk.urls"
# Django's widget templates, with text boxes, text areas and labels drawn in Python (same HTML).
FORM_RENDERER = "helpdesk.forms_renderer.FastTemplatesRenderer"
WSGI_APPLICATION = "helpdesk.wsgi.application"

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
                "helpdesk.roles.roles_context",
                "helpdesk.context_processors.site",
            ],
        },
    },
]

# Database: SQLite file under var/ by default; PostgreSQL from DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'helpdesk.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a task writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # Survive a PostgreSQL restart: stale persistent connections are dropped, not reused.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery: Redis when REDIS_URL is set; otherwise local memory and eager tasks.
# The Redis cache fails soft (helpdesk/cache.py): with Redis down, pages work as if it were empty.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "helpdesk.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "helpdesk",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Apps above lifecycle contribute to the customer page and to merges through these hooks,
# so that lifecycle imports nothing above it (see lifecycle/timeline.py, lifecycle/services.py).
LIFECYCLE_TIMELINE_PROVIDERS: list[str] = ["tickets.timeline.customer_timeline_items"]
LIFECYCLE_MERGE_HANDLERS: list[str] = ["tickets.services.customer_tickets_move"]
# A customer's data export and erasure (lifecycle/services/data_rights.py).
LIFECYCLE_EXPORT_PROVIDERS: list[str] = ["tickets.export.customer_tickets_export"]
LIFECYCLE_ERASE_HANDLERS: list[str] = [
    "tickets.services.customer_tickets_erase",
    "webhooks.services.customer_deliveries_erase",
    "api.idempotency.customer_idempotency_erase",
]

# Ticket attachments: the largest file and the most files on one message.
TICKETS_MAX_ATTACHMENT_BYTES = env.int("TICKETS_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
TICKETS_MAX_ATTACHMENTS_PER_MESSAGE = env.int("TICKETS_MAX_ATTACHMENTS_PER_MESSAGE", default=10)

# Sweeps run after write requests when tasks run eagerly (no worker, no beat): see EagerSweepMiddleware.
EAGER_SWEEPS = env.list("EAGER_SWEEPS", default=[] if REDIS_URL else ["webhooks.tasks.webhooks_sweep"])
# Inbound email (tickets/channels/email): POST /inbound/email/ needs this shared secret (off when
# empty); the IMAP mailbox is polled when IMAP_URL (imaps://user:password@host:993/INBOX) is set.
INBOUND_EMAIL_SECRET = env.str("INBOUND_EMAIL_SECRET", default="")
INBOUND_EMAIL_MAX_BYTES = env.int("INBOUND_EMAIL_MAX_BYTES", default=25 * 1024 * 1024)
INBOUND_AUTOMATIC_PER_HOUR = env.int("INBOUND_AUTOMATIC_PER_HOUR", default=5)
IMAP_URL = env.str("IMAP_URL", default="")
IMAP_POLL_SECONDS = env.int("IMAP_POLL_SECONDS", default=60)
# Send an automatic acknowledgement when an email opens a new ticket.
EMAIL_ACKNOWLEDGE_NEW_TICKETS = env.bool("EMAIL_ACKNOWLEDGE_NEW_TICKETS", default=False)
# Hours after an emailed ticket is solved to send the thank-you with the rating link; -1 turns it off.
EMAIL_FOLLOWUP_DELAY_HOURS = env.int("EMAIL_FOLLOWUP_DELAY_HOURS", default=24)

# Webhook targets in private, loopback or link-local ranges are refused unless allowed here.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)

# Auth
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if env.bool("FAST_PASSWORD_HASHER", default=False):
    # Tests only: hashing strength is not under test, speed is.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that reads the user's roles with the user (one query a request fewer).
    "accounts.backends.RolesModelBackend",
    # Sessions begun before RolesModelBackend name this one; they stay signed in.
    "django.contrib.auth.backends.ModelBackend",
]
# Read with the signed-in user in the same query (accounts.backends): the agent's teams, which every
# workspace page scopes its tickets by.
ACCOUNTS_USER_EXTRAS = ["tickets.teams.TeamIds"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Internationalisation
LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Static and media files
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: console in development, SMTP (or any django-environ email URL) from EMAIL_URL.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="support@helpdesk.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: production mode (DEBUG off) is strict; each setting can be relaxed by env
# (e.g. behind a TLS-terminating proxy that talks plain HTTP to a health checker).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: no inline or third-party scripts anywhere (Alpine is its CSP build,
# htmx's eval features are off); inline style attributes stay allowed for Bootstrap components.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SILENCED_SYSTEM_CHECKS = [] if env.bool("SECURE_HSTS_PRELOAD", default=False) else ["security.W021"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The KPI tables' covering indexes (INCLUDE) are a PostgreSQL speed-up; on SQLite they are
    # plain indexes, as intended, and the warning would print on every command of `make run`.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# REST framework and OpenAPI. Tokens (api.ApiToken) or the browser session (with CSRF);
# every view also checks the token's scopes and the user's role.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.ScopedResource",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env.str("API_RATE_LIMIT", default="1200/minute")},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": (
        "Tickets, customers, lifecycle events and KPIs for integrations. Authenticate with "
        "`Authorization: Token <token>` (tokens carry scopes such as `tickets:read`), or the browser "
        "session with a CSRF token. POSTs accept an `Idempotency-Key` header. Errors share one body: "
        "`{code, message, errors}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "TicketPriorityEnum": "tickets.models.Ticket.Priority",
        "TicketTypeEnum": "tickets.models.Ticket.Type",
        "TicketChannelEnum": "tickets.models.Ticket.Channel",
        "ConversationChannelEnum": "tickets.models.ConversationLink.Channel",
        "EventTypeEnum": "lifecycle.models.TouchpointEvent.Type",
        "StageEnum": "lifecycle.models.Stage",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Knowledge base: the help center's default language and the languages it offers.
KB_DEFAULT_LANGUAGE = env.str("KB_DEFAULT_LANGUAGE", default="en")
KB_LANGUAGES = [
    ("en", "English"),
    ("yi", "ייִדיש"),
    ("he", "עברית"),
    ("ar", "العربية"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("tl", "Tagalog"),
]
KB_RTL_LANGUAGES = ("yi", "he", "ar", "fa", "ur")
# Votes from one IP address per hour before further ballots are refused.
KB_VOTES_PER_IP_PER_HOUR = env.int("KB_VOTES_PER_IP_PER_HOUR", default=30)
