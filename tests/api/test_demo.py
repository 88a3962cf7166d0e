"""The README's curl example, against the demo: seed-demo prints a token that works."""

import re

from portal.api.conventions import RATE_LIMIT_DRAFT


def test_the_demo_token_calls_the_api(runner, api):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    secret = re.search(r"API token of admin@example.com .*: (apt_\S+)", result.output).group(1)
    # curl -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/advocates?limit=2"
    page = api.get("/api/v1/advocates?limit=2", token=secret)
    assert page.status_code == 200
    body = page.get_json()
    assert len(body["items"]) == 2 and body["next"]
    assert api.get(body["next"].removeprefix("http://portal.test"), token=secret).status_code == 200
    first = api.get("/api/v1/advocates?limit=1", token=secret).get_json()["items"][0]["id"]
    body = {"advocate_id": first, "points": 50, "reason": "Hosted the user group"}
    headers = {"Idempotency-Key": "user-group-2026-11"}
    award = api.post("/api/v1/ledger/awards", token=secret, json=body, headers=headers)
    assert award.status_code == 201
    # curl ... "$BASE/api/v1/insight/program?period=custom&first=...&section=participation"
    figures = api.get(
        "/api/v1/insight/program?period=custom&first=2026-01-01&last=2026-03-31"
        "&section=participation",
        token=secret,
    )
    assert figures.status_code == 200
    assert [s["key"] for s in figures.get_json()["sections"]] == ["participation"]
    me = api.get("/api/v1/me", token=secret).get_json()
    assert me["user"]["role"] == "admin" and me["name"] == "Demo integration"
    # A second seed-demo changes nothing and makes no second token.
    again = runner.invoke(args=["seed-demo"])
    assert "apt_" not in again.output


def test_the_readme_documents_the_api(app):
    from pathlib import Path

    readme = (Path(app.root_path).parent / "README.md").read_text()
    section = readme.split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    assert "curl" in section and "/api/v1/advocates" in section
    assert "/api/v1/insight/program?period=" in section
    assert RATE_LIMIT_DRAFT in section
