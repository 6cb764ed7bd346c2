"""Settings for 社区通, configured from the environment (see .env.example)."""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


TESTING = "pytest" in sys.modules or env_bool("SHEQUTONG_TESTING")
# A scratch process (SHEQUTONG_SCRATCH=1) holds no personal data and can reach
# none: its database is an in-memory SQLite (replaced by a temporary file of
# its own by the tool that runs), its keys are random for the process, and no
# .env is read. It therefore needs no secrets, so a clean clone can run it.
# `manage.py policy_eval` (the 政策找人 evaluation harness) runs this way:
# manage.py sets the variable for it (SCRATCH_COMMANDS there).
SCRATCH = env_flag("SHEQUTONG_SCRATCH")
# A developer's .env (written by `make run`, DEBUG on) configures their server,
# never the test suite: tests see only the environment they were started with.
if not TESTING and not SCRATCH and not env_flag("SHEQUTONG_NO_DOTENV"):
    load_dotenv(BASE_DIR / ".env")
DEBUG = env_bool("DJANGO_DEBUG", False)
# Production is any run that is neither DEBUG, nor a test run, nor a scratch
# process: it refuses to start without real secrets (see
# shequtong/common/crypto.py and checks.py).
PRODUCTION = not DEBUG and not TESTING and not SCRATCH

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if SCRATCH:
    SECRET_KEY = secrets.token_urlsafe(50)
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("DJANGO_SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-dev-only-secret-key"  # noqa: S105 - dev and tests only

ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves Swagger UI from our static files (no CDN, no inline script)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",  # its table stays empty: accounts.EncryptedTOTPDevice (key encrypted)
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "shequtong.common",
    "shequtong.integrations.grid_local",  # the local grid adapter's request table
    "shequtong.places",
    "shequtong.accounts",
    "shequtong.inbox",
    "shequtong.notifications",
    "shequtong.boards",
    "shequtong.chats",
    "shequtong.letters",
    "shequtong.cases",
    "shequtong.visits",
    "shequtong.epidemic",
    "shequtong.rural",
    "shequtong.charity",
    "shequtong.points", "shequtong.campaigns",  # issue 17: 积分, 抽奖 and 有奖答题
    "shequtong.policy",
    "shequtong.open311",
    "shequtong.follows",
    "shequtong.observe",
    "shequtong.operations",  # issue 20: bootstrap, imports, administration pages
    "shequtong.ops",  # issue 20: /readyz, /metrics, the read replica's router, backup and restore
    "shequtong.web",
    "shequtong.cityops",  # issue 21: 城运中心对接 (feeds, webhook, the 治慧中心 wall)
    "shequtong.demo",  # seed_demo and the other generators: nothing imports it
]

MIDDLEWARE = [
    # The request id (X-Request-ID, in every log line of the request) and the per-view metrics
    # come first, so shed requests are counted and carry an id too; both cost no database work.
    "shequtong.common.logs.RequestIdMiddleware",
    "shequtong.ops.metrics.MetricsMiddleware",
    # Then shedding, so a shed request costs no session, database or template work.
    "shequtong.common.shedding.LoadSheddingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shequtong.common.middleware.LocaleMiddleware",  # Django's, no language looked for in the path
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shequtong.common.access.AccessRuleMiddleware",
    "shequtong.common.middleware.CleanInputMiddleware",
    "shequtong.common.middleware.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shequtong.common.csp.CSPMiddleware",  # django-csp's, the header built once (common/csp.py)
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Load shedding (common/shedding.py): a request the front proxy stamped (X-Request-Start)
# that waited longer than this in the app server's queue is answered 503 at once. 0 turns it off.
SHED_QUEUE_MS = float(os.environ.get("SHED_QUEUE_MS", "1000"))
SHED_RETRY_AFTER = int(os.environ.get("SHED_RETRY_AFTER", "3"))

ROOT_URLCONF = "shequtong.urls"
WSGI_APPLICATION = "shequtong.wsgi.application"
ASGI_APPLICATION = "shequtong.asgi.application"

# What every page's template sees (Django and Jinja2 pages alike; not the Jinja2 list fragments).
CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "shequtong.web.context_processors.shell",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shequtong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": CONTEXT_PROCESSORS,
            # {% url %} with its URLs kept per process (common/reversing.py), in every template.
            "builtins": ["shequtong.common.templatetags.reversing"],
        },
    },
    # Hot list fragments (docs/architecture.md "Rendering a list"): compiled Jinja2 templates
    # under <app>/jinja2/, rendered from a Django template by {% fragment %}. No context
    # processors: a fragment gets exactly what its caller passes.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "shequtong" / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "shequtong.common.jinja.environment", "autoescape": True},
    },
    # Whole pages in Jinja2 (docs/architecture.md "Rendering a list (the hot path)"): a page extends
    # shell/page.jinja and is rendered by common.pages.render, with the context processors'
    # values as a Django template gets them.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "pages",
        "DIRS": [BASE_DIR / "shequtong" / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "shequtong.common.jinja.environment", "autoescape": True,
                    "context_processors": CONTEXT_PROCESSORS},
    },
]

