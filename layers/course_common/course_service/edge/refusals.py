"""Requests answered before any route sees them: 415, 413, and a 422 for a body that is not an object.

They read the API Gateway REST event only, so they run before the resolver (resolver.py) and before
the routes answered without it (direct.py).
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from course_service.common import settings
from course_service.edge import request_checks
from course_service.edge.answers import error_body, validation_error_body
from course_service.edge.proxy import proxy_response

METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
BODY_NOT_JSON = [{"loc": ["body"], "type": "json_invalid"}]
BODY_NOT_AN_OBJECT = [{"loc": ["body"], "type": "model_attributes_type"}]


def request_refusal(event: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any] | None:
    """The answer to a request that must not reach its route (415, 413, 422), or None.

    It reads the API Gateway REST event only (``headers``: its headers merged), so it runs before
    any route sees the request.
    """
    takes_body = event.get("httpMethod") in METHODS_WITH_BODY
    if takes_body and not request_checks.is_json_media_type(request_checks.header_value(headers, "content-type")):
        return proxy_response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, error_body("Content-Type must be application/json"))
    try:
        body = request_checks.body_bytes(event)
        # API Gateway REST accepts up to 10 MB; a course is a few hundred bytes.
        if len(body) > settings.MAX_BODY_BYTES:
            return proxy_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, error_body("Request body too large"))
        text = request_checks.body_text(body) if takes_body else ""
    except request_checks.UnreadableBody:
        return proxy_response(HTTPStatus.UNPROCESSABLE_ENTITY, validation_error_body(BODY_NOT_JSON))
    if _is_json_array(text):
        return proxy_response(HTTPStatus.UNPROCESSABLE_ENTITY, validation_error_body(BODY_NOT_AN_OBJECT))
    return None


def _is_json_array(text: str) -> bool:
    """True for a body that is a JSON array.

    Powertools validates the first item of a list given for a non-list parameter (meant for repeated
    query strings, applied to JSON bodies too), so [{...}] would be accepted. Only a body starting
    with "[" is parsed here; JSON that is malformed or not I-JSON (request_checks.parse_json)
    Powertools reports itself, as 422 ``json_invalid``.
    """
    if not text.lstrip(" \t\r\n").startswith("["):
        return False
    try:
        return isinstance(request_checks.parse_json(text), list)
    except ValueError:
        return False
