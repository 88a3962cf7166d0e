"""Importing companies and advocates from a CRM's CSV file, through the staff pages."""

from __future__ import annotations

import io
import re
import time

import pytest
import sqlalchemy as sa

from portal.advocates.models import Account, AdvocateProfile, Employment, OpenType
from portal.advocates.visibility import shown_publicly
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.jobs import queue
from portal.mail.models import OutboxMessage
from portal.settings import get_setting
from portal.transfer import importer
from portal.transfer.models import DataImport
from tests.helpers import text

SALESFORCE = (
    "First Name,Last Name,Email,Title,Account Name,Account ID,Industry,Region,Employees\r\n"
    "Ada,Lovelace,ada@analytical.example,CTO,Analytical Engines,0011,Technology,Europe,1200\r\n"
    "Grace,Hopper,GRACE@navy.example,Rear Admiral,US Navy,0012,Public sector,North America,50000\r\n"
    "Alan,Turing,alan@analytical.example,Researcher,Analytical Engines,0011,Technology,Europe,1200\r\n"
)


def _upload(client, content: bytes | str, filename: str = "contacts.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        "/manage/imports",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _import_id(response) -> int:
    return int(re.search(r"/manage/imports/(\d+)", response.headers["Location"]).group(1))


def _run_jobs(app) -> None:
    with app.app_context():
        queue.run_due(limit=10)
        db.session.remove()


def _mapping(app, import_id: int) -> dict:
    with app.app_context():
        return {f"map-{k}": v for k, v in db.session.get(DataImport, import_id).mapping.items()}


def _dry_run(app, client, import_id: int, mapping: dict | None = None):
    client.post(f"/manage/imports/{import_id}/mapping", data=mapping or _mapping(app, import_id))
    _run_jobs(app)
    return client.get(f"/manage/imports/{import_id}")


def _counts(app, import_id: int) -> dict:
    with app.app_context():
        return db.session.get(DataImport, import_id).counts


def _import(app, client, content, filename="contacts.csv") -> int:
    import_id = _import_id(_upload(client, content, filename))
    _dry_run(app, client, import_id)
    client.post(f"/manage/imports/{import_id}/apply")
    _run_jobs(app)
    return import_id


def _table_counts(app) -> dict:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (User, Account, Employment, AdvocateProfile)
        }


def test_a_salesforce_file_maps_dry_runs_imports_and_a_second_run_changes_nothing(app, make, login):
    client = login(make.manager())
    response = _upload(client, "\ufeff" + SALESFORCE)
    import_id = _import_id(response)
    page = text(client.get(f"/manage/imports/{import_id}"))
    assert "Match the columns" in page and "3 rows" in page
    # Salesforce's headers are recognised.
    assert _mapping(app, import_id)["map-account_crm_id"] == "Account ID"
    dry = text(_dry_run(app, client, import_id))
    assert _counts(app, import_id) == {"created": 3}
    assert "Import 3 rows" in dry
    assert _table_counts(app)["Account"] == 0  # the dry run changed nothing
    client.post(f"/manage/imports/{import_id}/apply")
    _run_jobs(app)
    with app.app_context():
        grace = db.session.scalar(sa.select(User).where(User.email == "grace@navy.example"))
        assert grace.name == "Grace Hopper" and grace.password_hash is None
        # New people: open to no ask, off the leaderboards, not public.
        assert grace.profile.show_on_leaderboard is False
        assert not db.session.scalar(sa.select(User.id).where(shown_publicly()))
        assert grace.profile.open_types == set()
        navy = db.session.scalar(sa.select(Account).where(Account.crm_id == "0012"))
        assert (navy.industry.value, navy.size_band.value) == ("public_sector", "global")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OpenType)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "import.applied")
        )
        assert event.details == {"created": 3}
    assert "Invite the 3 new people" in text(client.get(f"/manage/imports/{import_id}"))
    before = _table_counts(app)
    # The same file again: every row unchanged, nothing written.
    again = _import(app, client, SALESFORCE)
    assert _counts(app, again) == {"unchanged": 3}
    assert _table_counts(app) == before
    # The mapping is remembered for the next file.
    assert get_setting.__name__ and _remembered(app)["email"] == "Email"


