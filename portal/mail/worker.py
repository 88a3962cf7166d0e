"""The mail worker: timed jobs and outbox delivery in one loop, stopped cleanly by SIGTERM."""

from __future__ import annotations

import signal
import threading

from flask import current_app

from portal.extensions import db
from portal.jobs import queue
from portal.jobs.runner import run_due
from portal.mail.delivery import Outcome, send_due


class Worker:
    def __init__(self, batch: int = 50) -> None:
        self.batch = batch
        self.stopping = threading.Event()

    def run_once(self) -> Outcome:
        run_due()
        queue.run_due()
        outcome = Outcome()
        while True:
            round_outcome = send_due(limit=self.batch)
            outcome.add(round_outcome)
            if round_outcome.handled < self.batch:
                break
            if self.stopping.is_set():
                break
        db.session.remove()
        return outcome

    def _stop(self, signum, _frame) -> None:
        current_app.logger.info("mail worker: signal %s, finishing the current round", signum)
        self.stopping.set()

    def run_forever(self, interval: float) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        current_app.logger.info("mail worker started (every %.1f s)", interval)
        while not self.stopping.is_set():
            try:
                self.run_once()
            except Exception:  # a database outage: log, wait, try again
                db.session.rollback()
                current_app.logger.exception("mail worker round failed")
            self.stopping.wait(interval)
        current_app.logger.info("mail worker stopped")
