"""Pages that only read run their GET requests without a transaction (no BEGIN, no ROLLBACK)."""

from __future__ import annotations

from flask import request, request_finished

from portal.extensions import db


def test_read_only_pages_run_in_autocommit_and_forms_in_a_transaction(app, make, login):
    seen: dict[str, str] = {}

    def note_isolation(sender, response, **extra):
        if request.endpoint != "static":
            connection = db.session.connection()
            level = connection.get_execution_options().get("isolation_level")
            if connection.dialect.name == "postgresql":  # psycopg sends no BEGIN at all
                assert connection.connection.driver_connection.autocommit == (level == "AUTOCOMMIT")
            seen[f"{request.method} {request.path}"] = level

    request_finished.connect(note_isolation, app)
    try:
        _visit(make, login, seen)
    finally:
        request_finished.disconnect(note_isolation, app)


def _visit(make, login, seen) -> None:
    advocate = make.advocate(public=True)
    opportunity = make.opportunity()
    client = login(advocate)
    for path in (
        "/dashboard",
        "/opportunities",
        f"/opportunities/{opportunity.id}",
        "/leaderboard",
        "/points",
        "/tiers",
        f"/people/{advocate.id}",
    ):
        assert client.get(path).status_code == 200, path
        assert seen[f"GET {path}"] == "AUTOCOMMIT", path
    client.post(f"/opportunities/{opportunity.id}/apply", data={"note": ""})
    assert seen[f"POST /opportunities/{opportunity.id}/apply"] != "AUTOCOMMIT"
    assert client.get("/profile").status_code == 200
    assert seen["GET /profile"] != "AUTOCOMMIT"  # not marked: a transaction as before
