"""openapi.json: generated from the code, committed, and in step with the API reference (docs/API.md)."""

import json
import re

from localdev import gateway, openapi
from localdev.template import routes
from tests.root import ROOT

DOCUMENT = json.loads(openapi.OPENAPI_FILE.read_text())
OPERATIONS = [operation for operations in DOCUMENT["paths"].values() for operation in operations.values()]


def resolved(response: dict) -> dict:
    """A response, or the one its ``$ref`` names (#/components/responses/<name>)."""
    if "$ref" not in response:
        return response
    return DOCUMENT["components"]["responses"][response["$ref"].removeprefix("#/components/responses/")]


def test_committed_openapi_json_is_what_the_code_generates():
    assert openapi.OPENAPI_FILE.read_text() == openapi.render(), "stale: run `make openapi`"


def test_document_describes_exactly_the_template_routes():
    documented = {
        (method.upper(), path.replace("<", "{").replace(">", "}"))
        for path, operations in DOCUMENT["paths"].items()
        for method in operations
    }
    assert documented == {(r.method, r.resource) for r in routes() if r.function != "ApiDocsFunction"}
    assert DOCUMENT["openapi"].startswith("3.1")


def test_every_documented_error_body_is_json_with_a_message():
    for operations in DOCUMENT["paths"].values():
        for operation in operations.values():
            for status, reference in operation["responses"].items():
                response = resolved(reference)
                if status == "304":  # Not Modified has no body, by definition
                    assert response["content"] == {} and "ETag" in response["headers"]
                if int(status) < 400:
                    continue
                schema = response["content"]["application/json"]["schema"]
                if int(status) >= 400 and schema["$ref"].split("/")[-1] != "HealthResponse":
                    target = DOCUMENT["components"]["schemas"][schema["$ref"].split("/")[-1]]
                    assert "message" in target["required"], (status, schema)


# What each operation is called, in every client generated from the document (createCourse becomes
# create_course in Python, createCourse in TypeScript): set in the code, never derived from it.
OPERATION_IDS = {
    ("POST", "/courses"): "createCourse",
    ("GET", "/courses"): "listCourses",
    ("GET", "/courses/{name}"): "getCourse",
    ("PUT", "/courses/{name}"): "updateCourse",
    ("DELETE", "/courses/{name}"): "deleteCourse",
    ("GET", "/health"): "getHealth",
}


def test_every_operation_has_its_stable_readable_operation_id():
    named = {
        (method.upper(), path): operation["operationId"]
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
    }
    assert named == OPERATION_IDS


# The headers a client reads, on the answers that carry them (course_service.edge.responses, and
# Retry-After on whatever may succeed when retried): True where every such answer has it. The unit
# tests' ``api`` fixture checks every answer they get against the document the same way.
CLIENT_HEADERS = {
    ("createCourse", "201"): {"ETag": True, "Location": True},
    ("createCourse", "409"): {"Retry-After": False},  # a create still in progress; not "already exists"
    ("getCourse", "200"): {"ETag": True},
    ("getCourse", "304"): {"ETag": True},
    ("updateCourse", "200"): {"ETag": True},
    **{(operation_id, "503"): {"Retry-After": True} for operation_id in OPERATION_IDS.values()},
}


def test_every_header_a_client_reads_is_declared_on_the_answers_that_send_it():
    declared = {
        (operation["operationId"], status): {
            name: header.get("required", False) for name, header in resolved(response)["headers"].items()
        }
        for operation in OPERATIONS
        for status, response in operation["responses"].items()
        if resolved(response).get("headers")
    }
    assert declared == CLIENT_HEADERS


def test_with_cors_on_a_browser_may_read_every_declared_header():
    """A client in a browser (a generated TypeScript client, say) reads only the headers CORS exposes."""
    from course_service.edge.proxy import EXPOSED_HEADERS

    declared = {
        name
        for operation in OPERATIONS
        for response in operation["responses"].values()
        for name in resolved(response).get("headers", {})
    }
    assert declared == {name.strip() for name in EXPOSED_HEADERS.split(",")}


def test_the_api_reference_names_every_route_and_documented_status():
    reference = (ROOT / "docs" / "API.md").read_text()
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            assert f"\n## `{method.upper()} {path}`" in reference
            for status in operation["responses"]:
                assert re.search(rf"\b{status}\b", reference), (method, path, status)


def test_a_204_documents_no_content():
    for operations in DOCUMENT["paths"].values():
        for operation in operations.values():
            if "204" in operation["responses"]:
                assert operation["responses"]["204"]["content"] == {}


# What the local server answers for a route instead of its function: all instances busy, the
# function failed, or it ran past its timeout (localdev/gateway.py).
LOCAL_GATEWAY_ANSWERS = {429, 502, 504}


def test_what_the_edge_answers_itself_is_documented_once_and_for_every_operation():
    """API Gateway (and make run's edge) can refuse any request before its function runs: a client
    generated from the document, or schemathesis, must find those statuses on every operation, each
    described once (components/responses) and referred to."""
    edge = {str(status): f"#/components/responses/{name}" for status, (name, _) in openapi.EDGE_ANSWERS.items()}
    assert set(DOCUMENT["components"]["responses"]) == {name for name, _ in openapi.EDGE_ANSWERS.values()}
    for operation in OPERATIONS:
        assert {status: operation["responses"].get(status, {}).get("$ref") for status in edge} == edge


def test_every_status_the_local_server_answers_for_a_route_is_documented():
    for operation in OPERATIONS:
        assert {*gateway.REFUSALS, *LOCAL_GATEWAY_ANSWERS} <= {int(status) for status in operation["responses"]}