# --- Database -------------------------------------------------------------
# SQLite (WAL) is the embedded default; PostgreSQL is production and CI.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # A persistent connection the database dropped (restart, failover, pg_terminate_backend) is
        # found before a request uses it, instead of failing that request (bench/faults.py postgres).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A psycopg connection pool per process (Django 5.1+) instead of one persistent connection per
# thread: DB_POOL=1, sized by DB_POOL_MIN_SIZE/DB_POOL_MAX_SIZE (its use shows in /metrics).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
        "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "8")),
        "timeout": float(os.environ.get("DB_POOL_TIMEOUT_SECONDS", "10")),
    }
# The hot standby (NF-5, ops/replica.py): a streaming replica of the primary. 观察者 reads go to
# it; everything else, and every read inside a transaction, stays on the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")), conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["shequtong.ops.replica.ReplicaRouter"]
if SCRATCH:
    # Never the configured database: a scratch process must not reach real data.
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A second process under ASGI serves the Server-Sent Events URLs, which nginx routes to it
# (deploy/: the `live` service, shequtong-live.service): pages rendered under WSGI then offer
# them (chats.live.offered). Only with Redis; the stream views still answer only under ASGI.
LIVE_PROCESS = env_bool("LIVE_PROCESS", False)
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Short timeouts: a Redis that is gone must cost little (common/redis_cache.py serves without it).
    CACHES = {"default": {"BACKEND": "shequtong.common.redis_cache.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.5")),
                                      "socket_timeout": float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.5"))}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Caches that must agree across processes (a session, who a user is) are only
