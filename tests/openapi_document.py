"""What the committed openapi.json declares for an answer: its operation, the response for a status,
the headers that response may and must carry. Standard library only: the generated client's test
reads it from the generator's environment too (tests/integration/client_lifecycle.py)."""

import json
from pathlib import Path
from typing import Any

DOCUMENT: dict[str, Any] = json.loads((Path(__file__).parents[1] / "openapi.json").read_text())

# Headers a response carries that describe the message or instruct a browser, not data for a
# client: HTTP's own (media type, length, connection, date, server; OpenAPI ignores a declared
# Content-Type), and the security and CORS headers every response has (docs/API.md).
# Every other header is declared.
NOT_DECLARED = frozenset(
    {
        "content-type",
        "content-length",
        "connection",
        "date",
        "server",
        "x-content-type-options",
        "content-security-policy",
        "access-control-allow-origin",
        "access-control-expose-headers",
    }
)


def resolved(item: dict[str, Any]) -> dict[str, Any]:
    """A response or header, or the component its ``$ref`` names (#/components/<kind>/<name>)."""
    if "$ref" not in item:
        return item
    _, _, kind, name = item["$ref"].split("/")
    component: dict[str, Any] = DOCUMENT["components"][kind][name]
    return component


def operation(method: str, path: str) -> dict[str, Any] | None:
    """The operation of ``method`` on ``path`` (``/courses/{name}``), or None if undocumented."""
    found: dict[str, Any] | None = DOCUMENT["paths"].get(path, {}).get(method.lower())
    return found


def operation_by_id(operation_id: str) -> dict[str, Any]:
    (found,) = [
        op
        for operations in DOCUMENT["paths"].values()
        for op in operations.values()
        if op["operationId"] == operation_id
    ]
    return found


def declared_headers(op: dict[str, Any], status: int) -> dict[str, dict[str, Any]]:
    """The headers the response for ``status`` declares, by lower-case name. AssertionError if the
    operation does not document the status at all."""
    response = op["responses"].get(str(status))
    assert response is not None, f"{op['operationId']} answered {status}, which openapi.json does not document"
    headers = resolved(response).get("headers", {})
    return {name.lower(): resolved(header) for name, header in headers.items()}


def header_problems(op: dict[str, Any], status: int, sent: dict[str, str]) -> list[str]:
    """How the headers ``sent`` (lower-case names) with ``status`` differ from what the document
    declares for it: a header it does not declare, or one it declares required that is missing."""
    declared = declared_headers(op, status)
    name = op["operationId"]
    undeclared = sorted(set(sent) - NOT_DECLARED - set(declared))
    missing = sorted(header for header, spec in declared.items() if spec.get("required") and header not in sent)
    return [f"{name} {status}: undeclared header {header}" for header in undeclared] + [
        f"{name} {status}: required header {header} missing" for header in missing
    ]