def _remembered(app) -> dict:
    with app.app_context():
        return get_setting(importer.MAPPING_SETTING)


def test_inviting_the_imported_people_is_a_separate_choice(app, make, login):
    client = login(make.manager())
    import_id = _import(app, client, SALESFORCE)
    client.post(f"/manage/imports/{import_id}/invite")
    _run_jobs(app)
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
        assert kinds == ["account_invitation"] * 3
    again = client.post(f"/manage/imports/{import_id}/invite", follow_redirects=True)
    assert "were invited already" in text(again)


def test_a_hubspot_file_in_windows_1252_with_semicolons(app, make, login):
    client = login(make.manager())
    hubspot = (
        "Email;First Name;Last Name;Job Title;Company Name;Industry;Region;Company size\r\n"
        "zoe@cafe.example;Zoé;Müller;Café owner;Café Crème;Retail;Europe;small\r\n"
    ).encode("cp1252")
    import_id = _import(app, client, hubspot, "hubspot.csv")
    assert _counts(app, import_id) == {"created": 1}
    with app.app_context():
        zoe = db.session.scalar(sa.select(User).where(User.email == "zoe@cafe.example"))
        assert zoe.name == "Zoé Müller"
        assert db.session.scalar(sa.select(Account.name)) == "Café Crème"
        assert db.session.get(DataImport, import_id).encoding == "windows-1252"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Email,Name\r\n".encode("utf-16"), "UTF-16"),
        (b"", "The file is empty."),
        (b"Email,Name,email\r\na@x.example,A,b\r\n", "appears twice"),
        (b"Email,,Company\r\na@x.example,A,B\r\n", "Column 2 has no name"),
        (b"Email,Name\r\n", "a header but no rows"),
        (b'Email,Name\r\na@x.example,"Unclosed\r\n', "Row 2 can't be read"),
        (b"Email,Name\r\n\x81\x8d\xff\xfe\x00", "UTF-16"),
    ],
)
def test_unreadable_files_are_refused_with_what_to_fix(app, make, login, content, message):
    client = login(make.manager())
    response = _upload(client, content)
    assert response.status_code == 422
    assert message in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DataImport)) == 0


def test_a_file_neither_utf8_nor_windows_1252_is_refused(app, make, login):
    client = login(make.manager())
    response = _upload(client, b"Email,Name\r\na@x.example,\x81\r\n")
    assert "neither UTF-8 nor Windows-1252" in text(response)


def test_missing_columns_are_refused_at_the_mapping_step(app, make, login):
    client = login(make.manager())
    import_id = _import_id(_upload(client, "Contact,Organisation\r\nx,y\r\n"))
    page = client.post(f"/manage/imports/{import_id}/mapping", data={}, follow_redirects=True)
    assert "Choose the column with the email addresses." in text(page)
    page = client.post(
        f"/manage/imports/{import_id}/mapping",
        data={"map-email": "Contact", "map-name": "Contact", "map-account_name": "Organisation"},
        follow_redirects=True,
    )
    assert "“Contact” is chosen for both" in text(page)