# used with a shared cache; local memory is per process (accounts/identity.py).
SHARED_CACHE = bool(REDIS_URL)
# After a Redis error, this many seconds without trying Redis (each process).
REDIS_RETRY_SECONDS = float(os.environ.get("REDIS_RETRY_SECONDS", "5"))
IDENTITY_CACHE_SECONDS = int(os.environ.get("IDENTITY_CACHE_SECONDS", "300" if SHARED_CACHE else "0"))
# Small derived values kept until the rows behind them change (common/versioned.py): with a
# shared cache, and in tests (one process) so the suite proves every write touches what it must.
VERSIONED_CACHE = env_bool("VERSIONED_CACHE", SHARED_CACHE or TESTING)
VERSIONED_CACHE_SECONDS = int(os.environ.get("VERSIONED_CACHE_SECONDS", "300"))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Accounts and security (NF-4) -----------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "shequtong.accounts.backends.UsernameOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "shequtong.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "real_name", "email"), "max_similarity": 0.7}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Passwords people here choose (place names, the platform, the year): refused whatever the case,
    # digits or symbols around them (accounts/passwords.py, list in accounts/local_common_passwords.txt).
    {"NAME": "shequtong.accounts.passwords.LocalCommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Five wrong passwords are allowed; the sixth attempt is refused and locks the
# account for AXES_COOLOFF_TIME (axes locks when failures reach the limit).
AXES_FAILURE_LIMIT = 6
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = 0.5  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "shequtong.accounts.backends.axes_username"
AXES_VERBOSE = False
# What axes records: the account's username or a keyed hash of what was typed (never a clear
# phone or ID number), the real client address, and no request headers or form data.
AXES_CLIENT_IP_CALLABLE = "shequtong.common.clientip.client_ip"

# With Redis, sessions are read from the cache and written to both (no session
# query per request); without it, from the database.
# With Redis: Django's cached_db, whose idle-timeout refreshes go to the cache alone while the database
# copy is younger than SESSION_DB_REFRESH_SECONDS (accounts/sessions.py).
SESSION_ENGINE = "shequtong.accounts.sessions" if SHARED_CACHE else "django.contrib.sessions.backends.db"
SESSION_DB_REFRESH_SECONDS = int(os.environ.get("SESSION_DB_REFRESH_SECONDS", "300"))
SESSION_COOKIE_AGE = 30 * 60  # 30-minute idle timeout ...
SESSION_SAVE_EVERY_REQUEST = False  # ... refreshed by IdleTimeoutMiddleware at most once a minute
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS only in production (docs/operations.md "HTTPS"): nginx terminates TLS and says so in
# X-Forwarded-Proto, which Django believes only because the app listens on loopback behind it.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", PRODUCTION) else None
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600) if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = False  # preloading is a decision for the domain's owner, not a default
# The health probe is plain HTTP from the host itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# Our reverse proxies (addresses or networks): only a request from one of them may name the
# client in X-Forwarded-For (common/clientip.py). Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()]
# Login throttling by address (accounts/throttle.py), next to axes' per-account lockout:
# failed logins from one client address, and from its /24, within the window.
LOGIN_FAILURES_PER_IP = int(os.environ.get("LOGIN_FAILURES_PER_IP", "20"))
LOGIN_FAILURES_PER_SUBNET = int(os.environ.get("LOGIN_FAILURES_PER_SUBNET", "60"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
# SMS codes (accounts/throttle.py): per phone, per client address and for the whole platform,
# each within its window; past SMS_CAPTCHA_AFTER_PER_IP codes from one address a captcha is asked first.
SMS_CODES_PER_PHONE_HOUR = int(os.environ.get("SMS_CODES_PER_PHONE_HOUR", "5"))
SMS_CODES_PER_IP_HOUR = int(os.environ.get("SMS_CODES_PER_IP_HOUR", "10"))
SMS_CODES_PER_MINUTE = int(os.environ.get("SMS_CODES_PER_MINUTE", "60"))
SMS_CAPTCHA_AFTER_PER_IP = int(os.environ.get("SMS_CAPTCHA_AFTER_PER_IP", "3"))
# Claiming an imported account (认领账号): refused attempts before the phone, or the address, is locked out for the hour.
CLAIM_FAILURES_PER_PHONE_HOUR = int(os.environ.get("CLAIM_FAILURES_PER_PHONE_HOUR", "5"))
CLAIM_FAILURES_PER_IP_HOUR = int(os.environ.get("CLAIM_FAILURES_PER_IP_HOUR", "20"))
# API tokens (accounts/services.py create_api_token): default and longest lifetime in days.
API_TOKEN_DEFAULT_DAYS = int(os.environ.get("API_TOKEN_DEFAULT_DAYS", "30"))
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "90"))
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "shequtong.accounts.middleware.IdleTimeoutMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("shequtong.accounts.middleware.IdleTimeoutMiddleware") + 1,
                  "shequtong.accounts.middleware.NoStoreMiddleware")
if DATABASE_REPLICA_URL:  # 观察者 GETs read from the replica (ops/replica.py)
    MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                      "shequtong.ops.replica.ObserverReadsMiddleware")
