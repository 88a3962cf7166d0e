"""Configuration read from environment variables (documented in README.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta

DEV_SECRET_KEY = "dev-only-secret-key-never-use-in-production"


def normalize_database_url(url: str) -> str:
    """Accept the `postgres://` and `postgresql://` spellings and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _split(raw: str) -> list[str]:
    return [item.strip().lower() for item in raw.split(",") if item.strip()]


def oidc_providers(env: Mapping[str, str]) -> dict[str, dict]:
    """OpenID Connect providers named by OIDC_<NAME>_DISCOVERY_URL and their settings."""
    providers = {}
    for key, value in env.items():
        if not (key.startswith("OIDC_") and key.endswith("_DISCOVERY_URL")) or not value:
            continue
        name = key[len("OIDC_") : -len("_DISCOVERY_URL")]
        prefix = f"OIDC_{name}_"

        providers[name.lower()] = {
            "discovery_url": value,
            "client_id": env.get(prefix + "CLIENT_ID", ""),
            "client_secret": env.get(prefix + "CLIENT_SECRET", ""),
            "label": env.get(prefix + "LABEL") or name.replace("_", " ").title(),
            # The role a person gets on their first sign-in through this provider.
            "role": (env.get(prefix + "ROLE") or "advocate").strip().lower(),
            # Who may sign in through it (empty: everyone), and from which domains.
            "roles": _split(env.get(prefix + "ROLES", "")),
            "domains": _split(env.get(prefix + "DOMAINS", "")),
        }
    return providers


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings for a running portal; every value can come from the environment."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.PORTAL_ENV = env.get("PORTAL_ENV", "development").strip().lower()
        is_production = self.PORTAL_ENV == "production"

        self.SECRET_KEY = env.get("SECRET_KEY") or DEV_SECRET_KEY
        # None means "SQLite in the instance folder", resolved by create_app.
        url = env.get("DATABASE_URL")
        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(url) if url else None
        self.BASE_URL = (env.get("BASE_URL") or "").rstrip("/") or (
            None if is_production else "http://127.0.0.1:5000"
        )
        self.PROGRAM_TIMEZONE = env.get("PROGRAM_TIMEZONE", "UTC")
        self.PROGRAM_NAME = env.get("PROGRAM_NAME", "Advocate Program")
        # The languages with a catalogue in portal/translations; English is the source.
        self.LANGUAGES = ("en", "de", "fr")
        self.BABEL_DEFAULT_LOCALE = "en"
        # Relative to the package; the install step compiles the catalogues there.
        self.BABEL_TRANSLATION_DIRECTORIES = env.get("TRANSLATIONS_DIR") or "translations"
        self.PSEUDO_LOCALE_ENABLED = False
        self.REDIS_URL = env.get("REDIS_URL") or None
        # Seconds one call to Redis may take before the portal gives up on it.
        self.REDIS_TIMEOUT = float(env.get("REDIS_TIMEOUT", "0.5") or 0.5)
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", "0") or 0)

        self.SESSION_COOKIE_NAME = "portal_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = is_production
        self.REMEMBER_COOKIE_NAME = "portal_remember"
        self.REMEMBER_COOKIE_DURATION = timedelta(days=30)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = is_production
        # A sign-in without "remember me" lasts at most this long on the server.
        self.SESSION_LIFETIME = timedelta(hours=12)
        self.PREFERRED_URL_SCHEME = "https" if is_production else "http"

        self.MAX_CONTENT_LENGTH = 4 * 1024 * 1024
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.SET_PASSWORD_LINK_MAX_AGE = timedelta(days=7)

        # No ping before each checkout (a round trip on every request): a pooled
        # connection the server closed is noticed from its socket instead
        # (portal/__init__.py: _drop_connections_the_server_closed), and one that
        # fails anyway gets that request the 503 page while the pool replaces
        # every connection made before the failure.
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": False}
        self.HSTS_SECONDS = 31536000 if is_production else 0

        self.MAIL_BACKEND = env.get("MAIL_BACKEND", "smtp")  # or "file" (instance/mail)
        self.MAIL_SERVER = env.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = int(env.get("MAIL_PORT", "25") or 25)
        self.MAIL_USE_TLS = _flag(env.get("MAIL_USE_TLS"))
        self.MAIL_USE_SSL = _flag(env.get("MAIL_USE_SSL"))
        self.MAIL_TLS_VERIFY = _flag(env.get("MAIL_TLS_VERIFY"), default=True)
        self.MAIL_CA_FILE = env.get("MAIL_CA_FILE") or None
        self.MAIL_TIMEOUT = float(env.get("MAIL_TIMEOUT", "10") or 10)
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "portal@localhost")
        self.MAIL_ALLOW_PLAINTEXT = _flag(env.get("MAIL_ALLOW_PLAINTEXT"))

        # Flask-Limiter: shared through Redis when there is one, counted per
        # process while Redis fails (see portal/ratelimits.py).
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_STRATEGY = "moving-window"
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_KEY_PREFIX = "portal-limits"

        self.OIDC_PROVIDERS = oidc_providers(env)

        # Webhook endpoints: https only in production, and never an address on
        # loopback, a private, link-local or reserved network -- unless, outside
        # production, WEBHOOKS_ALLOW_PRIVATE_HOSTS=1 (a receiver on this machine).
        self.WEBHOOKS_REQUIRE_HTTPS = is_production
        self.WEBHOOKS_ALLOW_PRIVATE_HOSTS = not is_production and _flag(
            env.get("WEBHOOKS_ALLOW_PRIVATE_HOSTS")
        )
        self.WEBHOOKS_TIMEOUT = float(env.get("WEBHOOKS_TIMEOUT", "10") or 10)

    @property
    def is_production(self) -> bool:
        return self.PORTAL_ENV == "production"


class TestConfig(Config):
    """Used by the test suite: a database from TEST_DATABASE_URL, CSRF off by default."""

    TESTING = True

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = dict(os.environ if environ is None else environ)
        env.setdefault("PORTAL_ENV", "development")
        env.setdefault("PROGRAM_TIMEZONE", "Pacific/Auckland")
        super().__init__(env)
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key-with-enough-length-0123456789"
        self.WTF_CSRF_ENABLED = False
        self.BASE_URL = "http://portal.test"
        self.MAIL_SERVER = "127.0.0.1"
        self.MAIL_PORT = 9  # nothing listens: tests that deliver start their own server
        self.MAIL_TIMEOUT = 5
        self.MAIL_DEFAULT_SENDER = "Advocate Program <program@portal.test>"
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.SERVER_NAME = None
        # The tests' receiving server listens on loopback.
        self.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
        self.WEBHOOKS_TIMEOUT = 5
