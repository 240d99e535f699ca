"""PolicyHub settings: one file, configured by the environment.

Development and production differ only through environment variables:
DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS (see README.md).
"""

from pathlib import Path

import orjson
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from policyhub.env import envbool, envcache, envdatabase, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", False)

# A development key is only acceptable while DEBUG is on; production must bring its own.
SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "policyhub-development-only-key-never-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # First of the project's apps: its templates (base, errors, the Swagger UI page)
    # take precedence over those of the packages below.
    "core",
    "simple_history",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "jurisdictions",
    "policies",
    "agreements",
    "releases",
    "coding",
    "public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (SECURE_CSP below): Django's, each policy
    # written once (core/middleware.py).
    "core.middleware.ContentSecurityPolicyMiddleware",
    # Compresses what the rest produce: a county map is ~1 MB of SVG, ~270 KB gzipped;
    # Django's own, at a cheaper level, reusing large bodies it compressed already.
    "core.middleware.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # django-cors-headers', passing on requests that carry no Origin (core/middleware.py).
    "core.middleware.CorsMiddleware",
    # Sessions, users, messages and change history: Django's, skipped on the read-only API
    # (core/middleware.py).
    "core.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.refuse_nul_parameters",
    # A query parameter the API does not take is a 400 naming it (core/parameters.py).
    "core.parameters.refuse_unknown_api_parameters",
    # ETag on every GET and 304 for a matching If-None-Match: Django's, evaluating the
    # conditions only when the request has some (core/middleware.py).
    "core.middleware.ConditionalGetMiddleware",
    "core.middleware.api_cache_control",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.middleware.AuthenticationMiddleware",
    "core.middleware.OTPMiddleware",
    "core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made each change, for the history of curated records.
    "core.middleware.history_request_middleware",
    # Answers a locked-out address (see AXES_* below); last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "policyhub.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The admin's change list styles itself with a nonce'd <style>.
                "django.template.context_processors.csp",
            ],
        },
    },
]

WSGI_APPLICATION = "policyhub.wsgi.application"
ASGI_APPLICATION = "policyhub.asgi.application"