# After AccessRuleMiddleware (its process_view refuses the anonymous first).
MIDDLEWARE.insert(MIDDLEWARE.index("shequtong.common.access.AccessRuleMiddleware") + 1,
                  "shequtong.accounts.middleware.StaffSecurityMiddleware")
# MLPS level 3 (docs/security.md): staff accounts (every role but 居民/党员) sign in with a
# second factor (TOTP, django-otp) and change their password every 90 days. The test suite
# turns the second factor off (its own tests turn it on); the demo enrols its staff with a
# published secret (manage.py demo_logins prints it, manage.py demo_otp a current code).
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", not TESTING)
STAFF_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("STAFF_PASSWORD_MAX_AGE_DAYS", "90"))
OTP_TOTP_ISSUER = "宝山社区通"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Personal-data keys: base64 of 32 random bytes each, never in the database.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")
# Key rotation (common/crypto.py, docs/operations.md): more keys that may still be read,
# "id:base64,id:base64" (FIELD_ENCRYPTION_KEY is id 1), and the id new values are written under.
FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS", "")
FIELD_ENCRYPTION_KEY_ID = int(os.environ.get("FIELD_ENCRYPTION_KEY_ID", "1"))
BLIND_INDEX_KEY = os.environ.get("BLIND_INDEX_KEY", "")
# The audit log's hash chain is an HMAC under this key (accounts/audit_chain.py): without it
# someone with write access to the database could recompute the chain after an edit.
AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY", "")
if SCRATCH:
    # Random for the process: whatever a scratch run encrypts is unreadable afterwards, as it should be.
    FIELD_ENCRYPTION_KEY, FIELD_ENCRYPTION_KEYS, FIELD_ENCRYPTION_KEY_ID = base64.b64encode(os.urandom(32)).decode(), "", 1
    BLIND_INDEX_KEY = base64.b64encode(os.urandom(32)).decode()
    AUDIT_CHAIN_KEY = base64.b64encode(os.urandom(32)).decode()
if PRODUCTION and not ((FIELD_ENCRYPTION_KEY or FIELD_ENCRYPTION_KEYS) and BLIND_INDEX_KEY):
    raise RuntimeError("FIELD_ENCRYPTION_KEY and BLIND_INDEX_KEY must be set in production (see .env.example)")

SMS_BACKEND = os.environ.get("SMS_BACKEND", "shequtong.integrations.sms.ConsoleSmsGateway")
SMS_CODE_TTL_SECONDS = 300

