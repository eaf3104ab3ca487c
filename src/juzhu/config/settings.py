"""One env-driven settings module (healthchecks' hc/settings.py style).

Defaults give a working embedded service: SQLite in ``var/`` with WAL, a busy timeout and
IMMEDIATE transactions. Set ``DATABASE_URL`` (postgres://...) for PostgreSQL.

Production is the default (``JUZHU_ENV``): the keys come from the environment and nothing
starts without them (``juzhu.config.keys``); cookies are Secure, HSTS and a CSP are sent.
``JUZHU_ENV=development`` (``make run``, the tests) generates missing keys under the
project's absolute ``var/`` and keeps plain http working.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import django_stubs_ext

from juzhu.config import database_url
from juzhu.config import keys as _keys

# The generic classes django-stubs types (``admin.ModelAdmin[Officer]``,
# ``forms.ModelForm[Office]``) subscriptable at run time too; nothing else changes.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

# -- keys and environment (helper keys, issue 14): checked first, before anything is created
JUZHU_ENV = _keys.environment()
DEVELOPMENT = JUZHU_ENV == _keys.DEVELOPMENT
_KEYS = _keys.keys_for()  # production: every key from the environment, or a refusal
VAR_DIR = _keys.var_dir()  # absolute: never the working directory's ./var


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("JUZHU_DEBUG", False)
SECRET_KEY = _KEYS["JUZHU_SECRET_KEY"]
DATA_KEY = _KEYS["JUZHU_DATA_KEY"]
INDEX_KEY = _KEYS["JUZHU_INDEX_KEY"]
# Previous data keys (comma-separated), kept only while ``juzhu keys rotate`` re-encrypts.
DATA_KEYS_OLD = [
    k.strip() for k in os.environ.get("JUZHU_DATA_KEY_OLD", "").split(",") if k.strip()
]
INDEX_KEYS_OLD = [
    k.strip() for k in os.environ.get("JUZHU_INDEX_KEY_OLD", "").split(",") if k.strip()
]
# The seal of the letters (Ed25519 seed, base64 of 32 bytes): ``juzhu letter verify`` checks it.
SEAL_KEY = _KEYS["JUZHU_SEAL_KEY"]
# Keys the history's hash chains and signs its anchors (registry/audit_key.py), base64 of 32 bytes.
AUDIT_KEY = _KEYS["JUZHU_AUDIT_KEY"]
LETTER_DIR = Path(os.environ.get("JUZHU_LETTER_DIR", str(VAR_DIR / "letters")))
ALLOWED_HOSTS = os.environ.get("JUZHU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
SITE_URL = os.environ.get("JUZHU_SITE_URL", "http://127.0.0.1:8000")

# The demo flag (``make run`` sets it): the login-code page also shows the code the fake
# SMS gateway was given, so a newcomer can sign in as a demo holder. Off by default, and
# refused anywhere but a development machine: a host other than this machine in
# JUZHU_ALLOWED_HOSTS, or a real SMS gateway, means it is not one.
DEMO = env_bool("JUZHU_DEMO", False)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "testserver"}
if DEMO and (
    set(ALLOWED_HOSTS) - LOCAL_HOSTS or os.environ.get("JUZHU_SMS_GATEWAY") or not DEVELOPMENT
):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "JUZHU_DEMO=1 shows login codes on the page and is for a development machine only; "
        "unset JUZHU_DEMO (JUZHU_ALLOWED_HOSTS, JUZHU_SMS_GATEWAY or JUZHU_ENV, which is not "
        "development, say this is not one)"
    )

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "juzhu.registry",
    "juzhu.notifications",
    "juzhu.verification",
    "ninja",  # serves /api/docs' Swagger assets locally (a CDN may be unreachable)
    "juzhu.portal",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tables2",
    "django_filters",
    "juzhu.backoffice",
    "csp",  # django-csp: the Content-Security-Policy header (its settings checks)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # failure (issue 14 item 7): 413 while an upload streams in; 503/409/507 with a clear
    # message when the database, a lock, the scanner or the disk fails (config/failure.py)
    "juzhu.config.failure.FailureMiddleware",
    # a NUL in any field or the query string: 400, never a database error (T7)
    "juzhu.config.input_guard.RefuseNulMiddleware",
    # static files (admin CSS, portal CSS) served by the app itself (juzhu serve)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): password + TOTP
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # a read whose access log cannot be written: 503, nothing of the record (security.md T14)
    "juzhu.config.audit_guard.AuditFailClosedMiddleware",
    "csp.middleware.CSPMiddleware",  # every response: see CONTENT_SECURITY_POLICY
]

ROOT_URLCONF = "juzhu.config.urls"
WSGI_APPLICATION = "juzhu.config.wsgi.application"
TEMPLATES = [
    {
        # the portal's pages (portal/jinja2/): compiled once per process (portal/templating.py)
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "juzhu.portal.templating.environment",
            "auto_reload": DEBUG,
            "context_processors": ["juzhu.portal.templating.csrf_once"],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]


# --- failure (issue 14 item 7): PostgreSQL timeouts --------------------------------------
# Budgets (security.md §4): a statement < 3 s, a lock wait < 2 s, a connection attempt
# 5 s; a transaction left idle is ended after 30 s. Batch commands (sweep, import, demo,
# migrate …) get longer budgets: ``juzhu.cli.django_setup`` sets JUZHU_DB_STATEMENT_TIMEOUT
# and JUZHU_DB_LOCK_TIMEOUT for them before Django starts. Values in milliseconds (0: none).
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("JUZHU_DB_STATEMENT_TIMEOUT", "3000"))
DB_LOCK_TIMEOUT_MS = int(os.environ.get("JUZHU_DB_LOCK_TIMEOUT", "2000"))
DB_IDLE_IN_TRANSACTION_MS = int(os.environ.get("JUZHU_DB_IDLE_IN_TRANSACTION_TIMEOUT", "30000"))
DB_CONNECT_TIMEOUT_S = int(os.environ.get("JUZHU_DB_CONNECT_TIMEOUT", "5"))


# --- scaling (issue 15): PgBouncer in transaction mode (docs/howto/database-scaling.md) ---
# JUZHU_PGBOUNCER=1: DATABASE_URL names a PgBouncer whose pools hand each transaction any
# server connection. Nothing may then rest on the session: no ``options`` startup parameter
# (PgBouncer 1.18 refuses it; the timeouts above are then the role's own settings, which
# ``juzhu db roles`` writes), no server-side cursors (Django's docs), no prepared
# statements (asyncpg's statement cache off, psycopg's prepare off).
PGBOUNCER = env_bool("JUZHU_PGBOUNCER", False)
DISABLE_SERVER_SIDE_CURSORS = PGBOUNCER


def _timeouts(db: Any) -> None:
    options = db["OPTIONS"]
    options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT_S)
    db["CONN_HEALTH_CHECKS"] = True
    db["DISABLE_SERVER_SIDE_CURSORS"] = PGBOUNCER
    if PGBOUNCER:
        return
    options["options"] = " ".join(
        [
            options.get("options", ""),
            f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}",
            f"-c lock_timeout={DB_LOCK_TIMEOUT_MS}",
            f"-c idle_in_transaction_session_timeout={DB_IDLE_IN_TRANSACTION_MS}",
        ]
    ).strip()


# --- end failure ------------------------------------------------------------------------


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        # one host, or every node of a cluster (docs/howto/high-availability.md)
        db = database_url.parse(url, conn_max_age=int(os.environ.get("JUZHU_CONN_MAX_AGE", "60")))
        db.setdefault("OPTIONS", {})
        _timeouts(db)
        return db
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("JUZHU_SQLITE_PATH", str(VAR_DIR / "juzhu.sqlite3")),
        "OPTIONS": {
            # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue (busy timeout) instead of failing half-way.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": _database()}


# --- scaling (issue 15): read replicas (juzhu.registry.replicas) --------------------------
# DATABASE_REPLICA_URLS: streaming replicas of DATABASE_URL (comma-separated), aliases
# replica1, replica2, … The views marked ``replica_reads`` (the portal's status and planner
# pages, the API's read-only GETs) read from a replica that is in recovery and less than
# REPLICA_MAX_LAG_SECONDS behind (checked at most every REPLICA_CHECK_SECONDS per process);
# everything else, and everything of a holder for REPLICA_PIN_SECONDS after a write of
# theirs, reads from the primary. No replicas: no router, no middleware, nothing changes.
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("JUZHU_REPLICA_MAX_LAG_SECONDS", "5"))
REPLICA_CHECK_SECONDS = float(os.environ.get("JUZHU_REPLICA_CHECK_SECONDS", "3"))
REPLICA_PIN_SECONDS = float(os.environ.get("JUZHU_REPLICA_PIN_SECONDS", "10"))
REPLICA_CONNECT_TIMEOUT_S = int(os.environ.get("JUZHU_REPLICA_CONNECT_TIMEOUT", "2"))


def _replicas() -> dict[str, dict[str, Any]]:
    urls = [u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u.strip()]
    if urls and not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS names streaming replicas of a PostgreSQL primary: set "
            "DATABASE_URL=postgres://… too, or unset DATABASE_REPLICA_URLS"
        )
    found: dict[str, dict[str, Any]] = {}
    for i, url in enumerate(urls, start=1):
        if not url.startswith(("postgres://", "postgresql://")):
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URLS, entry {i}: {url.split('@')[-1]!r} is not a "
                "postgres://user@host:port/db URL; give one per replica, comma-separated"
            )
        db: dict[str, Any] = dict(
            database_url.parse(url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
        )
        db.setdefault("OPTIONS", {})["connect_timeout"] = REPLICA_CONNECT_TIMEOUT_S
        _timeouts(db)
        db["TEST"] = {"MIRROR": "default"}  # the test runner makes no database for it
        found[f"replica{i}"] = db
    return found


REPLICAS = _replicas()
if REPLICAS:
    DATABASES.update(REPLICAS)
    DATABASE_ROUTERS = ["juzhu.registry.replicas.ReplicaRouter"]
    # outermost but the security header middleware: every read of the request is routed
    MIDDLEWARE.insert(1, "juzhu.registry.replicas.ReplicaPinMiddleware")
# --- end scaling ---------------------------------------------------------------------------
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The back office (juzhu.backoffice): officers sign in with a password and a TOTP code.
LOGIN_URL = "backoffice:login"
OTP_TOTP_ISSUER = os.environ.get("JUZHU_OTP_ISSUER", "juzhu 居住证业务系统")
OFFICE_SESSION_SECONDS = int(os.environ.get("JUZHU_OFFICE_SESSION_SECONDS", str(8 * 3600)))
# Uploaded evidence for cancellations and revocations (kept beside the portal's uploads).
EVIDENCE_DIR = Path(os.environ.get("JUZHU_EVIDENCE_DIR", VAR_DIR / "evidence"))

# --- failure (issue 14 item 7): uploads (juzhu.registry.uploads) ------------------------
# Limits enforced while a request streams in (413 past them; nothing more is read).
PORTAL_UPLOAD_MAX_FILE_BYTES = int(os.environ.get("JUZHU_PORTAL_UPLOAD_MAX_BYTES", 5 * 1024 * 1024))
UPLOAD_MAX_FILE_BYTES = int(os.environ.get("JUZHU_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
UPLOAD_MAX_REQUEST_BYTES = int(os.environ.get("JUZHU_UPLOAD_MAX_REQUEST_BYTES", 55 * 1024 * 1024))
FILE_UPLOAD_HANDLERS = [
    "juzhu.registry.uploads.handler.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # bigger uploads stream to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 2560 * 1024  # the form fields (Django's default, stated)
FILE_UPLOAD_PERMISSIONS = 0o600
# ClamAV's daemon; fail closed (503) unless JUZHU_ENV names a development machine (or the
# demo runs: it is refused anywhere but this machine).
CLAMD_SOCKET = os.environ.get("JUZHU_CLAMD_SOCKET", "/run/clamav/clamd.ctl")
CLAMD_TIMEOUT = float(os.environ.get("JUZHU_CLAMD_TIMEOUT", "30"))
UPLOAD_SCAN_REQUIRED = env_bool(
    "JUZHU_UPLOAD_SCAN_REQUIRED",
    os.environ.get("JUZHU_ENV", "production") == "production" and not DEMO,
)
# --- end failure ------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it to exist
# Serve straight from the app directories: no collectstatic step on a fresh machine.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Notifications: console and file backends by default (juzhu.notifications.backends).
NOTIFY_BACKENDS = os.environ.get("JUZHU_NOTIFY_BACKENDS", "console,file").split(",")
NOTIFY_FILE_DIR = Path(os.environ.get("JUZHU_NOTIFY_DIR", VAR_DIR / "outbox"))
SMS_GATEWAY_URL = os.environ.get("JUZHU_SMS_GATEWAY_URL", "")
SMS_SIGNATURE = os.environ.get("JUZHU_SMS_SIGNATURE", "居住证服务")
# A real gateway: the class path of an SmsGateway implementation, and the carrier's template
# ids for our notice names as JSON, e.g. {"permit_suspended": "SMS_123456"}.
SMS_GATEWAY = os.environ.get("JUZHU_SMS_GATEWAY", "")
SMS_TEMPLATE_IDS = json.loads(os.environ.get("JUZHU_SMS_TEMPLATE_IDS", "{}"))
EMAIL_BACKEND = os.environ.get("JUZHU_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("JUZHU_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("JUZHU_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("JUZHU_FROM_EMAIL", "noreply@juzhu.example")

# Every record of the process is masked and its control characters escaped when it is made
# (``juzhu.config.logs.configure`` installs the record factory); the handler filter catches
# records a library builds itself.
LOGGING_CONFIG = "juzhu.config.logs.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "juzhu.registry.logsafe.SafeLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_pii"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("JUZHU_LOG_LEVEL", "WARNING")},
}

# Verification (juzhu.verification). Keys come from the environment (a secrets manager;
# production refuses to start without them) or, in development mode, from
# var/dev-verify-keys.env, generated once — never the database.
# JUZHU_VERIFY_SIGNING_KEY: base64 of a 32-byte Ed25519 private key (signs credentials and
# status lists); JUZHU_VERIFY_SECRET: base64 of 32 bytes (pseudonyms, consent-code hashes).
VERIFY_SIGNING_KEY = os.environ.get("JUZHU_VERIFY_SIGNING_KEY", "")
VERIFY_SECRET = os.environ.get("JUZHU_VERIFY_SECRET", "")
# Public keys (base64, comma-separated) of retired signing keys: their credentials still
# verify until they expire.
VERIFY_RETIRED_PUBLIC_KEYS = [
    k for k in os.environ.get("JUZHU_VERIFY_RETIRED_PUBLIC_KEYS", "").split(",") if k.strip()
]
VERIFY_CREDENTIAL_DAYS = int(os.environ.get("JUZHU_VERIFY_CREDENTIAL_DAYS", "30"))
VERIFY_STATUS_LIST_HOURS = int(os.environ.get("JUZHU_VERIFY_STATUS_LIST_HOURS", "24"))
VERIFY_KEY_PER_MINUTE = int(os.environ.get("JUZHU_VERIFY_KEY_PER_MINUTE", "600"))
VERIFY_KEY_PER_DAY = int(os.environ.get("JUZHU_VERIFY_KEY_PER_DAY", "20000"))
# Relying parties must send X-Request-Time and X-Request-Nonce with every query (replay
# protection, security.md T6); off by default so existing integrations keep working.
VERIFY_REQUIRE_NONCE = os.environ.get("JUZHU_VERIFY_REQUIRE_NONCE", "") == "1"
VERIFY_ROTATION_GRACE_HOURS = int(os.environ.get("JUZHU_VERIFY_ROTATION_GRACE_HOURS", "24"))

# -- transport and browser hardening (helper keys, issue 14) --------------------------------
# Production (the default): cookies only over TLS, HSTS, http redirected to https. The TLS
# ends at the reverse proxy (README), which must set X-Forwarded-Proto itself
# (``proxy_set_header X-Forwarded-Proto $scheme;`` overwrites what a client sent);
# JUZHU_PROXY_SSL_HEADER=0 where uvicorn terminates TLS itself. Development keeps plain
# http working for ``make run`` and the tests.
_SECURE = not DEVELOPMENT
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = _SECURE
SECURE_HSTS_SECONDS = 31_536_000 if _SECURE else 0  # a year
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURE
SECURE_HSTS_PRELOAD = _SECURE and env_bool("JUZHU_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if _SECURE and env_bool("JUZHU_PROXY_SSL_HEADER", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp) on every response, in both modes, so the tests and
# the browser suite see the policy production sends. Scripts only from our own origin (htmx
# and portal.js are vendored files; no template has an inline script or event handler).
# Styles allow 'unsafe-inline': the letters carry their own <style> (one template for the
# screen, the draft preview's srcdoc frame and WeasyPrint), and htmx adds its indicator
# style; inline CSS cannot run code, and every value in it is autoescaped.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# -- Abuse and privileged access (issue 14, helper "auth") ---------------------------------
# The shared cache holds the rate-limit counters (django-ratelimit), the global SMS budget
# and the landing page's counts. Production: Redis (django-redis; every process and machine
# shares the counters). ``locmem://`` (one process) is for tests and a development machine.
CACHE_URL = os.environ.get(
    "JUZHU_CACHE_URL",
    "locmem://" if os.environ.get("JUZHU_ENV") == "development" else "redis://127.0.0.1:6379/0",
)
CACHES: dict[str, dict[str, Any]]
if CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # django-ratelimit warns that a per-process cache is not shared: true, and said above.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
else:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
RATELIMIT_USE_CACHE = "default"
# The client's address: REMOTE_ADDR, unless it is one of these reverse proxies (addresses or
# networks, comma-separated); then X-Forwarded-For is read from the right, skipping trusted
# proxies, and the first address not trusted is the client. Nothing else trusts the header.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("JUZHU_TRUSTED_PROXIES", "").split(",") if p.strip()]  # fmt: skip
RATELIMIT_IP_META_KEY = "juzhu.registry.abuse.client_ip"
# The whole service's SMS budget: no flood can send more codes than this (the bill).
SMS_BUDGET_PER_HOUR = int(os.environ.get("JUZHU_SMS_BUDGET_PER_HOUR", "2000"))
SMS_BUDGET_PER_DAY = int(os.environ.get("JUZHU_SMS_BUDGET_PER_DAY", "20000"))
# Officers: signed out after this many idle seconds (the absolute limit stays
# OFFICE_SESSION_SECONDS); an enrolment token for a new authenticator lives this long.
OFFICE_IDLE_SECONDS = int(os.environ.get("JUZHU_OFFICE_IDLE_SECONDS", str(15 * 60)))
OFFICE_ENROL_TOKEN_HOURS = int(os.environ.get("JUZHU_OFFICE_ENROL_TOKEN_HOURS", "72"))
# The Django admin: off unless JUZHU_ADMIN=1; when on, only for a superuser who signed in at
# /office/ with password + TOTP, and read-only for officers and relying parties.
ADMIN_ENABLED = env_bool("JUZHU_ADMIN", False)
# Step-up: the image CAPTCHA (django-simple-captcha) asked after too many attempts.
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_2X_IMAGE = False
INSTALLED_APPS += ["django_ratelimit", "juzhu.config.apps.StepUpCaptchaConfig"]