def test_rejected_rows_are_listed_and_block_the_import(app, make, login):
    make.account(name="Known Co")
    staff = make.manager(email="staff@vendor.example")
    client = login(staff)
    content = (
        "Email,Name,Company,Industry,Region,Size\r\n"
        "ok@a.example,Ok,Known Co,,,\r\n"
        "not-an-email,Bad,Known Co,,,\r\n"
        "short@a.example,Short\r\n"
        "new@b.example,New,Brand New Ltd,,,\r\n"
        "ok@a.example,Ok,Known Co,,,\r\n"
        "ok@a.example,Other Name,Known Co,,,\r\n"
        "staff@vendor.example,Staff,Known Co,,,\r\n"
        "odd@a.example,Odd,Known Co,Basket weaving,,\r\n"
    )
    import_id = _import_id(_upload(client, content))
    page = text(_dry_run(app, client, import_id))
    counts = _counts(app, import_id)
    assert counts == {"created": 1, "rejected": 6, "unchanged": 1}
    assert "not an email address" in page
    assert "it has 2 cells; the header has 6" in page
    assert "“Brand New Ltd” is a new company: give its industry, region, size" in page
    assert "repeats row 2" in page
    assert "the same email as row 2, with other details" in page
    assert "belongs to a staff account" in page
    assert "“Basket weaving” is not one of" in page
    assert "Fix them in the file" in page
    refused = client.post(f"/manage/imports/{import_id}/apply", follow_redirects=True)
    assert "Fix the rejected rows" in text(refused)
    assert _table_counts(app)["User"] == 1


def test_a_changed_company_is_a_move_not_an_edit(app, make, login):
    old = make.account(name="Old Co")
    advocate = make.advocate(email="mover@x.example", name="Mo Ver", account=old)
    client = login(make.manager())
    import_id = _import(
        app,
        client,
        "Email,Name,Title,Company,Industry,Region,Size\r\n"
        "mover@x.example,Mo Ver,VP Data,New Co,Retail,Europe,250\r\n",
    )
    assert _counts(app, import_id) == {"updated": 1}
    with app.app_context():
        jobs = db.session.scalars(
            sa.select(Employment).where(Employment.user_id == advocate.id).order_by(Employment.id)
        ).all()
        assert [(j.account.name, j.ended_on is None) for j in jobs] == [
            ("Old Co", False),
            ("New Co", True),
        ]
        assert jobs[1].title == "VP Data"
    assert "moves to New Co" in text(client.get(f"/manage/imports/{import_id}"))


def test_a_company_without_a_crm_id_is_matched_by_name_in_any_case(app, make, login):
    acme = make.account(name="Acme Corp")
    client = login(make.manager())
    import_id = _import(
        app,
        client,
        "Email,Name,Title,Company\r\nnew@acme.example,New Person,CTO,ACME corp\r\n",
    )
    assert _counts(app, import_id) == {"created": 1}
    with app.app_context():
        assert db.session.scalars(sa.select(Account.id)).all() == [acme.id]
        person = db.session.scalar(sa.select(User).where(User.email == "new@acme.example"))
        job = db.session.scalar(sa.select(Employment).where(Employment.user_id == person.id))
        assert job.account_id == acme.id


def test_a_failure_in_the_middle_applies_nothing(app, make, login, monkeypatch):
    client = login(make.manager())
    import_id = _import_id(_upload(client, SALESFORCE))
    _dry_run(app, client, import_id)
    client.post(f"/manage/imports/{import_id}/apply")

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(importer, "_write_profiles_and_jobs", broken)
    _run_jobs(app)
    # Users were inserted before the failure; the rollback took them and the companies.
    assert _table_counts(app) == {"User": 1, "Account": 0, "Employment": 0, "AdvocateProfile": 0}
    page = text(client.get(f"/manage/imports/{import_id}"))
    assert "nothing was applied" in page and "the disk is full" in page
    monkeypatch.undo()
    with app.app_context():
        job = importer.job_of(db.session.get(DataImport, import_id))
        job.run_after = job.created_at
        db.session.commit()
    _run_jobs(app)
    assert _table_counts(app)["User"] == 4  # the retry applied it all


def test_the_progress_endpoint_reports_the_job(app, make, login):
    client = login(make.manager())
    import_id = _import_id(_upload(client, SALESFORCE))
    client.post(f"/manage/imports/{import_id}/mapping", data=_mapping(app, import_id))
    status = client.get(f"/manage/imports/{import_id}/status.json").get_json()
    assert status["running"] is True and status["status"] == "checking"
    assert 'data-import-status="' in client.get(f"/manage/imports/{import_id}").get_data(True)
    _run_jobs(app)
    status = client.get(f"/manage/imports/{import_id}/status.json").get_json()
    assert status == {
        "status": "checked",
        "label": "Dry run done",
        "running": False,
        "progress": 3,
        "total": 3,
        "error": "",
    }


