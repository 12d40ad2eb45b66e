"""Settings for Own Pace.

Every value that differs between a laptop and production is read from the environment
here and nowhere else. The defaults run a complete local site with nothing installed
beyond Python packages: a SQLite file, the in-memory channel layer and a local cache.
"""

import logging
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# A development key is only acceptable while DEBUG is on or for the local defaults;
# `check --deploy` flags it, and production sets SECRET_KEY.
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "django-insecure-local-only-own-pace-development-key-do-not-deploy"
)

# The key of anonymous posts' aliases (forum.aliases). Derived from SECRET_KEY unless set:
# changing either gives every anonymous post a new alias.
ALIAS_SECRET = os.environ.get("ALIAS_SECRET") or f"own-pace-aliases:{SECRET_KEY}"

# The key of the account-deletion journal (forum.deletion_journal), which a restore replays.
# Derived from SECRET_KEY unless set; set it in production and keep it with the other
# secrets, never with the backups: a restore needs the key its journal was written with.
DELETION_JOURNAL_SECRET = (
    os.environ.get("DELETION_JOURNAL_SECRET") or f"own-pace-deletion-journal:{SECRET_KEY}"
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # daphne first: its runserver serves WebSockets as well as HTTP.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "forum",
    "moderation",
]

MIDDLEWARE = [
    # First: /health/ is answered before any session, cookie, host check or redirect.
    "config.availability.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside whitenoise, so static files carry these headers too.
    "forum.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks the request's member as verified once they passed a TOTP check this session.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Cache-Control: no-store for signed-in members; the sessions list's "last used" day.
    # Inside SessionMiddleware, so what it notes in the session is saved.
    "forum.middleware.MemberPrivacyMiddleware",
    # Last, so its 413 page has the session, the member and every security header; it
    # still runs before any view or CSRF check reads the body (they run in process_view).
    "forum.middleware.RequestTooLargeMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

ASGI_APPLICATION = "config.asgi.application"

# --- Data -------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'ownpace.sqlite3'}"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request runs in a fresh thread, so persistent connections are never
    # reused; a pool is. (CONN_MAX_AGE must stay 0 with it.)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # With the pool, this makes it check each connection before handing it out (an empty
    # query, not counted as one of the page's): a connection the server dropped (a
    # restart, a failover, a cut network) is thrown away and replaced, never given to a
    # request. That is how the site recovers without a restart.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        # What the URL's query string asks for (?sslmode=require for a managed server).
        **DATABASES["default"].get("OPTIONS", {}),
        # A server that does not answer at all (packets dropped) is given up on after 3 s
        # instead of the system's TCP timeout of minutes.
        "connect_timeout": 3,
        "pool": {
            "min_size": 1,
            # Per server process: web replicas x uvicorn workers x this must stay below
            # PostgreSQL's max_connections (100 by default).
            "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10")),
            # How long a request waits for a connection before the 503 page: long enough
            # for a busy moment, short enough that a database outage answers in seconds
            # instead of holding every request (the pool's default is 30 s).
            "timeout": 5,
            # While the server is unreachable the pool retries with a doubling delay, for
            # reconnect_timeout (5 minutes by default): after a long outage its next try
            # could come a minute after the database is back. Giving up after 10 s lets
            # the next request start a fresh try at once, so the site follows the
            # database back within seconds.
            "reconnect_timeout": 10,
        },
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The browser tests run the site in a second process, which must see the test
    # database: an in-memory SQLite database would be invisible to it. One file per test
    # run, so that two runs at once do not share it (the server is handed its name).
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"ownpace-test-{os.getpid()}.sqlite3")
    }
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ownpace",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub: an event is one PUBLISH, which every server process receives
            # once and hands to its own sockets, instead of one list push per socket and
            # a blocking pop per process. Measured with bench/fanout.py, it about halves
            # the CPU per delivery. Its delivery is at most once, which the live pages
            # already allow for: they catch up over HTTP whenever they (re)connect.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Reads may take longer than redis-py's 5-second default while nothing is
            # published; a timed-out read must not end the layer's receiving.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": 1000, "socket_timeout": 10}]
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Accounts ---------------------------------------------------------------------------

AUTH_USER_MODEL = "forum.Member"
LOGIN_URL = "forum:login"
LOGIN_REDIRECT_URL = "forum:home"
LOGOUT_REDIRECT_URL = "forum:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["pseudonym"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Failed sign-ins and recovery attempts allowed per window, per pseudonym and per network
# address. The address only ever appears as a keyed hash in the cache.
THROTTLE_WINDOW_SECONDS = int(os.environ.get("THROTTLE_WINDOW_SECONDS", "900"))
THROTTLE_MAX_FAILURES_PER_NAME = int(os.environ.get("THROTTLE_MAX_FAILURES_PER_NAME", "5"))
THROTTLE_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("THROTTLE_MAX_FAILURES_PER_ADDRESS", "20"))

SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Production cookie names and flags are set with the other HTTPS settings below.
CSRF_FAILURE_VIEW = "forum.views.csrf_failure"

# --- Posting ----------------------------------------------------------------------------

TITLE_MAX_LENGTH = 150
BODY_MAX_LENGTH = 20_000
THREADS_PER_PAGE = 25
POSTS_PER_PAGE = 30
# A 20,000-character body can be over 200 KB once URL-encoded; anything far beyond that
# is not a post and is answered with the 413 page before the body is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024

# --- Moderation -------------------------------------------------------------------------

