"""Advocate Portal: the application factory."""

from __future__ import annotations

import os
import select
import sqlite3

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

from config import DEV_SECRET_KEY, Config


def create_app(config_class: type[Config] | Config = Config, *, cli: bool = True) -> Flask:
    """The portal. Web servers pass `cli=False`: migrations and the commands
    (Alembic, Mako, Pygments) then stay out of every worker's memory."""
    app = Flask(__name__, instance_relative_config=True)
    config = config_class() if isinstance(config_class, type) else config_class
    app.config.from_object(config)
    _resolve_database(app)
    _check_settings(app)

    # First: the request id exists before any other hook runs, and the access
    # line is written after every other hook, with the status really sent.
    register_operations(app)
    register_extensions(app)
    register_inputs(app)
    register_blueprints(app)
    register_handlers(app)
    if cli:
        register_cli(app)
    return app


# Seconds to wait for PostgreSQL to accept a connection, unless DATABASE_URL
# says otherwise: without it a database that accepts TCP connections but never
# answers holds every request (and /readyz) for minutes.
DATABASE_CONNECT_TIMEOUT = 5


def _resolve_database(app: Flask) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "portal.db")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    if url.get_backend_name() == "sqlite":
        options.pop("pool_pre_ping", None)
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    elif url.get_backend_name() == "postgresql":
        connect_args = dict(options.get("connect_args", {}))
        if "connect_timeout" not in url.query and "connect_timeout" not in connect_args:
            connect_args["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
        # libpq tries a GSSAPI-encrypted connection first when it was built with
        # Kerberos support, even against a server that has none: a wasted round
        # trip per connection, and a code path with crash reports in threaded
        # clients. Deployments that use Kerberos say so in the URL.
        if "gssencmode" not in url.query and "gssencmode" not in connect_args:
            connect_args["gssencmode"] = "disable"
        options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Pool, "checkout")
def _drop_connections_the_server_closed(dbapi_connection, _record, _proxy) -> None:
    """A pooled connection the server ended (a restart, an idle timeout, a terminated
    backend) is replaced before use, without a round trip: its socket is readable
    (the server's goodbye, then end of file) while it should be silent."""
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None or isinstance(dbapi_connection, sqlite3.Connection):
        return
    try:
        readable, _, _ = select.select([fileno()], [], [], 0)
    except (OSError, ValueError, psycopg_errors()) as error:
        raise DisconnectionError(str(error)) from error
    if readable:
        raise DisconnectionError("the database closed this connection")