def test_imports_are_for_staff_only(app, make, login):
    client = login(make.advocate())
    assert client.get("/manage/imports").status_code == 403
    assert _upload(client, SALESFORCE).status_code == 403


def test_fifty_thousand_rows_import_in_a_background_job(app, make, login, capsys):
    client = login(make.manager())
    lines = ["Email,First Name,Last Name,Title,Account Name,Account ID,Industry,Region,Employees"]
    for number in range(50_000):
        company = number % 500
        lines.append(
            f"person{number}@bulk.example,First{number},Last{number},Engineer,"
            f"Company {company},CRM{company},Technology,Europe,{company * 40 + 10}"
        )
    content = ("\r\n".join(lines) + "\r\n").encode()
    started = time.perf_counter()
    upload = _upload(client, content)
    uploaded = time.perf_counter()
    import_id = _import_id(upload)
    client.post(f"/manage/imports/{import_id}/mapping", data=_mapping(app, import_id))
    _run_jobs(app)
    checked = time.perf_counter()
    assert _counts(app, import_id) == {"created": 50_000}
    client.post(f"/manage/imports/{import_id}/apply")
    _run_jobs(app)
    applied = time.perf_counter()
    assert _table_counts(app)["User"] == 50_001
    with capsys.disabled():
        print(
            f"\n50,000 rows ({len(content) / 1e6:.1f} MB): upload {uploaded - started:.1f} s, "
            f"dry run {checked - uploaded:.1f} s, apply {applied - checked:.1f} s"
        )


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_a_crm_file_names_choices_in_english_whatever_the_readers_language(app, language):
    from portal.advocates.models import Industry
    from portal.transfer.planning import Rejected, parse_choice

    with app.test_request_context(headers={"Accept-Language": language}):
        assert parse_choice(Industry, "Healthcare & life sciences") == Industry.HEALTHCARE
        assert parse_choice(Industry, "healthcare") == Industry.HEALTHCARE
        with pytest.raises(Rejected):
            parse_choice(Industry, "Basket weaving")
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert parse_choice(Industry, "Gesundheitswesen") == Industry.HEALTHCARE


def test_choices_are_translated_once_per_language_not_once_per_row(app, monkeypatch):
    """A 50,000-row file parses two choices per row: their labels are worked out once."""
    from portal.advocates.models import Industry, Region
    from portal.transfer import planning

    entered = []
    real = planning.force_locale

    def counting(locale):
        entered.append(locale)
        return real(locale)

    monkeypatch.setattr(planning, "force_locale", counting)
    with app.test_request_context(headers={"Accept-Language": "de"}):
        for _ in range(200):
            assert planning.parse_choice(Industry, "Technology") == Industry.TECHNOLOGY
            assert planning.parse_choice(Region, "Europa") == Region.EUROPE
    assert len(entered) <= 2  # once per kind of choice and language, at most


def test_a_german_speaking_manager_reads_the_dry_run_in_german(app, make, login):
    manager = make.manager()
    with app.app_context():
        db.session.get(User, manager.id).locale = "de"
        db.session.commit()
    client = login(manager)
    bad_row = "Bo,Bad,not-an-email,CTO,Analytical Engines,0011,Technology,Europe,1200\r\n"
    import_id = _import_id(_upload(client, SALESFORCE + bad_row))
    page = text(_dry_run(app, client, import_id))
    # English choices from the CRM still match; the reasons are the reader's language.
    assert _counts(app, import_id) == {"created": 3, "rejected": 1}
    assert "1 Zeile wurde abgewiesen" in page
    assert "„not-an-email“ ist keine E-Mail-Adresse" in page