# Trust levels (moderation.trust): a new member's first posts wait for approval and may
# hold only a few links; promotion to "member" and "trusted" follows these thresholds.
TRUST_NEW_HELD_POSTS = int(os.environ.get("TRUST_NEW_HELD_POSTS", "3"))
TRUST_NEW_MAX_LINKS = int(os.environ.get("TRUST_NEW_MAX_LINKS", "2"))
TRUST_MEMBER_APPROVED_POSTS = int(os.environ.get("TRUST_MEMBER_APPROVED_POSTS", "3"))
TRUST_MEMBER_HOURS = int(os.environ.get("TRUST_MEMBER_HOURS", "24"))
TRUST_TRUSTED_DAYS = int(os.environ.get("TRUST_TRUSTED_DAYS", "30"))
TRUST_TRUSTED_POSTS = int(os.environ.get("TRUST_TRUSTED_POSTS", "50"))
TRUST_TRUSTED_CLEAN_DAYS = int(os.environ.get("TRUST_TRUSTED_CLEAN_DAYS", "90"))
# A post whose open reports weigh this much is hidden until a moderator looks.
REPORT_HIDE_THRESHOLD = int(os.environ.get("REPORT_HIDE_THRESHOLD", "6"))
REPORTS_PER_DAY = int(os.environ.get("REPORTS_PER_DAY", "20"))

# Posting and sign-up limits. RATE_LIMITS=off turns them all off, for load tests and
# automated checks; never in production.
RATE_LIMITS = env_bool("RATE_LIMITS", True)
RATE_LIMIT_NEW_MEMBER_SECONDS = int(os.environ.get("RATE_LIMIT_NEW_MEMBER_SECONDS", "60"))
RATE_LIMIT_NEW_MEMBER_PER_DAY = int(os.environ.get("RATE_LIMIT_NEW_MEMBER_PER_DAY", "10"))
RATE_LIMIT_MEMBER_SECONDS = int(os.environ.get("RATE_LIMIT_MEMBER_SECONDS", "15"))
RATE_LIMIT_SIGNUPS_PER_ADDRESS_PER_HOUR = int(
    os.environ.get("RATE_LIMIT_SIGNUPS_PER_ADDRESS_PER_HOUR", "5")
)

# The name moderators' authenticator apps show for this site.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Own Pace")

# --- Safety -----------------------------------------------------------------------------

# Where "Leave quickly" (and Escape pressed three times) takes a member: a neutral page
# that replaces this site in the tab's history.
LEAVE_QUICKLY_URL = os.environ.get("LEAVE_QUICKLY_URL", "https://www.wikipedia.org/")

# --- Security headers -------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind HTTPS in production (HTTPS=true): redirect to it, pin it, and keep cookies on it.
# Off by default so that the local site works at http://127.0.0.1:8000.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a commitment that takes months to undo, so it is the operator's choice
# (SECURE_HSTS_PRELOAD=true); until it is made, `check --deploy` need not warn about it.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# Behind HTTPS the cookies take the `__Host-` prefix: the browser then accepts them only
# when Secure, with Path=/ and no Domain, so no subdomain can set or read them. Django
# already sends Path=/ (SESSION_COOKIE_PATH, CSRF_COOKIE_PATH) and no Domain (the
# *_COOKIE_DOMAIN settings stay None). Plain http://127.0.0.1 cannot set a Secure
# cookie, so the local site keeps the usual names.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_PATH = "/"
CSRF_COOKIE_PATH = "/"
CSRF_COOKIE_SAMESITE = "Lax"
# Sent on every response, static files included (forum.middleware.SecurityHeadersMiddleware):
# other sites may not embed our files, and the page may use no powerful browser feature.
# Only features Chromium knows are named: it warns in the console about any other
# (tests/e2e/test_privacy_in_browser.py); "interest-cohort" is gone, "browsing-topics"
# replaced it.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
# whitenoise would otherwise answer static files with `Access-Control-Allow-Origin: *`,
# letting any site's script read them; nothing else needs them.
WHITENOISE_ALLOW_ALL_ORIGINS = False
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "identity-credentials-get",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    )
}

# No page loads anything from another host; inline script and style are not allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------

STATIC_MANIFEST = env_bool("STATIC_MANIFEST", False)
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles" if STATIC_MANIFEST else None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Production (STATIC_MANIFEST=true, after collectstatic) serves compressed files with
# hashed names, cached for a year. Local runs and tests skip collectstatic: whitenoise
# then serves straight from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Logging ----------------------------------------------------------------------------


def _without_template_context(record: logging.LogRecord) -> bool:
    """django.template logs each variable a template lacks at DEBUG, with the exception,
    whose text is the whole template context: recovery codes, post bodies, drafts. The
    message (variable and template names) stays; the exception goes."""
    record.exc_info = None
    record.exc_text = None
    return True


# Logs never carry passwords, recovery codes, post bodies, session keys or raw addresses:
# django.request records only the path and status, and our own loggers log ids. Two of
# Django's loggers would, at DEBUG (LOG_LEVEL=DEBUG): django.template (the context of a
# template that lacks a variable; filtered) and django.db.backends (every SQL statement
# with its parameters, when DEBUG is on; held at INFO). tests/forum/test_logs.py checks.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"without_template_context": {"()": lambda: _without_template_context}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.template": {"filters": ["without_template_context"]},
        "django.db.backends": {"level": "INFO"},
        "ownpace": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
