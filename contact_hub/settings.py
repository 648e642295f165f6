"""Settings for the contact hub.

Everything comes from the environment. With nothing set, the hub runs embedded: SQLite, an
in-process channel layer, and Celery tasks executed in-process with an in-process scheduler. With
DATABASE_URL and REDIS_URL set, the same code runs on PostgreSQL, the Redis channel layer and
Celery workers plus beat.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from contact_hub.env import env_bool, env_int, env_list, env_str, live_layer_prefix
from contact_hub.force import DEFAULT_FORCE_FILE, force_config_load

DEFAULT_RISK_RULES_FILE = Path(__file__).resolve().parent / "triage" / "risk_rules.toml"
DEFAULT_CONDUCT_RULES_FILE = (Path(__file__).resolve().parent / "conversations"
                              / "conduct_rules.toml")

EMBEDDED_SECRET_KEY = "embedded-default-not-for-production-" + "x" * 20
EMBEDDED_LOG_CHAIN_KEY = "embedded-log-chain-not-for-production-" + "x" * 20
BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("HUB_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "contact_hub.staff.access.csrf_refused"
# The public base URL providers sign webhooks against (Twilio validates the full URL); behind a
# TLS-terminating proxy this is the https address callers see, not the one Django sees.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "contact_hub",
    "contact_hub.staff",
    "contact_hub.people",
    "contact_hub.conversations",
    "contact_hub.incidents",
    "contact_hub.followups",
    "contact_hub.sms",
    "contact_hub.triage",
    "rvr",
    "social",
    "callback",
    "contact_hub.supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise: the victims' host serves the victim page and its files, nothing else.
    "contact_hub.victim_host.VictimHostMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their caching; every page below is no-store.
    "contact_hub.page_headers.NoStoreMiddleware",
    "contact_hub.page_headers.HubCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "contact_hub.staff.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "contact_hub.staff.sessions.StaffSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "contact_hub.urls"
ASGI_APPLICATION = "contact_hub.asgi.application"
AUTH_USER_MODEL = "staff.StaffUser"
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "/"

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
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Under ASGI each request may run on a different thread, so persistent per-thread
        # connections pile up; psycopg's pool shares a bounded set instead.
        # Django's cursors bind parameters on the client and are never prepared; the threshold
        # lets the few fixed statements run on a server-binding cursor
        # (contact_hub.prepared) be prepared on their connection's second use.
        DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 2, "max_size": 20},
                                           "prepare_threshold": 1}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "hub.sqlite3"),
            # WAL lets readers work while a writer writes; IMMEDIATE takes the write lock at the
            # start of a transaction, so threads queue for it instead of failing with "locked".
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20,
                        "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
EMBEDDED = not REDIS_URL
# The one-machine demo: SQLite and no Redis. Only it may run on the public embedded key and
# print authenticator codes (staff_code); any other configuration must bring its own secret.
DEMO = not DATABASE_URL and not REDIS_URL
SECRET_KEY = env_str("SECRET_KEY", "")
if not DEMO and SECRET_KEY in ("", EMBEDDED_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set (or is the demo's public one). Only the SQLite demo (no "
        "DATABASE_URL, no REDIS_URL) runs without one; set SECRET_KEY to a long random value.")
SECRET_KEY = SECRET_KEY or EMBEDDED_SECRET_KEY
# The key the incident log's hash chain is signed with (HMAC-SHA256). It is held outside the
# database, so someone who can rewrite the log's tables cannot recompute a chain that verifies.
# Its own setting, not SECRET_KEY: rotating SECRET_KEY must not break years of logs, and this
# one must never change. Only the demo runs on the public embedded one.
HUB_LOG_CHAIN_KEY = env_str("HUB_LOG_CHAIN_KEY", "")
if not DEMO and HUB_LOG_CHAIN_KEY in ("", EMBEDDED_LOG_CHAIN_KEY):
    raise ImproperlyConfigured(
        "HUB_LOG_CHAIN_KEY is not set (or is the demo's public one). Only the SQLite demo runs "
        "without one; set it to a long random value kept outside the database, and never "
        "change it (the incident log's entries are signed with it).")
HUB_LOG_CHAIN_KEY = HUB_LOG_CHAIN_KEY or EMBEDDED_LOG_CHAIN_KEY
# Live pages' events (contact_hub/live.py, live_pages.py) have a layer of their own: Redis
# pub/sub streams them to each web process's one subscriber, where the default layer would
# cost two round trips a message to read. Events are notifications: pages re-sync after a gap.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        },
        "live": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Pub/sub channels span a Redis server's every database: named for this one, so a
            # hub on another database never hears this hub's rows.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": live_layer_prefix(REDIS_URL)},
        },
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
        # A busy queue's rows for the process's pages: room for a burst.
        "live": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                 "CONFIG": {"capacity": 1000}},
    }

# Celery: the same task functions run everywhere. Embedded, they execute in-process (eagerly, after
# the transaction that queued them commits) and contact_hub.embedded_beat plays the beat schedule.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = EMBEDDED
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup closes a worker child's whole connection pool before and after every task
# (celery/celery#10554), so each task opened new PostgreSQL connections, on new backends with
# cold caches: a claim that takes a millisecond took up to 700 ms, and the forks' CPU stalled
# intake. Past this many tasks it closes them; contact_hub.celery hands each task's connection
# back to the pool instead, as Django does at the end of a request.
CELERY_DB_REUSE_MAX = 1_000_000

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the member of staff read again for each request by a fixed
    # read (contact_hub.fixed_reads).
    "contact_hub.staff.backends.StaffModelBackend",
]
# Django's database sessions, read by a fixed read (contact_hub.staff.session_store).
SESSION_ENGINE = "contact_hub.staff.session_store"
# Lock out a username only from the address that failed, so an attacker guessing passwords from
# one place cannot lock every coordinator out of the control room.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "contact_hub.staff.views.locked_out"
AXES_VERBOSE = False
# The client address is REMOTE_ADDR alone: contact_hub/asgi.py has already set it from a trusted
# proxy's X-Forwarded-For, and a header from anyone else must not move a lockout elsewhere.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# A typed name that is no account is often a password: axes stores a keyed hash of it instead.
AXES_USERNAME_CALLABLE = "contact_hub.staff.signals.axes_username"
# Masked in the form data axes keeps with each failure (the password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]

OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Contact hub")
# Once a device is enrolled the admin never shows its key or QR code again, so an administrator
# cannot copy someone's authenticator.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 10  # one control-room shift: a session never outlives it
# A staff session also ends after this long without a request from the person (pages' own
# background fetches do not count), so a screen left signed in does not stay open.
HUB_SESSION_IDLE_MINUTES = env_int("HUB_SESSION_IDLE_MINUTES", 30)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Served over TLS (by a proxy in front of the web server): every setting `check --deploy` asks
# for. On by default everywhere but the SQLite demo; bin/test turns it off for its plain-HTTP
# test client.
HUB_HTTPS = env_bool("HUB_HTTPS", not DEMO)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HUB_HTTPS
SECURE_SSL_REDIRECT = HUB_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the container's own health check speaks plain HTTP
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if HUB_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HUB_HTTPS
SECURE_HSTS_PRELOAD = HUB_HTTPS and env_bool("HUB_HSTS_PRELOAD", True)
# The addresses (or networks) of the proxies in front of the web server. Only from them are
# X-Forwarded-For and X-Forwarded-Proto believed (contact_hub/asgi.py); from anyone else they
# are ignored, so lockout, rate limits and security events see the real client address.
HUB_TRUSTED_PROXIES = env_list("HUB_TRUSTED_PROXIES", [])
if "*" in HUB_TRUSTED_PROXIES:
    # Trusting everyone would make X-Forwarded-For anyone's to write.
    raise ImproperlyConfigured("HUB_TRUSTED_PROXIES names the proxies' addresses, never '*'.")
# The largest request body any endpoint takes, refused while it is read (contact_hub/asgi.py);
# the paths listed after it take larger ones (evidence stills).
HUB_REQUEST_MAX_BYTES = env_int("HUB_REQUEST_MAX_BYTES", 1024 * 1024)

# One strict policy for every page, staff and victim alike: nothing from anywhere else, no
# inline script or style. Stored files send their own, stricter `sandbox` policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:", "mediastream:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # and the page's own websocket origin, added per request
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True

# The hub's own settings.
HUB_DEFAULT_REGION = env_str("HUB_DEFAULT_REGION", "GB")
# Which backend sends texts. HUB_TEXT_BACKEND, when set, sends every channel's texts (the demo's
# outbox, the tests' memory backend); when empty, each channel uses its real provider.
HUB_TEXT_BACKEND = env_str(
    "HUB_TEXT_BACKEND", "contact_hub.conversations.sending.OutboxBackend" if EMBEDDED else ""
)
HUB_TEXT_BACKENDS = {
    "sms": "contact_hub.sms.twilio.TwilioSms",
    "whatsapp": "social.meta.transport.WhatsAppCloud",
    "messenger": "social.meta.transport.MetaMessenger",
    "instagram": "social.meta.transport.MetaMessenger",
    "x": "social.x.transport.XDirectMessages",
}
HUB_NEUTRAL_FORBIDDEN_WORDS = env_list("HUB_NEUTRAL_FORBIDDEN_WORDS", [])
# Meta only lets a business reply freely within 24 hours of the person's last message.
HUB_META_REPLY_WINDOW_HOURS = 24
HUB_MEDIA_MAX_BYTES = env_int("HUB_MEDIA_MAX_BYTES", 5 * 1024 * 1024)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
HUB_FOLLOWUP_GRACE_SECONDS = env_int("HUB_FOLLOWUP_GRACE_SECONDS", 30)
HUB_FOLLOWUP_LEASE_SECONDS = env_int("HUB_FOLLOWUP_LEASE_SECONDS", 120)
# HTTP requests one web process serves at once (each in a kept thread); more wait on the event
# loop. Enough to overlap database waits, few enough that the threads do not starve the event
# loop (websockets, live events, accepting requests) of the GIL: measured at 200 webhooks a
# second, 16 threads let live events reach pages up to a second late (p99), 8 within 0.1 to
# 0.36 s; 2 were too few to ride out a slow commit.
HUB_HTTP_THREADS = env_int("HUB_HTTP_THREADS", 8)
HUB_FOLLOWUP_MAX_ATTEMPTS = env_int("HUB_FOLLOWUP_MAX_ATTEMPTS", 8)
# Roles that may see a victim's full number or handle (always with a recorded reason).
HUB_REVEAL_ROLES = env_list("HUB_REVEAL_ROLES", ["supervisor", "professional_standards"])
# The force's own configuration (grades and target times, opening codes, markers, escalation
# points, the words of texts the hub sends itself): a file a force edits, not code.
HUB_FORCE_FILE = Path(env_str("HUB_FORCE_FILE", str(DEFAULT_FORCE_FILE)))
HUB_FORCE = force_config_load(HUB_FORCE_FILE)
HUB_GRADES = HUB_FORCE.grades
HUB_OPENING_CODES = HUB_FORCE.opening_codes
HUB_MARKER_KINDS = HUB_FORCE.markers
HUB_ESCALATION = HUB_FORCE.escalation
HUB_NOTICES = HUB_FORCE.notices
HUB_ACCESS = HUB_FORCE.access
# The risk assessment form the officer's console uses ("dash", "dara" or the force's own) and
# the folder of the force's own form files (None: only rvr/risk_forms/), from [risk_assessment].
HUB_RISK_FORM = HUB_FORCE.risk_assessment["form"]
HUB_RISK_FORMS_DIR = HUB_FORCE.risk_assessment["forms_dir"]
# The risk rules that flag contacts (domestic abuse, danger, self-harm...): also a data file.
HUB_RISK_RULES_FILE = Path(env_str("HUB_RISK_RULES_FILE", str(DEFAULT_RISK_RULES_FILE)))
# The words in staff texts and chat that hold them for a supervisor (abuse of position).
HUB_CONDUCT_RULES_FILE = Path(env_str("HUB_CONDUCT_RULES_FILE", str(DEFAULT_CONDUCT_RULES_FILE)))

# 101 callback.
HUB_CALL_BACKEND = env_str("HUB_CALL_BACKEND", "callback.calling.DemoCallBackend")
HUB_CALLBACK_FROM_NUMBER = env_str("HUB_CALLBACK_FROM_NUMBER", "")
HUB_CALLBACK_MAX_ATTEMPTS = env_int("HUB_CALLBACK_MAX_ATTEMPTS", 3)
HUB_CALLBACK_RETRY_MINUTES = env_int("HUB_CALLBACK_RETRY_MINUTES", 10)
# Where callers who do not ask for a callback wait: the Twilio queue the 101 operators answer.
HUB_CALLBACK_HOLD_QUEUE = env_str("HUB_CALLBACK_HOLD_QUEUE", "101")
# Number policy: the regions we call back, and number types never called (phonenumbers names).
HUB_CALLBACK_ALLOWED_REGIONS = env_list("HUB_CALLBACK_ALLOWED_REGIONS", ["GB"])
HUB_CALLBACK_REFUSED_NUMBER_TYPES = env_list(
    "HUB_CALLBACK_REFUSED_NUMBER_TYPES", ["PREMIUM_RATE", "SHARED_COST", "PERSONAL_NUMBER"])
# Flood limits: entries per hour from one number, and web-form posts per hour from one address.
HUB_CALLBACK_NUMBER_LIMIT = env_int("HUB_CALLBACK_NUMBER_LIMIT", 5)
HUB_CALLBACK_ADDRESS_LIMIT = env_int("HUB_CALLBACK_ADDRESS_LIMIT", 10)
# The estimate divides the queue by the callbacks handlers started in this many past minutes.
HUB_CALLBACK_THROUGHPUT_MINUTES = env_int("HUB_CALLBACK_THROUGHPUT_MINUTES", 60)
# A placed call with no result after this long is recorded as failed and retried.
HUB_CALLBACK_ATTEMPT_TIMEOUT_MINUTES = env_int("HUB_CALLBACK_ATTEMPT_TIMEOUT_MINUTES", 15)
# Twilio status callbacks older than this are replays, not retries.
HUB_TWILIO_REPLAY_MINUTES = env_int("HUB_TWILIO_REPLAY_MINUTES", 60)
HUB_CALLBACK_KEYWORDS = env_list("HUB_CALLBACK_KEYWORDS", ["CALLBACK", "CALL BACK"])
# Work done with each new inbound message as intake stores it, in the same statement: dotted
# paths, each called with the message and returning what to store with it (and what to do once
# it has committed; conversations.intake.StoredWith). Only what needs nothing but the message:
# triage's risk rules, so the dashboard shows the row with its flags at once.
HUB_MESSAGE_INTAKE_HOOKS = [
    "contact_hub.triage.services.contact_rules_apply",
]
# How the live-events websocket records the rows it pushed to a page (one access event per
# page a second at most, naming the people shown): the access trail's list-page record.
HUB_LIVE_LIST_LOOK_RECORDER = "contact_hub.conversations.looks.list_look_record"
# Work done for inbound messages once they are stored: dotted paths, each called with a list of
# message ids, in this order (triage first: the risk flags and the queue come before anything
# else). A hook may see a message again (a retried batch), so each one must change nothing the
# second time.
HUB_MESSAGES_RECEIVED_HOOKS = [
    "contact_hub.triage.services.contacts_triage",
    "contact_hub.sms.opt_out.opt_out_keywords_apply",
    "contact_hub.sms.tasks.media_fetch_queue",
    "callback.text_entry.callback_keywords_check",
]

# Rapid Video Response.
RVR_ELIGIBLE_GRADES = env_list("RVR_ELIGIBLE_GRADES", ["priority", "appointment"])
# The address victims' links start with: a neutral domain, never one that says police.
RVR_LINK_BASE_URL = env_str("RVR_LINK_BASE_URL", "") or PUBLIC_BASE_URL
RVR_LINK_MINUTES = env_int("RVR_LINK_MINUTES", 30)
# How long an interpreter's link (rvr/interpreter.py) may wait unused; once used it lasts as
# long as the call.
RVR_INTERPRETER_LINK_MINUTES = env_int("RVR_INTERPRETER_LINK_MINUTES", 30)
# {minutes} and {link} are filled in; the rest must pass the neutral-text check.
RVR_LINK_TEXT = env_str(
    "RVR_LINK_TEXT",
    "Hello, this is the video link we talked about. It works for {minutes} minutes: {link}")
# Where the quick-exit control sends the victim: an ordinary, neutral site.
RVR_QUICK_EXIT_URL = env_str("RVR_QUICK_EXIT_URL", "https://www.bbc.co.uk/weather")
# Officers on hand (rvr/availability.py): the expected wait takes the median length of the
# video calls that ended in the last RVR_CALL_HISTORY_DAYS, or RVR_DEFAULT_CALL_MINUTES while
# fewer than RVR_CALL_HISTORY_MIN_CALLS did.
RVR_CALL_HISTORY_DAYS = env_int("RVR_CALL_HISTORY_DAYS", 14)
RVR_CALL_HISTORY_MIN_CALLS = env_int("RVR_CALL_HISTORY_MIN_CALLS", 3)
RVR_DEFAULT_CALL_MINUTES = env_int("RVR_DEFAULT_CALL_MINUTES", 30)
# The connection check: how long the server's peer measures, and when it gives up.
RVR_CHECK_SECONDS = float(env_str("RVR_CHECK_SECONDS", "") or 2.5)
RVR_CHECK_TIMEOUT_SECONDS = float(env_str("RVR_CHECK_TIMEOUT_SECONDS", "") or 12)
# A poor connection degrades, not drops (rvr/connection.py): what each page receives is weak
# below RVR_WEAK_VIDEO_KBPS of video for RVR_WEAK_SECONDS (audio only is offered, and taken
# after RVR_AUDIO_ONLY_GRACE_SECONDS more); audio fails below RVR_FAILING_AUDIO_KBPS or above
# RVR_FAILING_LOSS_PCT lost, or with ICE disconnected, for RVR_FAILING_SECONDS (text chat).
# Nothing is judged in a call's first RVR_QUALITY_WARMUP_SECONDS (the bitrate ramps up).
RVR_WEAK_VIDEO_KBPS = env_int("RVR_WEAK_VIDEO_KBPS", 150)
RVR_WEAK_SECONDS = env_int("RVR_WEAK_SECONDS", 4)
RVR_AUDIO_ONLY_GRACE_SECONDS = env_int("RVR_AUDIO_ONLY_GRACE_SECONDS", 6)
RVR_FAILING_AUDIO_KBPS = env_int("RVR_FAILING_AUDIO_KBPS", 4)
RVR_FAILING_LOSS_PCT = env_int("RVR_FAILING_LOSS_PCT", 50)
RVR_FAILING_SECONDS = env_int("RVR_FAILING_SECONDS", 5)
RVR_QUALITY_WARMUP_SECONDS = env_int("RVR_QUALITY_WARMUP_SECONDS", 6)
# More switches of video, audio only and chat in a minute than a real connection makes are
# refused (a flood of the permanent incident log).
RVR_MODE_CHANGES_PER_MINUTE = env_int("RVR_MODE_CHANGES_PER_MINUTE", 10)
# ICE: STUN and TURN servers, the TURN shared secret (coturn's --static-auth-secret), how long a
# session's TURN credentials last, and relay-only mode (each side sees only the relay's address).
STUN_URLS = env_list("STUN_URLS", [])
TURN_URLS = env_list("TURN_URLS", [])
TURN_SECRET = env_str("TURN_SECRET", "")
TURN_CREDENTIAL_SECONDS = env_int("TURN_CREDENTIAL_SECONDS", 4 * 60 * 60)
RVR_RELAY_ONLY = env_bool("RVR_RELAY_ONLY", False)
# Signalling limits per websocket: largest message, and a burst and steady rate of messages.
RVR_SIGNAL_MAX_BYTES = env_int("RVR_SIGNAL_MAX_BYTES", 24 * 1024)
RVR_SIGNAL_BURST = env_int("RVR_SIGNAL_BURST", 60)
RVR_SIGNAL_PER_SECOND = env_int("RVR_SIGNAL_PER_SECOND", 20)
# Her "Later" (rvr/suspect_present.py) still counts this long after the call ended (a press
# as the call ends, or her page's retry); its request by the link alone is rate-limited to a
# burst and a steady rate per session.
RVR_LATER_GRACE_SECONDS = env_int("RVR_LATER_GRACE_SECONDS", 120)
RVR_LATER_BURST = env_int("RVR_LATER_BURST", 5)
RVR_LATER_PER_MINUTE = env_int("RVR_LATER_PER_MINUTE", 10)
RVR_STILL_MAX_BYTES = env_int("RVR_STILL_MAX_BYTES", 4 * 1024 * 1024)
# Request paths that take a larger body than HUB_REQUEST_MAX_BYTES, with their own limit.
HUB_REQUEST_LARGE_BODIES = [(r"^/rvr/sessions/\d+/stills/$", RVR_STILL_MAX_BYTES)]
# Photos and files a victim sends from the call (rvr/uploads.py): the largest, and how many
# one call may take.
RVR_UPLOAD_MAX_BYTES = env_int("RVR_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
RVR_UPLOADS_PER_CALL = env_int("RVR_UPLOADS_PER_CALL", 20)
# Each post is decoded before it is kept; this many a minute lets her send a few photos quickly
# but not flood the decoder.
RVR_UPLOADS_PER_MINUTE = env_int("RVR_UPLOADS_PER_MINUTE", 6)
HUB_REQUEST_LARGE_BODIES += [(r"^/v/[A-Za-z0-9_-]+/uploads/$", RVR_UPLOAD_MAX_BYTES)]
# Recording calls with the victim's consent: the force file's [recording] table (allowed,
# retention_days, chunk_seconds), and the largest chunk of recorded video the console uploads.
HUB_RECORDING = HUB_FORCE.recording
RVR_RECORDING_CHUNK_MAX_BYTES = env_int("RVR_RECORDING_CHUNK_MAX_BYTES", 8 * 1024 * 1024)
HUB_REQUEST_LARGE_BODIES += [(r"^/rvr/sessions/\d+/recording/chunks/$",
                              RVR_RECORDING_CHUNK_MAX_BYTES)]
# The host that serves victims' links. When it is not the staff address it serves the victim
# pages and nothing else (contact_hub/victim_host.py): no staff login, no hub name, 404 for
# every other address. By default it is the host of RVR_LINK_BASE_URL when that differs from
# PUBLIC_BASE_URL's; the demo serves both from one host.
_link_host = urlsplit(RVR_LINK_BASE_URL).hostname or ""
HUB_VICTIM_HOST = env_str("HUB_VICTIM_HOST", "") or (
    _link_host if _link_host != urlsplit(PUBLIC_BASE_URL).hostname else "")
if HUB_VICTIM_HOST and HUB_VICTIM_HOST not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(HUB_VICTIM_HOST)

# Twilio (SMS and the 101 voice line). Without credentials the Twilio channels are off.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
# The hub's own numbers: texts to any other number are not for us.
TWILIO_SMS_NUMBERS = env_list("TWILIO_SMS_NUMBERS", [])
# Media is only ever fetched from Twilio's own hosts (a suffix match), never from any URL.
TWILIO_MEDIA_HOSTS = env_list("TWILIO_MEDIA_HOSTS", ["api.twilio.com", ".twiliocdn.com"])
# Media is fetched over https only, its certificate checked against this CA bundle (empty: the
# system's trust store); tests name their own test CA's.
HUB_MEDIA_CA_BUNDLE = env_str("HUB_MEDIA_CA_BUNDLE", "")
# Networks the media fetcher may connect to although they are not public. Only tests set it
# (their stand-in for Twilio listens on 127.0.0.1), so it is never read from the environment.
HUB_MEDIA_TEST_NETWORKS: list[str] = []
# Tests swap the SDK's HTTP layer (never the SDK) via this dotted path; empty: the real one.
TWILIO_HTTP_CLIENT = ""

# Meta: Messenger, Instagram and the WhatsApp Cloud API share one app and its secret.
META_APP_SECRET = env_str("META_APP_SECRET", "")
META_VERIFY_TOKEN = env_str("META_VERIFY_TOKEN", "")
META_PAGE_ACCESS_TOKEN = env_str("META_PAGE_ACCESS_TOKEN", "")
# Our Facebook page ids and Instagram account ids; messages to any other are not for us.
META_PAGE_IDS = env_list("META_PAGE_IDS", [])
WHATSAPP_TOKEN = env_str("WHATSAPP_TOKEN", "")
WHATSAPP_PHONE_NUMBER_IDS = env_list("WHATSAPP_PHONE_NUMBER_IDS", [])
WHATSAPP_TEMPLATE_LANGUAGE = env_str("WHATSAPP_TEMPLATE_LANGUAGE", "en_GB")
GRAPH_API_BASE = env_str("GRAPH_API_BASE", "https://graph.facebook.com/v21.0")

# X direct messages (Account Activity API).
X_CONSUMER_SECRET = env_str("X_CONSUMER_SECRET", "")
X_ACCESS_TOKEN = env_str("X_ACCESS_TOKEN", "")
X_USER_ID = env_str("X_USER_ID", "")
X_API_BASE = env_str("X_API_BASE", "https://api.x.com")

# One handler, on the root logger, and every line it prints is redacted (message, traceback and
# stack: contact_hub.log_redaction). Celery's worker and beat apply this same configuration
# (contact_hub.celery), and uvicorn's loggers (serve passes log_config=None) propagate to it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"redacted": {"()": "contact_hub.log_redaction.RedactingFormatter",
                                "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "redacted"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's defaults give these their own unredacted handlers (a traceback on the console
        # under DEBUG, runserver's request lines); send them to the root handler instead.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
        # A scanner's bad Host header is refused with a 400; a traceback for each would flood
        # the console.
        "django.security.DisallowedHost": {"level": "CRITICAL"},
        # Provider SDKs log request and response bodies (numbers, message text) at INFO.
        "axes": {"level": "WARNING"}, "celery.app.trace": {"level": "WARNING"},
        "twilio": {"level": "WARNING"},
        # redis-py gives this logger a handler of its own (unredacted) unless it exists: it
        # would print pub/sub push messages, and the live layer's carry message text.
        "push_response": {"handlers": [], "propagate": True, "level": "WARNING"},
        # Its DEBUG lines carry request paths and query strings (signed media URLs).
        "urllib3": {"level": "WARNING"},
        # ICE logs every candidate pair: addresses of victims and officers.
        "aioice": {"level": "WARNING"}, "aiortc": {"level": "WARNING"},
    },
}
