"""Alembic environment for the portal (run through Flask-Migrate: `flask db ...`)."""

import logging
import warnings
from logging.config import fileConfig

from alembic import context
from flask import current_app

from portal.db import UTCDateTime

config = context.config
if config.config_file_name and not getattr(config, "skip_logging_config", False):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

# SQLite can't reflect indexes on expressions (lower(name)); batch migrations
# that copy a table keep them through the models' metadata and the scripts.
warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")

target_db = current_app.extensions["migrate"].db


def render_item(type_, obj, autogen_context):
    # Scripts stay free of application imports: an aware UTC datetime is a
    # plain timestamptz in the schema.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure_args() -> dict:
    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("compare_type", True)
    args.setdefault("render_item", render_item)
    # SQLite can't ALTER most things; batch mode copies the table instead.
    args.setdefault("render_as_batch", True)
    return args


def run_migrations_offline() -> None:
    context.configure(
        url=str(target_db.engine.url),
        target_metadata=target_db.metadata,
        literal_binds=True,
        **configure_args(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    args = configure_args()
    args.setdefault("process_revision_directives", process_revision_directives)
    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
