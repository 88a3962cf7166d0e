"""The OpenAPI document: valid OpenAPI 3.1, served without a token, covering every endpoint."""

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from portal.api import bp


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)  # against the OpenAPI 3.1 schema shipped with openapi-spec-validator


def test_a_broken_document_is_refused_by_the_validator(openapi_document):
    broken = {**openapi_document, "paths": {"/x": {"get": {"responses": {"200": 7}}}}}
    try:
        validate(broken)
    except OpenAPIValidationError:
        return
    raise AssertionError("the validator accepted a broken document")


def test_every_api_route_is_in_the_document(app, openapi_document):
    routes = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(f"{bp.name}.") and rule.endpoint != "api.openapi_document"
    }
    documented = {path.replace("{", "<id:").replace("}", ">") for path in openapi_document["paths"]}
    assert routes == documented


def test_errors_are_documented_as_problem_details(openapi_document):
    for methods in openapi_document["paths"].values():
        for operation in methods.values():
            assert operation["security"] == [{"bearer": []}]
            for status in ("401", "403", "422", "429"):
                content = operation["responses"][status]["content"]
                assert list(content) == ["application/problem+json"]


def test_the_document_names_the_rate_limit_draft(openapi_document):
    assert "draft-ietf-httpapi-ratelimit-headers-09" in openapi_document["info"]["description"]
