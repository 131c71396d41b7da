"""Settings, all overridable from the environment.

With no DATABASE_URL / CELERY_BROKER_URL the portal runs on its own: SQLite, and a broker kept in
files under var/ (kombu's filesystem transport) that a real worker reads. With them set it uses
PostgreSQL and Redis. DEBUG is off unless DJANGO_DEBUG=true; serving with DEBUG off needs
DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS (l2portal.startup refuses to start without them).
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("L2PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


# Only for tests and DEBUG; l2portal.startup refuses to serve with it.
DEV_SECRET_KEY = "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Behind the TLS-terminating proxy of a production site: HTTPS only, secure cookies, HSTS.
# Session and CSRF cookies are HttpOnly where the browser needs no script access (the session);
# the CSRF token travels in a form field or the X-CSRFToken header htmx sends (base.html).
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
# Health checks and Prometheus's scrapes come over plain HTTP from inside the site's network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "pgtrigger",
    "l2portal.ledger",
    "l2portal.registry",
    "l2portal.portal",
    "l2portal.programs",
    "pipelines",
    "restore",
    "l2portal.accounts",
]

MIDDLEWARE = [
    # Request counts and latencies for /metrics: the first and the last middleware (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "l2portal.web.RefuseNulMiddleware",
    # Serves /static/ from the web process in production (no separate file server needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Sign-in for pages, and what happens when a session ends while someone works.
    "l2portal.portal.sessions.SignInMiddleware",
    "l2portal.portal.pages.RefusalMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "l2portal.urls"
WSGI_APPLICATION = "l2portal.wsgi.application"

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
                "l2portal.web.navigation",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)
    if DATABASE_URL
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "l2portal.sqlite3"}
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # The web process and the workers write at once: WAL lets readers go on while one writes,
    # IMMEDIATE transactions wait for the write lock instead of failing on an upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# Local accounts always; single sign-on (OpenID Connect) when L2PORTAL_OIDC_ISSUER is set
# (l2portal/accounts/conf.py): the second backend does nothing until the provider sends someone back.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "l2portal.accounts.oidc.PortalOIDCBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
CSRF_FAILURE_VIEW = "l2portal.portal.sessions.csrf_failure"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Without collectstatic (development, `make run`) WhiteNoise serves straight from the app folders.
WHITENOISE_USE_FINDERS = True

# Every product lives under this root; the registry stores paths relative to it so a site can
# move the data without rewriting rows (the HalfPipe migration notes: no hard-coded directories).
DATA_ROOT = Path(os.environ.get("L2PORTAL_DATA_ROOT", VAR_DIR / "data"))

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "l2portal@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call gets 401 with a WWW-Authenticate header.
        # DRF's token keys with the portal's expiry and last use (l2portal/accounts).
        "l2portal.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed-in reads; every write's role is checked by the service it calls.
    "DEFAULT_PERMISSION_CLASSES": ["l2portal.portal.api.permissions.SignedInReadsByRole"],
    "EXCEPTION_HANDLER": "l2portal.portal.api.refusals.refusal_exception_handler",
    # JSON bodies; an endpoint that takes files or forms says so (parser_classes).
    "DEFAULT_PARSER_CLASSES": ["l2portal.portal.api.parsers.GuardedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "l2portal.portal.api.filters.PortalFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # ?page_size= on every list, bounded (PortalPagination.max_page_size)
    "DEFAULT_PAGINATION_CLASS": "l2portal.portal.api.pagination.PortalPagination",
    "DEFAULT_SCHEMA_CLASS": "l2portal.portal.api.schema.PortalAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "l2portal API",
    # What the API holds, its errors and pages, and the FSSC's quickstart.
    "DESCRIPTION": (BASE_DIR / "l2portal" / "portal" / "api" / "QUICKSTART.md").read_text(),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the installed sidecar package: no CDN needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "l2portal.portal.api.schema.document_query_filters",
    ],
}

# --- Celery: at-least-once delivery; every task is idempotent. ---
# Without Redis the broker is a folder: kombu's filesystem transport needs no server and keeps
# queued work across a restart (messages are files), so `make run` works like a site with Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
BROKER_FOLDERS = {}
if CELERY_BROKER_URL == "filesystem://":
    broker_folder = VAR_DIR / "broker"
    BROKER_FOLDERS = {
        "data_folder_in": str(broker_folder / "queue"),
        "data_folder_out": str(broker_folder / "queue"),
        "processed_folder": str(broker_folder / "processed"),
        "control_folder": str(broker_folder / "control"),
    }
    for folder in BROKER_FOLDERS.values():
        Path(folder).mkdir(parents=True, exist_ok=True)
# Tasks run in the caller only where a test asks for it.
CELERY_TASK_ALWAYS_EAGER = env_bool("L2PORTAL_RUN_TASKS_IN_PLACE", False)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = int(os.environ.get("L2PORTAL_TASK_TIME_LIMIT", 6 * 3600))
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Redis redelivers an unacknowledged task after visibility_timeout: keep it above the longest task
# or a running task is handed to a second worker.
# A Redis restarted under a worker can leave it blocked forever on a read of a socket whose peer is
# gone (celery/celery#8030, #9054, #10205: "Trying again in 2.00 seconds", then silence): bounded
# socket reads, TCP keepalive and a health check turn that into an error the consumer recovers from.
# Kombu's BRPOP blocks for one second, well inside the read timeout.
REDIS_SOCKET_OPTIONS = {
    "socket_timeout": 30,
    "socket_connect_timeout": 10,
    "socket_keepalive": True,
    "health_check_interval": 25,
    "retry_on_timeout": True,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 3600,
    **(REDIS_SOCKET_OPTIONS if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else {}),
    **BROKER_FOLDERS,
}
# Keep reconnecting for as long as the broker is away: a worker that gives up stops every queue.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_DEFAULT_QUEUE = "default"
# Each app declares its queues and the task names routed to them (PortalApp.queues); so does the
# beat schedule (PortalApp.periodic, installed when the ledger app is ready).
CELERY_TASK_ROUTES = ("l2portal.portal.site.route_task",)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("L2PORTAL_LOG_LEVEL", "INFO")},
    # Django's own loggers (a refused request is a django.request warning) follow the same level.
    "loggers": {"django": {"level": os.environ.get("L2PORTAL_LOG_LEVEL", "INFO")}},
}