# --- i18n -----------------------------------------------------------------
# Interface text is written in Simplified Chinese (the specification's words)
# and wrapped in gettext; zh-hans is the source language.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "shequtong" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "shequtong.common.staticfiles.KeptUrlStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Logging, metrics, error reporting (issue 20 item 5, docs/operations.md "Watching it") ---
# LOG_FORMAT=json: one JSON object a line with the request id (common/logs.py), the default in
# production; "plain" for a console. The access line of each request is the shequtong.request logger.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shequtong.common.logs.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
                   "json": {"()": "shequtong.common.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if LOG_FORMAT == "json" else "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "jieba": {"level": "WARNING"},
                # Access lines: on in production; a developer's console has runserver's own.
                "shequtong.request": {"level": os.environ.get("ACCESS_LOG_LEVEL", "INFO" if PRODUCTION else "WARNING")}},
}
# /metrics (ops/views.py): the bearer token, or a client address inside these networks.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [n.strip() for n in os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128").split(",") if n.strip()]
# Sentry (or GlitchTip): only with a DSN; sentry-sdk is the optional extra "sentry".
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN and not TESTING:
    from shequtong.common import errortracking

    errortracking.init(SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
                       release=os.environ.get("SENTRY_RELEASE", ""),
                       traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")))

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

SILENCED_SYSTEM_CHECKS = [
    # Lockout is per account (the sixth wrong password locks that account):
    # mobile carriers put many residents behind one IP, so IP lockout would
    # lock out whole estates.
    "axes.W006",
    # SQLite cannot enforce NULLS NOT DISTINCT; grant_role checks duplicates
    # in a transaction, and PostgreSQL (production) enforces the constraint.
    "models.W047",
    # SQLite cannot hold a unique constraint with INCLUDE columns (cases.CaseTermStat's key, a
    # covering unique index on PostgreSQL); there one worker job writes that table, one day at a time.
    "models.W039",
    # SQLite ignores an index's INCLUDE columns (a plain index there); the covering
    # indexes are for PostgreSQL's index-only scans (docs/performance.md).
    "models.W040",
]

# --- Outbox, worker, grid and reminders (letters/cases) --------------------
# The grid adapter (integrations/grid.py); the local backend keeps requests in
# a table that staff close in the admin. The Open311 adapter replaces it.
GRID_GATEWAY = os.environ.get("GRID_GATEWAY", "shequtong.integrations.grid_local.LocalGridGateway")
# Server-side speech-to-text for dictated 面对面 records (integrations/speech.py): a dotted path to an
# adapter class; empty (the default) = no transcription, the typed text is the record's content.
SPEECH_BACKEND = os.environ.get("SPEECH_BACKEND", "")
# Reminder pushes (WeChat/SMS adapters later); the console backend logs them.
PUSH_BACKEND = os.environ.get("PUSH_BACKEND", "shequtong.notifications.channels.ConsolePushChannel")
# Outbox retries: exponential from the base, capped, ±50% jitter; a row is
# given up (and can be re-queued in the admin) after OUTBOX_MAX_ATTEMPTS,
# about three days of an outage at the capped pace.
OUTBOX_BACKOFF_BASE_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_BASE_SECONDS", "30"))
OUTBOX_BACKOFF_MAX_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "80"))
# A worker claims a row for this long; if it dies mid-delivery, another takes the row after it.
OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))
# `manage.py worker`: idle sleep between passes, and how often each periodic job runs (seconds).
WORKER_IDLE_SECONDS = float(os.environ.get("WORKER_IDLE_SECONDS", "5"))
WORKER_DEFAULT_INTERVAL_SECONDS = 300
# The worker's heartbeat (notifications/heartbeat.py): written at most this often; /readyz fails
# and the metric shows it when the freshest beat is older than the max age.
WORKER_HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "15"))
WORKER_HEARTBEAT_MAX_AGE_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_MAX_AGE_SECONDS", "180"))
WORKER_SCHEDULE = {
    "cases.overdue_scan": 600,
    "cases.grid_poll": 120,
    # Counts the words of each finished day's cases (cases/rollups.py); a day is closed once.
    "cases.term_rollup": 900,
    "observe.hot": 60,  # 宝山圈 最热 (observe/feed.py)
}

# --- Grid link over Open311 (CT-8), our Open311 server, notification channels (NF-6) ---
# The real grid adapter: GRID_GATEWAY=shequtong.integrations.open311_client.Open311GridGateway
# with the grid's GeoReport v2 base URL, API key and jurisdiction id.
GRID_OPEN311_URL = os.environ.get("GRID_OPEN311_URL", "")
GRID_OPEN311_API_KEY = os.environ.get("GRID_OPEN311_API_KEY", "")
GRID_OPEN311_JURISDICTION = os.environ.get("GRID_OPEN311_JURISDICTION", "")
GRID_OPEN311_TIMEOUT_SECONDS = float(os.environ.get("GRID_OPEN311_TIMEOUT_SECONDS", "10"))
# Secret the grid signs its result callbacks with (Standard Webhooks, "whsec_<base64>");
# empty: the callback endpoint refuses everything and results arrive by polling only.
GRID_WEBHOOK_SECRET = os.environ.get("GRID_WEBHOOK_SECRET", "")
if PRODUCTION and GRID_GATEWAY.endswith("Open311GridGateway") and not GRID_OPEN311_URL:
    raise RuntimeError("GRID_OPEN311_URL must be set when the Open311 grid gateway is used")