def psycopg_errors() -> type[Exception]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - SQLite only
        return OSError
    return psycopg.Error


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite enforces foreign keys only when asked; WAL lets readers run
    # beside one writer.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _check_settings(app: Flask) -> None:
    """Refuse to start on settings that would be unsafe or broken, with a one-line reason."""
    from portal import clock

    problems = []
    if not clock.is_valid_timezone(app.config["PROGRAM_TIMEZONE"]):
        problems.append(f"PROGRAM_TIMEZONE {app.config['PROGRAM_TIMEZONE']!r} is not a time zone")
    if app.config["PORTAL_ENV"] not in ("development", "production"):
        problems.append("PORTAL_ENV must be 'development' or 'production'")
    if app.config["PORTAL_ENV"] == "production":
        from portal.secret_key import weakness

        secret = app.config.get("SECRET_KEY") or ""
        if not secret or secret == DEV_SECRET_KEY:
            problems.append("SECRET_KEY must be set to a random value of 32 characters or more")
        elif weak := weakness(secret):
            problems.append(
                f"SECRET_KEY must be a random value of 32 characters or more (this one {weak}); "
                "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        base_url = app.config.get("BASE_URL") or ""
        if not base_url.startswith("https://"):
            problems.append("BASE_URL must be set to the portal's https:// address")
        mail_is_local = app.config["MAIL_SERVER"] in ("localhost", "127.0.0.1", "::1")
        mail_is_encrypted = app.config["MAIL_USE_TLS"] or app.config["MAIL_USE_SSL"]
        if app.config["MAIL_BACKEND"] == "smtp" and not (
            mail_is_local or mail_is_encrypted or app.config["MAIL_ALLOW_PLAINTEXT"]
        ):
            problems.append(
                "MAIL_SERVER is not local: set MAIL_USE_TLS or MAIL_USE_SSL "
                "(or MAIL_ALLOW_PLAINTEXT=1 to send in the clear on purpose)"
            )
    for name, provider in app.config["OIDC_PROVIDERS"].items():
        if not provider["client_id"]:
            problems.append(f"OIDC_{name.upper()}_CLIENT_ID is missing")
        if provider["role"] not in ("advocate", "manager", "requester", "admin"):
            problems.append(
                f"OIDC_{name.upper()}_ROLE must be advocate, manager, requester or admin"
            )
    if problems:
        raise SystemExit("Advocate Portal cannot start: " + "; ".join(problems) + ".")


def register_extensions(app: Flask) -> None:
    from portal import i18n
    from portal.auth.oidc import register_providers
    from portal.extensions import csrf, db, login_manager
    from portal.ratelimits import init_rate_limits

    db.init_app(app)
    init_rate_limits(app)
    register_providers(app)
    if app.config["PORTAL_ENV"] == "production" and not app.config.get("REDIS_URL"):
        app.logger.warning(
            "REDIS_URL is not set: rate limits are counted per process, "
            "so run one node (or set REDIS_URL)."
        )
    csrf.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.localize_callback = str  # the reader's language, when it is flashed
    login_manager.login_message_category = "info"
    # The session cookie names a server-side session (see auth.services).
    login_manager.session_protection = "basic"

    from portal.auth.services import user_for_session_token

    login_manager.user_loader(user_for_session_token)

    # Import every model so metadata and relationships are complete.
    import portal.models  # noqa: F401


def register_operations(app: Flask) -> None:
    """Request ids and JSON access lines; real client addresses behind trusted proxies."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from portal.db import run_read_only_pages_without_transactions
    from portal.health import keep_probes_off_the_database
    from portal.logs import register_request_logging

    register_request_logging(app)
    keep_probes_off_the_database(app)
    # Before any hook that asks the database (the session check).
    run_read_only_pages_without_transactions(app)
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops > 0:
        # Trust exactly `hops` X-Forwarded-* values, set by our own proxies;
        # more would let a client choose its address or scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def register_inputs(app: Flask) -> None:
    """The rules every request's input meets (before the blueprints: their routes use them)."""
    from portal.inputs import register_input_rules

    register_input_rules(app)


def register_blueprints(app: Flask) -> None:
    from portal.admin import bp as admin_bp
    from portal.advocates import bp as advocates_bp
    from portal.api import bp as api_bp
    from portal.api.pages import bp as api_tokens_bp
    from portal.auth import bp as auth_bp
    from portal.mail import bp as mail_bp
    from portal.main import bp as main_bp
    from portal.manage import bp as manage_bp
    from portal.notifications import bp as notifications_bp
    from portal.opportunities import bp as opportunities_bp
    from portal.privacy import bp as privacy_bp
    from portal.recognition import bp as recognition_bp
    from portal.references import bp as references_bp
    from portal.referrals import bp as referrals_bp
    from portal.showcase import bp as showcase_bp
    from portal.stories import bp as stories_bp
    from portal.webhooks.pages import bp as webhooks_bp

    for blueprint in (
        main_bp,
        auth_bp,
        advocates_bp,
        opportunities_bp,
        recognition_bp,
        stories_bp,
        references_bp,
        referrals_bp,
        showcase_bp,
        notifications_bp,
        mail_bp,
        privacy_bp,
        manage_bp,
        admin_bp,
        api_bp,
        api_tokens_bp,
        webhooks_bp,
    ):
        app.register_blueprint(blueprint)


def register_handlers(app: Flask) -> None:
    from portal.db import release_session_quietly
    from portal.errors import register_error_handlers
    from portal.security import register_security_headers
    from portal.templating import register_template_helpers

    register_error_handlers(app)
    app.teardown_appcontext(release_session_quietly)
    register_security_headers(app)
    register_template_helpers(app)


def register_cli(app: Flask) -> None:
    from flask_migrate import Migrate

    from portal.cli import register_commands
    from portal.extensions import db

    Migrate(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    register_commands(app)
