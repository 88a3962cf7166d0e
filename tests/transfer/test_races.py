"""Imports and deletion requests under concurrency (PostgreSQL, stepped by tests/races.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.errors import AlreadyExists, InvalidState
from portal.extensions import db
from portal.jobs.models import BackgroundJob
from portal.privacy import erasure
from portal.privacy.models import DeletionRequest
from portal.transfer import importer
from portal.transfer.models import DataImport
from tests.races import Meanwhile, count
from tests.transfer.test_imports import SALESFORCE, _dry_run, _import_id, _upload

pytestmark = pytest.mark.postgresql


def test_two_managers_applying_the_same_file_at_once_import_it_once(app, make, login):
    first, second = make.manager(), make.manager()
    client = login(first)
    import_id = _import_id(_upload(client, SALESFORCE))
    _dry_run(app, client, import_id)
    with app.app_context():
        importer.start_apply(
            db.session.get(DataImport, import_id), by=db.session.get(User, first.id)
        )
        # The first apply holds the import's row until it commits...
        other = Meanwhile(
            app,
            lambda: importer.start_apply(
                db.session.get(DataImport, import_id), by=db.session.get(User, second.id)
            ),
        )
        other.wait_until_blocked()
        db.session.commit()
    # ...so the second reads it again, sees it applying, and queues nothing.
    assert isinstance(other.finish(), InvalidState)
    with app.app_context():
        assert count(BackgroundJob, BackgroundJob.payload["apply"].as_boolean()) == 1


def test_two_deletion_requests_at_once_make_one(app, make, login):
    person = make.advocate()
    admin = make.admin()
    with app.app_context():
        erasure.request_deletion(
            db.session.get(User, person.id), by=db.session.get(User, person.id)
        )
        other = Meanwhile(
            app,
            lambda: erasure.request_deletion(
                db.session.get(User, person.id),
                by=db.session.get(User, admin.id),
                reference="Letter",
            ),
        )
        other.wait_until_blocked()
        db.session.commit()
    assert isinstance(other.finish(), AlreadyExists)
    with app.app_context():
        assert count(DeletionRequest) == 1
        assert db.session.scalar(sa.select(DeletionRequest.requested_by_id)) == person.id
