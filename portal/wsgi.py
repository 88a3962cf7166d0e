"""The WSGI entry point for production servers: `gunicorn portal.wsgi:app`.

Settings come from the environment (see config.py); gunicorn.conf.py at the
top of the repository names this module and holds the worker settings.
"""

from portal import create_app

# No CLI commands: migrations and their libraries stay out of web workers.
app = create_app(cli=False)