DATABASES = {"default": envdatabase("DATABASE_URL", f"sqlite:///{BASE_DIR / 'policyhub.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Persistent connections buy nothing on an embedded file and hold locks in tests.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Checks a reused connection without a round trip (core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.postgresql"
    # Planner settings for short, index-driven queries (docs/benchmarks.md):
    # - random_page_cost: the default (4) prices an index lookup for a spinning disk; with
    #   the tables in memory or on SSD it chose whole-table scans that took 60 ms where an
    #   index took 15. 1.1 is the usual setting for SSDs.
    # - jit: compiling a query took up to a second; ours run in milliseconds, but their
    #   estimated cost can pass the threshold at which PostgreSQL starts compiling.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c random_page_cost=1.1 -c jit=off"
    )
    # The queries compiled once per process (core/prepared.py) are prepared on the
    # connection after five runs, so PostgreSQL stops planning them on every call (a third
    # of one jurisdiction's answer). Django turns psycopg's preparing off unless asked, for
    # poolers in transaction mode, which cannot keep a statement for the next transaction:
    # behind one, set DB_PREPARE_THRESHOLD=0. Django's own queries are bound on the client
    # and never prepared either way.
    DATABASES["default"]["OPTIONS"].setdefault(
        "prepare_threshold", envint("DB_PREPARE_THRESHOLD", 5) or None
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

CACHES = {
    # Shared by every worker: the API's throttle counts, kept in a database table by default
    # (created by `manage.py createcachetable`, which `make seed` and the image run), so
    # that the limit holds across gunicorn workers and machines without another service.
    # CACHE_URL may name a memcached or Redis server instead ("redis://host:6379/0").
    "default": envcache("CACHE_URL", "db://policyhub_cache"),
    # Per process: the maps drawn last (public/map_svg.py), about 1 MB each for counties;
    # keys carry the data version, so a change anywhere makes every process redraw.
    "maps": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "maps",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 48},
    },
    # Per process: streamed CSVs of at most 4 MB (core/export_cache.py), keyed on the data
    # version like the maps; at most 8 of them, 32 MB.
    "exports": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "exports",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 8},
    },
}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# Behind a proxy (docker compose, a PaaS) the app is told the original scheme.
if envbool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HTTPS=1 declares that the site is served over HTTPS: plain HTTP is redirected, browsers are
# told to use nothing else for a year (HSTS), and cookies travel over HTTPS only.
HTTPS = envbool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading asks browser makers to hard-code the domain: a decision for its owner, not a
# default, so the deploy check's reminder about it is silenced.
SECURE_HSTS_PRELOAD = envbool("HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# The health check answers plain HTTP from the container's own probe.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Every page: scripts, styles, images and connections from this site only; no inline script
# or style unless it carries the response's nonce (only the admin's change list uses one);
# no plugins, no framing, forms post here only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", HTTPS or not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

# How many proxies of our own stand in front of the app and append to X-Forwarded-For
# (a load balancer, then nginx: 2). 0, the default, believes no header: the client is the
# socket's peer. Used by the API's rate limit and by the login lockout alike.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords from one address,
# that address may not log in for AXES_COOLOFF_MINUTES; failures are counted in the
# database, so every worker sees them, and a locked address is refused before any password
# is hashed, so guessing loops cost the server nothing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Readers' corrections (the "Report an error" form): how many one client address may send
# an hour, counted in the shared cache like the API's limit.
CORRECTIONS_PER_HOUR = envint("CORRECTIONS_PER_HOUR", 5)
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.client.client_ip"
AXES_LOCKOUT_TEMPLATE = "lockout.html"

# A second factor for staff (django-otp, TOTP): with ADMIN_OTP_REQUIRED on, the admin asks
# for a code from an authenticator app as well as the password. Devices are added by a
# superuser in the admin ("TOTP devices") or with `manage.py addstatictoken`.
ADMIN_OTP_REQUIRED = envbool("ADMIN_OTP_REQUIRED", False)

# Admin pages list many rows; keep the limit of fields per POST generous for inlines.
DATA_UPLOAD_MAX_NUMBER_FIELDS = envint("DATA_UPLOAD_MAX_NUMBER_FIELDS", 10000)

# The four-eyes rule (policies/services.py): an editor publishes only what someone else
# submitted for review. A one-person installation may turn it off; nothing else changes.
REVIEW_ALLOW_SELF_PUBLISH = envbool("REVIEW_ALLOW_SELF_PUBLISH", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# Where the shared research data lives (seed policies, ICE spreadsheets); beside the project.
SHARED_DATA_DIR = Path(envstr("POLICYHUB_SHARED_DIR", str(BASE_DIR.parent / "shared")))
# Where releases' files are written, once each (releases/services.py); back it up.
RELEASES_DIR = Path(envstr("RELEASES_DIR", str(BASE_DIR / "var" / "releases")))

# Exports carry the published data's version as their ETag (core/snapshot.py).
DATA_VERSION_FUNCTION = "policies.positions.version.current"

# The read-only REST API (see core/api.py and README.md, "API").
API_MAX_PAGE_SIZE = 1000
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": [
        # orjson: several times faster than the json module on large answers.
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "core.renderers.CSVRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.renderers.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["core.throttle.SharedAnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": envstr("API_ANON_RATE", "600/minute")},
    # Clients are told apart by core.client.client_ip's rule: X-Forwarded-For only as far as
    # TRUSTED_PROXY_COUNT proxies (DRF's default, None, believed the whole header).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
    # UTC times end in Z, as DRF's own fields write them.
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_UTC_Z,),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PolicyHub API",
    "DESCRIPTION": (
        "Read-only access to PolicyHub: jurisdictions, the codebook, instruments with their "
        "coded provisions and citations, sources, events, and positions (what rule applied "
        "to a jurisdiction on a date, and why). Only published data appears. Lists are "
        f"paginated (`page`, `page_size` up to {API_MAX_PAGE_SIZE}) and also served as CSV "
        "(`format=csv`, "
        "streamed, not paginated). Anonymous clients may make "
        f"{REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['anon']} requests; past that the API answers "
        "429 with Retry-After. Responses carry ETag and Cache-Control; send If-None-Match "
        "to get 304."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "policies.dates.Precision",
        "InstrumentKindEnum": "policies.models.InstrumentKind",
        "SourceKindEnum": "policies.models.SourceKind",
        "EventKindEnum": "policies.models.EventKind",
        "AgencyKindEnum": "jurisdictions.models.AgencyKind",
    },
    # Dimension and value slugs are data, so their enums are filled in from the codebook.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "policies.api.schema.codebook_enums",
        "policies.api.schema.error_responses",
    ],
}

# Other sites' scripts may read the API (GET only); nothing else is shared.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Link", "Retry-After"]