WORKER_SCHEDULE.setdefault("open311.pull_grid_updates", 300)
WORKER_SCHEDULE.setdefault("open311.prune_webhook_receipts", 3600)
# --- 城运中心对接 (issue 21; docs/cityops.md) ---
# Where the centre receives our signed webhook, and the secret (Standard Webhooks, "whsec_<base64>");
# empty URL: nothing is pushed, the centre reads the feeds.
CITYOPS_WEBHOOK_URL = os.environ.get("CITYOPS_WEBHOOK_URL", "")
CITYOPS_WEBHOOK_SECRET = os.environ.get("CITYOPS_WEBHOOK_SECRET", "")
if PRODUCTION and CITYOPS_WEBHOOK_URL and not CITYOPS_WEBHOOK_SECRET:
    raise RuntimeError("CITYOPS_WEBHOOK_SECRET must be set when CITYOPS_WEBHOOK_URL is")
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Each feed answer is computed at most once per this many seconds (and cacheable that long).
CITYOPS_CACHE_SECONDS = int(os.environ.get("CITYOPS_CACHE_SECONDS", "30"))
CITYOPS_REQUESTS_PER_MINUTE = int(os.environ.get("CITYOPS_REQUESTS_PER_MINUTE", "120"))
# Counts that could single out a person (health archives, warnings) below this are suppressed.
CITYOPS_MIN_COUNT = int(os.environ.get("CITYOPS_MIN_COUNT", "5"))
# The wall's live updates: how often the server looks for new figures (seconds).
CITYOPS_WALL_REFRESH_SECONDS = int(os.environ.get("CITYOPS_WALL_REFRESH_SECONDS", "30"))
# The wall says its figures are stale after this many seconds without fresh data (0: 2 × refresh + 60).
CITYOPS_WALL_STALE_SECONDS = int(os.environ.get("CITYOPS_WALL_STALE_SECONDS", "0"))
WORKER_SCHEDULE.setdefault("cityops.summary", int(os.environ.get("CITYOPS_SUMMARY_SECONDS", "900")))
WORKER_SCHEDULE.setdefault("cityops.notable", 60)
# The worker computes the feeds ahead every this many seconds, for these periods (days), district-wide
# and per subdistrict; requests are served those answers while younger than the max age (default:
# two periods plus a minute), and compute themselves only past it (no worker running).
WORKER_SCHEDULE.setdefault("cityops.precompute", int(os.environ.get("CITYOPS_PRECOMPUTE_SECONDS", "120")))
CITYOPS_PRECOMPUTE_DAYS = [int(d) for d in os.environ.get("CITYOPS_PRECOMPUTE_DAYS", "30").split(",") if d.strip()]
CITYOPS_SNAPSHOT_MAX_AGE_SECONDS = int(os.environ.get(
    "CITYOPS_SNAPSHOT_MAX_AGE_SECONDS", str(2 * WORKER_SCHEDULE["cityops.precompute"] + 60)))

# Our own read-only Open311 server (/open311/).
OPEN311_JURISDICTION_ID = os.environ.get("OPEN311_JURISDICTION_ID", "baoshan.shanghai")
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "宝山区社区通平台运维")

# E-mail through Django's SMTP backend; the console backend in development.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "15"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "社区通 <noreply@localhost>")

