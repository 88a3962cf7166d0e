"""The WSGI entry point for production servers: `gunicorn portal.wsgi:app`.

Settings come from the environment (see config.py); gunicorn.conf.py at the
top of the repository names this module and holds the worker settings.
"""

from portal import create_app

# No CLI commands: migrations and their libraries stay out of web workers.
app = create_app(cli=False)


def _warm_up() -> None:
    """Before the fork (preload_app): what every worker would build on its first
    requests is built once here, in pages the workers share."""
    import sqlalchemy.orm

    sqlalchemy.orm.configure_mappers()
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
        app.jinja_env.get_template(name)


_warm_up()
