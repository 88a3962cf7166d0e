"""gunicorn settings for the portal in production: `gunicorn -c gunicorn.conf.py`.

Every value can be changed without editing this file: the PORTAL_* variables
below, or any gunicorn flag through GUNICORN_CMD_ARGS (which wins over this
file). The portal's own settings (DATABASE_URL, SECRET_KEY, ...) come from
the environment as usual; see README.md, "Running in production".

Workers
    Requests are short and mostly CPU in Python (templates, SQLAlchemy) plus
    waits on PostgreSQL. `gthread` workers run a few threads each, so one
    worker keeps its CPU busy while a thread waits on the database, and
    keep-alive connections from the reverse proxy are held without a worker
    blocked per idle connection. Python runs one thread at a time per process,
    so CPU capacity comes from processes: by default one worker per core plus
    one, with 4 threads each. Raise PORTAL_WORKERS rather than PORTAL_THREADS
    when the CPUs are not saturated. Each worker opens at most `threads`
    database connections (SQLAlchemy's pool), so PostgreSQL's max_connections
    must exceed nodes x workers x threads (plus the mail worker and cron jobs).

Restarts and shutdown
    SIGTERM (systemd stop) and SIGQUIT stop gracefully: the master stops
    accepting, each worker finishes the requests it is serving within
    `graceful_timeout` seconds, then exits; SIGINT is an immediate stop. SIGHUP
    starts new workers with re-read configuration and retires the old ones
    gracefully. `max_requests` (with jitter, so workers don't all restart at
    once) recycles each worker after a few thousand requests, which bounds
    memory growth from fragmentation. `timeout` kills a worker whose main
    loop is stuck (for example on a database that stopped answering).

Preloading
    `preload_app` imports the app once in the master before forking: workers
    start faster and share the imported code's memory pages. The cost: a
    SIGHUP does not load new application code (restart the service to deploy),
    and nothing may open a connection or thread in the master; create_app
    opens none, and `post_fork` below drops any pooled connection anyway.
"""

from __future__ import annotations

import ctypes
import faulthandler
import gc
import os
import sys

from portal.logs import logging_config

wsgi_app = os.environ.get("PORTAL_WSGI_APP", "portal.wsgi:app")
bind = [address.strip() for address in os.environ.get("PORTAL_BIND", "127.0.0.1:8000").split(",")]

worker_class = os.environ.get("PORTAL_WORKER_CLASS", "gthread")
workers = int(os.environ.get("PORTAL_WORKERS") or (os.cpu_count() or 1) + 1)
threads = int(os.environ.get("PORTAL_THREADS", "4"))
# Idle keep-alive connections from the reverse proxy are kept this long.
keepalive = 5

timeout = 30
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
preload_app = True

# The worker heartbeat file lives in memory, never on a slow or full disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# The portal writes one JSON access line per request itself (with the request
# id and duration); gunicorn's own lines use the same JSON format.
accesslog = None
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = logging_config(loglevel.upper())

# The scheme and client address come from X-Forwarded-* through the app's
# ProxyFix, set by TRUSTED_PROXIES: one place decides which proxies to trust.
secure_scheme_headers: dict[str, str] = {}

# Newer gunicorn opens a control socket in $HOME by default; several
# instances on one machine would share it, and nothing here uses it.
control_socket_disable = True


def _return_large_allocations_to_the_system() -> None:
    """Keep big, short-lived buffers out of the heap (glibc; elsewhere nothing changes).

    Each password check (argon2id) allocates 19 MiB. glibc's default raises its
    mmap threshold after the first such buffer is freed, so later ones come
    from the heap and stay resident: a worker that served a few simultaneous
    sign-ins kept ~75 MiB more. A fixed threshold (which also turns off that
    adjustment) returns them to the system when freed; two arenas per process
    stop threads from each holding their own.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_mmap_threshold, m_arena_max = -3, -8  # <malloc.h>
    libc.mallopt(m_mmap_threshold, 128 * 1024)
    libc.mallopt(m_arena_max, 2)


# In the master, before the app is loaded: forked workers inherit it.
_return_large_allocations_to_the_system()


def pre_fork(server, worker) -> None:
    """Move the preloaded objects out of the collector's reach before forking.

    Workers then never write to those pages while collecting garbage, so they
    stay shared with the master instead of being copied into each worker.
    """
    gc.freeze()


def post_fork(server, worker) -> None:
    """A crash dump on fatal signals; no database connection inherited from the master."""
    # A worker killed by SIGSEGV or SIGABRT writes every thread's Python stack to the log.
    faulthandler.enable()
    portal_wsgi = sys.modules.get("portal.wsgi")  # loaded by preload_app
    if portal_wsgi is None:
        return
    from portal.extensions import db

    with portal_wsgi.app.app_context():
        db.engine.dispose(close=False)
