"""``python -m localdev.openapi``: the OpenAPI 3.1 document of the whole API, from the code.

Each function's Powertools resolver describes its own route; Powertools' OpenAPI merge joins them
(the functions from template.yaml, so a new function is picked up) into one document, ``openapi.json`` (`make openapi`).
A function that answers without a resolver (health) describes its route in ``openapi.py`` beside
its handler.
"""

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import Server

from localdev.gateway import MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_URL_CHARS
from localdev.runtime import put_layers_on_path
from localdev.template import ROOT, routes

# Shipped with the function that serves it (functions/api_docs); ./openapi.json links to it.
OPENAPI_FILE = ROOT / "functions" / "api_docs" / "openapi.json"
TITLE = "Course Service"
# Where the API is: relative to wherever the document is served, which is the API's own root
# (/openapi.json beside /courses), so it is right under make run on any port, under a deployed
# stage (/Prod/openapi.json: ./ is /Prod/) and under a custom domain's base path. OpenAPI resolves
# a relative server URL against the document's URL; Swagger UI's Try it out does so. Not "/", which
# Powertools' merge defaults to: that is the host's root, without the stage.
SERVER = Server(url=".", description="This API: where this document is served from (its stage or base path)")

_BEFORE_ANY_FUNCTION = "refused before any function runs"
_FRONT = "Deployed, API Gateway's front may answer it in a format of its own, not JSON."
# What the edge answers itself, before or instead of a route's function: API Gateway when deployed,
# the local server under `make run` (localdev/gateway.py). Any operation can get any of them, so
# each is described once, under components/responses, and every operation refers to it.
EDGE_ANSWERS: dict[int, tuple[str, str]] = {
    400: (
        "EdgeBadRequest",
        "Not HTTP/1.1 as RFC 9112 has it (a malformed request line, header or body framing, a NUL in "
        f"a header value); {_BEFORE_ANY_FUNCTION}. {_FRONT}",
    ),
    403: (
        "EdgeForbidden",
        "Deployed only, from API Gateway: the method requires IAM authorization (the WriteAuthorization "
        "and ReadAuthorization parameters) and the request is not signed, is signed wrongly, or its "
        "signer may not call it",
    ),
    413: (
        "ContentTooLarge",
        "The body is too large: over 16 KiB (bytes as sent; a course is a few hundred) where the route "
        f"reads a course, over {MAX_BODY_BYTES // (1024 * 1024)} MB on any route (API Gateway's quota, "
        f"{_BEFORE_ANY_FUNCTION})",
    ),
    414: (
        "EdgeUriTooLong",
        f"The URL is over {MAX_URL_CHARS} characters (API Gateway's quota); {_BEFORE_ANY_FUNCTION}. {_FRONT}",
    ),
    429: (
        "EdgeTooManyRequests",
        "Throttled: over the stage's rate or burst limit (ThrottlingRateLimit, ThrottlingBurstLimit). "
        "make run: every instance of the function stayed busy for 30 s",
    ),
    431: (
        "EdgeHeaderFieldsTooLarge",
        f"The header lines are over {MAX_HEADER_BYTES} bytes together (API Gateway's quota); "
        f"{_BEFORE_ANY_FUNCTION}. {_FRONT}",
    ),
    501: ("EdgeNotImplemented", "make run only: a Transfer-Encoding other than chunked"),
    502: ("EdgeBadGateway", "The function failed without answering (it crashed, or its answer was malformed)"),
    504: (
        "EdgeGatewayTimeout",
        "The function did not answer in time (API Gateway waits 29 s; make run its 15 s timeout)",
    ),
}


def _fix_validation_error_schema(document: dict[str, Any]) -> None:
    """Points every 422 at the body the service really sends (ValidationErrorResponse).

    Powertools documents 422 on every route, as its own HTTPValidationError, whose items still list
    ``msg`` as required although it strips ``msg`` from responses (aws-powertools/powertools-lambda-python
    PR #3995 removed the property but not the requirement), so a conformance check would fail.
    Routes with neither a body nor query parameters (whose path and header parameters are plain
    strings) cannot answer 422.
    """
    for operations in document["paths"].values():
        for operation in operations.values():
            has_query = any(parameter["in"] == "query" for parameter in operation.get("parameters", []))
            if "requestBody" not in operation and not has_query:
                operation["responses"].pop("422", None)
            elif "422" in operation["responses"]:
                schema = {"$ref": "#/components/schemas/ValidationErrorResponse"}
                operation["responses"]["422"]["content"]["application/json"]["schema"] = schema
                operation["responses"]["422"]["description"] = (
                    "The request cannot be accepted; detail lists the offending fields"
                )
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        document["components"]["schemas"].pop(unused, None)


def _spell_header_names(document: dict[str, Any]) -> None:
    """Header parameters as the API spells them (``Idempotency-Key``, as in a 422's ``loc``):
    Powertools lower-cases their names (headers are case-insensitive)."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "header":
                    parameter["name"] = parameter["name"].title()


def _constrain_course_names(document: dict[str, Any]) -> None:
    """The ``{name}`` path parameter, with the rule a course name follows (schemas.CourseName).

    The routes take the segment as a plain string and decode it themselves (a segment that cannot
    name a course is 404, not 422), so Powertools documents no constraint; documenting the real one
    lets clients and fuzzers build paths that reach the handlers.
    """
    from course_service.core.names import MAX_NAME_LENGTH  # the layer is on the path: routes were loaded

    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "name":
                    parameter["description"] = "The course name, percent-encoded as one path segment"
                    parameter["schema"].update(minLength=1, maxLength=MAX_NAME_LENGTH, pattern="^[^/]+$")


def _document_edge_answers(document: dict[str, Any]) -> None:
    """EDGE_ANSWERS under components/responses, each body the ErrorResponse every refusal of the
    local server is (and API Gateway's own answers are: ``{"message": ...}``), and a reference to
    each from every operation."""
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    document["components"]["responses"] = {
        name: {"description": description, "content": body} for name, description in EDGE_ANSWERS.values()
    }
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, (name, _) in EDGE_ANSWERS.items():
                operation["responses"][str(status)] = {"$ref": f"#/components/responses/{name}"}


def _resolver_file(code_uri: Path) -> Path:
    """The file whose ``app`` describes a function's routes: ``openapi.py`` where the handler has
    no resolver (health, GET and DELETE of one course), else the handler."""
    described = code_uri / "openapi.py"
    return described if described.exists() else code_uri / "app.py"


def build() -> dict[str, Any]:
    """Powertools' OpenAPI merge for micro-functions, given each function's file: its discovery
    (``configure_openapi_merge(path=...)``) finds only files that call a resolver class themselves
    (``app = APIGatewayRestResolver(...)``, found by reading the source), not ``app = create_app()``.
    A function whose routes are all outside the API (the docs) adds no path."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    put_layers_on_path()
    merge = OpenAPIMerge(title=TITLE, version=version, servers=[SERVER], on_conflict="error")
    for code_uri in dict.fromkeys(route.code_uri for route in routes()):
        merge.add_file(_resolver_file(code_uri), resolver_name="app")
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    document["info"]["description"] = (
        "REST API for courses. Every response is JSON; errors carry a `message` (422: `detail`)."
    )
    _fix_validation_error_schema(document)
    _spell_header_names(document)
    _constrain_course_names(document)
    _document_edge_answers(document)
    return document


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if OPENAPI_FILE.read_text() == render() else 1)
    OPENAPI_FILE.write_text(render())
    print(f"wrote {OPENAPI_FILE.relative_to(ROOT)}")
