"""Settings from the environment."""

from __future__ import annotations

import pytest

from config import Config, normalize_database_url
from portal import create_app


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
        {"PORTAL_ENV": "production", "SECRET_KEY": "s" * 40, "BASE_URL": "https://a.example"}
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
        ({"PORTAL_ENV": "production", "SECRET_KEY": "s" * 40}, "BASE_URL"),
        (
            {"PORTAL_ENV": "production", "SECRET_KEY": "s" * 40, "BASE_URL": "http://a.example"},
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
            "SECRET_KEY": "s" * 40,
            "BASE_URL": "https://a.example",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        }
    )
    app = create_app(config)
    response = app.test_client().get("/healthz", base_url="https://a.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
