"""Settings from the environment."""

from __future__ import annotations

import base64
import secrets
import string
import uuid

import pytest

from config import Config, normalize_database_url
from portal import create_app
from portal.secret_key import weakness

# A random key, as production needs one (secrets.token_urlsafe(32)).
GOOD_KEY = "S6xPLx7iZ-u587MJEV3u14AbKlMsy5UDLiLL4tnJm0o"


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u:p@db/portal", "postgresql+psycopg://u:p@db/portal"),
        ("postgresql://u:p@db/portal", "postgresql+psycopg://u:p@db/portal"),
        ("sqlite:////var/portal.db", "sqlite:////var/portal.db"),
    ],
)
def test_database_urls_in_both_spellings(given, expected):
    assert normalize_database_url(given) == expected
    assert Config({"DATABASE_URL": given}).SQLALCHEMY_DATABASE_URI == expected


def test_development_defaults_run_on_plain_http():
    config = Config({})
    assert config.PORTAL_ENV == "development"
    assert config.SESSION_COOKIE_SECURE is False
    assert config.BASE_URL == "http://127.0.0.1:5000"
    assert config.SQLALCHEMY_DATABASE_URI is None


def test_production_cookies_are_secure():
    config = Config(
        {"PORTAL_ENV": "production", "SECRET_KEY": GOOD_KEY, "BASE_URL": "https://a.example"}
    )
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.HSTS_SECONDS > 0


@pytest.mark.parametrize(
    "environ, reason",
    [
        ({"PORTAL_ENV": "production", "BASE_URL": "https://a.example"}, "SECRET_KEY"),
        (
            {"PORTAL_ENV": "production", "SECRET_KEY": "short", "BASE_URL": "https://a.example"},
            "SECRET_KEY",
        ),
        ({"PORTAL_ENV": "production", "SECRET_KEY": GOOD_KEY}, "BASE_URL"),
        (
            {"PORTAL_ENV": "production", "SECRET_KEY": GOOD_KEY, "BASE_URL": "http://a.example"},
            "BASE_URL",
        ),
        ({"PROGRAM_TIMEZONE": "Mars/Olympus"}, "PROGRAM_TIMEZONE"),
        ({"PORTAL_ENV": "staging"}, "PORTAL_ENV"),
    ],
)
def test_unsafe_settings_stop_the_portal_with_a_reason(tmp_path, environ, reason):
    config = Config({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **environ})
    with pytest.raises(SystemExit) as stopped:
        create_app(config)
    assert reason in str(stopped.value)
    assert "\n" not in str(stopped.value)


def test_production_hsts_header(tmp_path):
    config = Config(
        {
            "PORTAL_ENV": "production",
            "SECRET_KEY": GOOD_KEY,
            "BASE_URL": "https://a.example",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        }
    )
    app = create_app(config)
    response = app.test_client().get("/healthz", base_url="https://a.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


WEAK_KEYS = [
    "x" * 40,
    "ab" * 20,
    "abc123" * 6,
    "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbcccccccc",
    "abcdefghijklmnopqrstuvwxyz0123456789",
    "0123456789" * 4,
    "qwertyuiopasdfghjklzxcvbnm1234567890",
    "1q2w3e4r5t6y7u8i9o0p1q2w3e4r5t6y7u8i9o0p",
    "zaq12wsxcde34rfvbgt56yhnmju78ik,",
    "changeme" * 5,
    "password1234password1234password1234",
    "this is my very secret key for the portal",
    "correct-horse-battery-staple-mountain-river",
    "The quick brown fox jumps over the lazy dog",
    "SuperSecretAdvocatePortalProductionKey2026!",
    "advocate-portal-production-secret-key-2026",
    "Advocate Portal production 2026 secret!!",
    "mysupersecretkeythatnobodywillguess123",
    "ilovemycatfluffyandmydogrexverymuch",
    "our-company-advocates-are-the-best-in-the-world",
]


@pytest.mark.parametrize("key", WEAK_KEYS)
def test_production_refuses_a_long_key_that_is_not_random(tmp_path, key):
    assert len(key) >= 32
    config = Config(
        {
            "PORTAL_ENV": "production",
            "SECRET_KEY": key,
            "BASE_URL": "https://a.example",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        }
    )
    with pytest.raises(SystemExit) as stopped:
        create_app(config)
    assert "SECRET_KEY must be a random value" in str(stopped.value)
    assert "secrets.token_urlsafe(48)" in str(stopped.value)


RANDOM_KEYS = {
    "token_urlsafe(24)": lambda: secrets.token_urlsafe(24),
    "token_urlsafe(48)": lambda: secrets.token_urlsafe(48),
    "token_hex(16)": lambda: secrets.token_hex(16),
    "token_hex(32)": lambda: secrets.token_hex(32),
    "openssl rand -base64 32": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
    "base32": lambda: base64.b32encode(secrets.token_bytes(20)).decode(),
    "two uuid4": lambda: f"{uuid.uuid4()}{uuid.uuid4()}",
    "uuid4 hex": lambda: uuid.uuid4().hex,
    "lower-case and digits": lambda: "".join(
        secrets.choice(string.ascii_lowercase + string.digits) for _ in range(32)
    ),
    "Django's alphabet": lambda: "".join(
        secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)") for _ in range(50)
    ),
}


@pytest.mark.parametrize("generator", RANDOM_KEYS.values(), ids=RANDOM_KEYS.keys())
def test_random_keys_from_common_generators_are_accepted(generator):
    weak = [(key, reason) for key in (generator() for _ in range(500)) if (reason := weakness(key))]
    assert weak == []


def test_production_starts_with_a_random_key(tmp_path):
    config = Config(
        {
            "PORTAL_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "BASE_URL": "https://a.example",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        }
    )
    assert create_app(config).config["PORTAL_ENV"] == "production"
