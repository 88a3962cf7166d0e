"""Background jobs: enqueued with the change that asks for them, run once, retried, taken over."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.db import utcnow
from portal.extensions import db
from portal.jobs import queue
from portal.jobs.models import BackgroundJob, JobStatus
from portal.settings import Setting, get_setting, set_setting

pytestmark = pytest.mark.usefixtures("ctx")

RUNS: list[dict] = []


@queue.handler("test-write")
def _write(job: queue.JobContext) -> dict:
    RUNS.append(job.payload)
    set_setting(f"test-{job.payload['name']}", job.payload["value"])
    job.report(1, 1)
    return {"wrote": job.payload["name"]}


@queue.handler("test-fail")
def _fail(job: queue.JobContext) -> None:
    set_setting("test-half-done", True)  # rolled back with the failure
    raise RuntimeError("the CRM file is broken")


@pytest.fixture(autouse=True)
def _forget_runs():
    RUNS.clear()
    yield
    RUNS.clear()


def _job(job_id: int) -> BackgroundJob:
    db.session.expire_all()
    return db.session.get(BackgroundJob, job_id)


def test_a_job_runs_once_and_commits_its_work_with_its_result():
    job_id = queue.enqueue("test-write", {"name": "a", "value": 1})
    db.session.commit()
    assert queue.run_due() == {JobStatus.DONE: 1}
    assert queue.run_due() == {}
    job = _job(job_id)
    assert job.status == JobStatus.DONE and job.result == {"wrote": "a"}
    assert (job.progress, job.total, job.attempts) == (1, 1, 1)
    assert get_setting("test-a") == 1 and len(RUNS) == 1


def test_a_job_added_in_a_transaction_that_rolls_back_never_runs():
    queue.enqueue("test-write", {"name": "b", "value": 2})
    db.session.rollback()
    assert queue.run_due() == {} and RUNS == []


def test_the_same_dedupe_key_adds_one_job():
    assert queue.enqueue("test-write", {"name": "c", "value": 3}, dedupe_key="k") is not None
    assert queue.enqueue("test-write", {"name": "c", "value": 4}, dedupe_key="k") is None
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 1


def test_a_failing_job_leaves_nothing_half_done_and_is_retried_then_fails():
    job_id = queue.enqueue("test-fail", max_attempts=2)
    db.session.commit()
    assert queue.run_due() == {JobStatus.QUEUED: 1}
    job = _job(job_id)
    assert "the CRM file is broken" in job.last_error and job.attempts == 1
    assert db.session.get(Setting, "test-half-done") is None
    assert queue.run_due() == {}  # waits for its backoff
    with time_machine.travel(utcnow() + queue.backoff(1) + timedelta(seconds=1)):
        assert queue.run_due() == {JobStatus.FAILED: 1}
    assert _job(job_id).status == JobStatus.FAILED


def test_a_job_is_claimed_by_one_worker_and_taken_over_when_its_worker_dies():
    job_id = queue.enqueue("test-write", {"name": "d", "value": 5})
    db.session.commit()
    now = utcnow()
    first_token, first = queue.claim(now, 5)
    second_token, second = queue.claim(now, 5)
    assert first == [job_id] and second == []
    # The first worker dies; after its lease another takes the job and runs it.
    later = now + queue.LEASE + timedelta(seconds=1)
    with time_machine.travel(later):
        assert queue.run_due(now=later) == {JobStatus.DONE: 1}
    # The dead worker's claim no longer holds the job: its late finish changes nothing.
    assert queue._run_one(job_id, first_token) is None
    assert len(RUNS) == 1 and _job(job_id).status == JobStatus.DONE


def test_an_unknown_kind_of_job_fails_with_a_reason():
    job_id = queue.enqueue("no-such-kind", max_attempts=1)
    db.session.commit()
    assert queue.run_due() == {JobStatus.FAILED: 1}
    assert "no handler for jobs of kind 'no-such-kind'" in _job(job_id).last_error
