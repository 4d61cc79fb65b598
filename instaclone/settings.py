"""Instaclone settings: every value comes from the environment, with safe embedded defaults.

The defaults run the whole site with no services (SQLite, local media, in-memory channel
layer, local-memory cache, console email). Production sets `DEBUG=0` plus the variables
documented in the README's configuration table.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from instaclone.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105 (DEBUG only)
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "Instaclone")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "tailwind",
    "theme",
    "instaclone",
    "accounts",
    "social",
    "posts",
    "feed",
]

MIDDLEWARE = [
    # First: its request id and access log line cover every response, the 413 below included.
    "instaclone.middleware.RequestIdMiddleware",
    "instaclone.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "instaclone.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, taking the account read with the session (instaclone.sessions).
    "accounts.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "instaclone.ratelimit.RateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "instaclone.urls"
WSGI_APPLICATION = "instaclone.wsgi.application"
ASGI_APPLICATION = "instaclone.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} with the URLs of plain arguments remembered, {% extends %} with the
            # layout's blocks found once (see the modules).
            "builtins": ["instaclone.templatetags.urls", "instaclone.templatetags.extends"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "instaclone.context_processors.site",
                "instaclone.context_processors.csrf",
                "social.context_processors.nav_counts",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------


def _prepared_statements(threshold: int) -> dict:
    if threshold <= 0:
        return {}
    return {"server_side_binding": True, "prepare_threshold": threshold}


DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's, its pool's check of a connection without a round trip (see the module).
        DATABASES["default"]["ENGINE"] = "instaclone.postgresql"
        # A bounded pool per process: persistent per-thread connections under ASGI or a
        # threaded server exhaust PostgreSQL's connection limit under load.
        DATABASES["default"]["OPTIONS"] = {
            # Statements a connection has run DB_PREPARE_THRESHOLD times are prepared:
            # PostgreSQL then skips planning them, which was half the time of the feed's
            # statements. Needs parameters bound by the server. 0 turns both off, as a
            # connection pooler without prepared statement support (PgBouncer before
            # 1.21, or without max_prepared_statements) requires.
            **_prepared_statements(env_int("DB_PREPARE_THRESHOLD", 5)),
            "pool": {
                "min_size": env_int("DB_POOL_MIN_SIZE", 1),
                "max_size": env_int("DB_POOL_MAX_SIZE", 10),
                "timeout": env_int("DB_POOL_TIMEOUT", 10),
            },
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets readers proceed during a write; IMMEDIATE avoids "database is
                # locked" upgrades when two requests write at once.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file instead of memory when a test server runs in another process.
            "TEST": {"NAME": env_str("SQLITE_TEST_NAME") or None},
        }
    }
# A persistent connection is checked by Django before reuse; a pooled one by the backend.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = "pool" not in DATABASES["default"].get("OPTIONS", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer -------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
REDIS_MAX_CONNECTIONS = env_int("REDIS_MAX_CONNECTIONS", 50)
# Parallel test workers share one Redis: each gets its own key space.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "instaclone") + env_str("PYTEST_XDIST_WORKER")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            "OPTIONS": {"max_connections": REDIS_MAX_CONNECTIONS},
        }
    }
    # Pub/sub: a group send is one PUBLISH, received once per process and fanned out
    # there by instaclone.events (bench/live.py measures it against RedisChannelLayer).
    # LIVE_CHANNEL_LAYER=core switches to RedisChannelLayer (for the benchmark's comparison).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_KEY_PREFIX}:asgi:"},
        }
    }
    if env_str("LIVE_CHANNEL_LAYER", "pubsub") == "core":
        CHANNEL_LAYERS["default"] = {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": REDIS_MAX_CONNECTIONS}],
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
                "capacity": 1000,
                "expiry": 10,
            },
        }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process. Only the hubs of instaclone.events have channels (one per process), so
    # a higher capacity than the default 100 costs nothing and survives a storm.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 10_000, "group_expiry": 10 * 365 * 86400},
        }
    }

# Rendered template fragments ({% cache ... using="fragments" %}: the navigation), kept by
# each process. A fragment's key names everything it shows, so a copy is never stale, only
# old; they expire with the feed's cards, before the signed media URLs in them do.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

# --- Feed, discovery, background tasks ------------------------------------------------
# Accounts with more followers than this are not fanned out; their posts are merged into
# followers' feeds at read time.
FEED_FANOUT_MAX_FOLLOWERS = env_int("FEED_FANOUT_MAX_FOLLOWERS", 5000)
FEED_FANOUT_BATCH_SIZE = env_int("FEED_FANOUT_BATCH_SIZE", 5000)
# How many recent posts of a newly followed account enter the follower's feed.
FEED_BACKFILL_POSTS = env_int("FEED_BACKFILL_POSTS", 50)
# Owners who have not read their feed for this long are skipped by fan-out and rebuilt
# when they come back.
FEED_INACTIVE_DAYS = env_int("FEED_INACTIVE_DAYS", 7)
# A feed card (a post's rendered display, feed.cards) is versioned by what it shows, so
# this only bounds how long an unused one takes memory, and how long a mentioned account's
# new username takes to reach the links of captions that mention it.
FEED_CARD_SECONDS = env_int("FEED_CARD_SECONDS", 600)
# Discovery lists (explore, trending tags, suggestions) may lag writes by at most 10 s.
DISCOVERY_CACHE_SECONDS = min(env_int("DISCOVERY_CACHE_SECONDS", 10), 10)
# Celery on Redis when REDIS_URL (or CELERY_BROKER_URL) is set; otherwise, and whenever
# CELERY_TASK_ALWAYS_EAGER=1, tasks run inline after the commit that triggered them.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "instaclone")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# "Download your data": a ready archive is deleted this many days after it was built.
DATA_EXPORT_RETENTION_DAYS = env_int("DATA_EXPORT_RETENTION_DAYS", 7)
# Who builds archives: "celery" (a worker), "thread" (a thread of the web process), or
# "auto": celery when a broker is configured, a thread otherwise.
DATA_EXPORT_RUNNER = env_str("DATA_EXPORT_RUNNER", "auto")

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_MAX_LENGTH = env_int("PASSWORD_MAX_LENGTH", 128)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 3)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    MEDIA_STORAGE = {
        "BACKEND": "instaclone.media_storage.MediaStorage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            "signature_version": "s3v4",
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE", "path"),
            # Keys are server-generated uuids; never let a name collision overwrite a file.
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", True),
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 3600),
            "object_parameters": {"CacheControl": "max-age=31536000, immutable"},
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# A cached feed card carries signed media URLs: it expires while they are still good for
# at least as long again.
if MEDIA_STORAGE.get("OPTIONS", {}).get("querystring_auth"):
    FEED_CARD_SECONDS = min(FEED_CARD_SECONDS, MEDIA_STORAGE["OPTIONS"]["querystring_expire"] // 2)
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "instaclone.static_storage.ManifestStaticStorage"
        )
    },
}

# --- Uploads and limits ---------------------------------------------------------------
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 50_000_000)
MAX_IMAGE_SIDE = env_int("MAX_IMAGE_SIDE", 10_000)
MAX_FILES_PER_POST = env_int("MAX_FILES_PER_POST", 10)
# The whole request may carry MAX_FILES_PER_POST files of MAX_UPLOAD_BYTES each, plus form
# fields; anything larger is refused with 413 before the body is read.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", MAX_UPLOAD_BYTES * MAX_FILES_PER_POST + 1_048_576)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email ----------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Instaclone <no-reply@localhost>")

# --- REST API -------------------------------------------------------------------------
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 20)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 50)
# Search ranks at most this many prefix and as many anywhere matches (people and tags), so
# a term that most names contain costs what a rare one does.
SEARCH_MAX_CANDIDATES = env_int("SEARCH_MAX_CANDIDATES", 500)

# --- Rate limits (instaclone/ratelimit.py; pages and API share each counter) -----------
# RATE_LIMITS=off turns every limit off (load tests, benchmarks, end-to-end suites).
RATE_LIMITS_ENABLED = env_str("RATE_LIMITS", "on").strip().lower() not in {"off", "0", "false"}
NUM_PROXIES = env_int("NUM_PROXIES", 0)
# Per user when logged in, else per client address; "N/unit" or "N/<k><unit>" (10/15min).
RATE_LIMIT_RATES = {
    # Failed logins per typed username/email and per address, on every login path.
    "login_account": env_str("RATE_LIMIT_LOGIN_ACCOUNT", "10/15min"),
    "login_address": env_str("RATE_LIMIT_LOGIN_ADDRESS", "50/15min"),
    # API token requests (right or wrong) per address.
    "auth": env_str("RATE_LIMIT_AUTH", "20/min"),
    "register": env_str("RATE_LIMIT_REGISTER", "10/hour"),
    "password_reset": env_str("RATE_LIMIT_PASSWORD_RESET", "5/hour"),
    # Reset emails per email address, whoever asks (more are dropped silently).
    "password_reset_email": env_str("RATE_LIMIT_PASSWORD_RESET_EMAIL", "3/hour"),
    "password_change": env_str("RATE_LIMIT_PASSWORD_CHANGE", "10/hour"),
    "post_create": env_str("RATE_LIMIT_POST_CREATE", "60/hour"),
    "comment_create": env_str("RATE_LIMIT_COMMENT_CREATE", "300/hour"),
    "like": env_str("RATE_LIMIT_LIKE", "500/hour"),
    "follow": env_str("RATE_LIMIT_FOLLOW", "200/hour"),
    "report": env_str("RATE_LIMIT_REPORT", "30/hour"),
    # Searches by anonymous visitors, per address.
    "search": env_str("RATE_LIMIT_SEARCH", "30/min"),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "instaclone.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [],
    "NUM_PROXIES": NUM_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Tokens carry a hash of the password hash: a password change or reset makes every
    # earlier access and refresh token of that user invalid at once.
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
    "CHECK_USER_IS_ACTIVE": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Instaclone API",
    "DESCRIPTION": "The JSON API for Instaclone's web, React and mobile clients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Websockets -----------------------------------------------------------------------
WS_ALLOWED_ORIGINS = env_list("WS_ALLOWED_ORIGINS", [])
# Live updates: at most one post.counts per post per interval and socket; every open
# socket's subscriptions are re-checked at least this often; a client sending more than
# LIVE_MAX_MESSAGES within LIVE_RATE_WINDOW seconds is closed (1008).
LIVE_COUNTS_INTERVAL = env_int("LIVE_COUNTS_INTERVAL_MS", 100) / 1000
LIVE_RECHECK_SECONDS = env_int("LIVE_RECHECK_SECONDS", 60)
LIVE_MAX_MESSAGES = env_int("LIVE_MAX_MESSAGES", 60)
LIVE_RATE_WINDOW = 10

# --- Tailwind -------------------------------------------------------------------------
TAILWIND_APP_NAME = "theme"
NPM_BIN_PATH = env_str("NPM_BIN_PATH", "npm")

# --- Security -------------------------------------------------------------------------
# Django's database sessions, with their account (accounts.models.Session) read with them.
SESSION_ENGINE = "instaclone.sessions"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag instead
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp, extended by instaclone.middleware with the media
# origin and this host's websocket URL). No inline scripts or styles anywhere: page scripts
# live in static/js, placeholders and sizes are classes or set from data attributes; Swagger
# UI's page loads its script and style from URLs. Media files get their own
# "default-src 'none'; sandbox" (instaclone/media.py).
_CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # data: for inline SVG icons in stylesheets, blob: for the create page's previews.
    "img-src": ["'self'", "data:", "blob:"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
if env_str("CSP_REPORT_URI"):
    _CSP_DIRECTIVES["report-uri"] = [env_str("CSP_REPORT_URI")]
# CSP_REPORT_ONLY=1 sends the policy as Content-Security-Policy-Report-Only: violations are
# reported (browser console, CSP_REPORT_URI) but nothing is blocked.
# (Not kept as a CSP_REPORT_ONLY setting: django-csp's checks reject its 3.x setting names.)
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if env_bool("TRUST_X_FORWARDED_PROTO", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Probes from load balancers and orchestrators come straight to the app, without TLS.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^ping$"]

# --- Logging --------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# json: one JSON object per line (time, level, logger, message, request_id, extra fields);
# plain: one readable line. Every record logged while a request is served carries its id.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, got {LOG_FORMAT!r}")
LOGGING_CONFIG = "instaclone.logging.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "instaclone.logging.PlainFormatter"},
        "json": {"()": "instaclone.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "daphne": {"level": "WARNING"},
        # Our access log replaces the servers' own (runserver's django.server in development).
        "django.server": {"level": "WARNING"},
        # Every request and websocket; ACCESS_LOG=0 silences them.
        "instaclone.access": {"level": "INFO" if env_bool("ACCESS_LOG", True) else "WARNING"},
        "instaclone.websocket": {"level": "INFO" if env_bool("ACCESS_LOG", True) else "WARNING"},
    },
}
# Celery workers log through the handlers above (JSON in production) instead of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