# SMS over an HTTP provider (SMS_BACKEND=shequtong.integrations.sms_http.HttpSmsGateway).
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_API_KEY = os.environ.get("SMS_HTTP_API_KEY", "")
SMS_HTTP_SIGN_NAME = os.environ.get("SMS_HTTP_SIGN_NAME", "宝山社区通")
SMS_HTTP_TIMEOUT_SECONDS = float(os.environ.get("SMS_HTTP_TIMEOUT_SECONDS", "10"))
# SMS through Tencent Cloud or Alibaba Cloud (integrations/sms_cloud.py):
# SMS_BACKEND=shequtong.integrations.sms_cloud.TencentSmsGateway or ….AliyunSmsGateway.
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", SMS_HTTP_SIGN_NAME)
SMS_TEMPLATE_CODE = os.environ.get("SMS_TEMPLATE_CODE", "")      # 您的验证码是{1}… (Alibaba: ${code})
SMS_TEMPLATE_NOTICE = os.environ.get("SMS_TEMPLATE_NOTICE", "")  # {1} (Alibaba: ${content})
SMS_TIMEOUT_SECONDS = float(os.environ.get("SMS_TIMEOUT_SECONDS", "10"))
SMS_TENCENT_ENDPOINT = os.environ.get("SMS_TENCENT_ENDPOINT", "https://sms.tencentcloudapi.com")
SMS_TENCENT_SECRET_ID = os.environ.get("SMS_TENCENT_SECRET_ID", "")
SMS_TENCENT_SECRET_KEY = os.environ.get("SMS_TENCENT_SECRET_KEY", "")
SMS_TENCENT_SDK_APP_ID = os.environ.get("SMS_TENCENT_SDK_APP_ID", "")
SMS_TENCENT_REGION = os.environ.get("SMS_TENCENT_REGION", "ap-guangzhou")
SMS_ALIYUN_ENDPOINT = os.environ.get("SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com")
SMS_ALIYUN_ACCESS_KEY_ID = os.environ.get("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = os.environ.get("SMS_ALIYUN_ACCESS_KEY_SECRET", "")

# WeChat template messages (WECHAT_BACKEND=shequtong.integrations.wechat.WeChatTemplateChannel).
WECHAT_BACKEND = os.environ.get("WECHAT_BACKEND", "shequtong.integrations.wechat.ConsoleWeChatChannel")
WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "")
# Web authorisation (binding an account from 我的): the browser is sent to open.weixin.qq.com.
WECHAT_OPEN_BASE = os.environ.get("WECHAT_OPEN_BASE", "https://open.weixin.qq.com")
WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "")
WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", "")
WECHAT_TEMPLATE_ID = os.environ.get("WECHAT_TEMPLATE_ID", "")
WECHAT_TIMEOUT_SECONDS = float(os.environ.get("WECHAT_TIMEOUT_SECONDS", "10"))
# Absolute links in messages that leave the platform (WeChat, e-mail), e.g. "https://sqt.example".
SITE_URL = os.environ.get("SITE_URL", "")

# --- Delivery log, outbox alerts, what our Open311 server publishes ------------
# After this many consecutive failed attempts of one outbox row, every system
# administrator is told once in 信箱 (and the log gets a WARNING); giving a row up alerts once more.
OUTBOX_ALERT_AFTER_ATTEMPTS = int(os.environ.get("OUTBOX_ALERT_AFTER_ATTEMPTS", "5"))
# Successful calls made outside an outbox delivery (the grid poll, the updates feed) are
# forgotten after this many days; failures and outbox attempts are kept.
DELIVERY_LOG_RETENTION_DAYS = int(os.environ.get("DELIVERY_LOG_RETENTION_DAYS", "30"))
WORKER_SCHEDULE.setdefault("notifications.prune_delivery_log", 86400)
# Case sources our public Open311 server lists (shequtong/open311/README.md): cases from
# public posts only (a 身边事 tag, an @居委 press on a board, the same by patrol staff), once
# the committee has accepted them and while the post or reply stays visible. Letters and
# 面对面 visits are private in the app and never published (system check open311.E001);
# cases recorded from a group-chat message neither, whatever their source.
OPEN311_PUBLISHED_SOURCES = tuple(
    s.strip() for s in os.environ.get(
        "OPEN311_PUBLISHED_SOURCES", "tag,mention,patrol_committee,patrol_subdistrict,patrol_district",
    ).split(",") if s.strip()
)
