"""Two transactions on PostgreSQL, stepped by the test in a fixed order.

The test's own transaction (in its application context) takes its locks and
stays open; `Meanwhile` starts a second one in a thread, with its own
session and connection (a service call, or a request through the test
client); `wait_until_blocked` returns once that second transaction waits for
a lock the first holds, as pg_stat_activity shows. The test then commits
and `finish` lets the second run to its end. No sleeps decide the order and
nothing is left to chance: the second always runs into the first's locks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import psycopg
import sqlalchemy as sa
from flask import Flask

from portal.errors import PortalError
from portal.extensions import db
from tests.postgres import libpq_url

T = TypeVar("T")


class Meanwhile(Generic[T]):
    """`work()` in a thread with an application context of its own, committed at the end.

    `result` is what it returned, or the PortalError it raised (rolled back).
    """

    def __init__(self, app: Flask, work: Callable[[], T]) -> None:
        self.app, self.work = app, work
        self.result: T | PortalError | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with self.app.app_context():
            try:
                self.result = self.work()
                db.session.commit()
            except PortalError as error:
                db.session.rollback()
                self.result = error
            except BaseException as error:  # shown by finish(), in the test's thread
                db.session.rollback()
                self._failure = error
            finally:
                db.session.remove()

    def wait_until_blocked(self, timeout: float = 15) -> None:
        """Return once another connection to the test database waits for a lock."""
        with self.app.app_context():
            url = libpq_url(db.engine.url.render_as_string(hide_password=False))
        deadline = time.monotonic() + timeout
        with psycopg.connect(url, autocommit=True) as watcher:
            while time.monotonic() < deadline:
                if not self._thread.is_alive():
                    self.finish()
                    raise AssertionError(f"it finished without waiting: {self.result!r}")
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchone()[0]
                if waiting:
                    return
                time.sleep(0.005)  # polling an observable state, not ordering by time
        raise AssertionError("the second transaction never waited for the first")

    def finish(self, timeout: float = 30) -> T | PortalError | None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the second transaction did not finish"
        if self._failure is not None:
            raise self._failure
        return self.result


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
