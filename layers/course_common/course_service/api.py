"""HTTP glue shared by the course functions: resolver, ETags and error responses.

Handlers build their app with :func:`create_app`, declare their routes, and export
``lambda_handler = handler_for(app)``; everything else about HTTP lives here, once (logs, metrics
and traces: in :mod:`course_service.entry`).
"""

import re
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from typing import Any, Mapping
from urllib.parse import quote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.metrics import MetricUnit

from course_service import request_checks, settings
from course_service.entry import (
    INTERNAL_ERROR,
    RETRY_AFTER,
    ProxyHandler,
    entry_point,
    logger,
    metrics,
    proxy_response,
    record_unexpected_error,
)
from course_service.errors import CourseError, CourseNotFound, StoreUnavailable
from course_service.models import Course, Revision
from course_service.schemas import (
    CourseResponse,
    ErrorResponse,
    ValidationErrorResponse,
    course_name_from_path,
)

# Answers that mean the client's view of the course was out of date: counted (CourseConflict).
CONFLICTS = frozenset({HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED})
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)
# An If-Match that names no revision we ever store (versions start at 1): the conditional write then
# fails, which is the answer RFC 9110 asks for when no current ETag matches.
UNMATCHABLE = Revision(EPOCH, 0)
# The ETags this service issues, exactly: creation time in microseconds (hex) and version, no
# leading zeros. Strong comparison is character by character, so nothing else can match.
ISSUED_ETAG = re.compile(r'"([1-9a-f][0-9a-f]{0,15})-([1-9][0-9]{0,17})"')
METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


ERROR_DESCRIPTIONS = {
    HTTPStatus.NOT_FOUND: "No course has this name",
    HTTPStatus.CONFLICT: (
        "A course with this name already exists; it is unchanged. Or a request with the same "
        "Idempotency-Key is still in progress: retry after Retry-After seconds"
    ),
    HTTPStatus.PRECONDITION_FAILED: "If-Match does not match the course's current ETag; nothing changed",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "The body is over 16 KiB (bytes as sent); a course is a few hundred",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "The body is not sent as application/json (charset UTF-8, if any)",
    HTTPStatus.UNPROCESSABLE_ENTITY: "The request cannot be accepted; detail lists the offending fields",
    HTTPStatus.INTERNAL_SERVER_ERROR: "Unexpected error (logged with the request id)",
    HTTPStatus.SERVICE_UNAVAILABLE: (
        "Temporarily unavailable; retry after Retry-After seconds. On POST, PUT and DELETE the write may "
        "have been applied: read the course to find out"
    ),
}


def documented_errors(*statuses: HTTPStatus) -> dict[int, dict[str, Any]]:
    """OpenAPI ``responses`` for a route's errors; every route can also answer 500 and 503."""
    entries = {}
    for status in (*statuses, HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.SERVICE_UNAVAILABLE):
        model = ValidationErrorResponse if status == HTTPStatus.UNPROCESSABLE_ENTITY else ErrorResponse
        entries[int(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {content_types.APPLICATION_JSON: {"model": model}},
        }
    return entries


def course_success(status: HTTPStatus, description: str) -> dict[int, dict[str, Any]]:
    """OpenAPI ``responses`` entry for a route's success: the course."""
    content = {content_types.APPLICATION_JSON: {"model": CourseResponse}}
    return {int(status): {"description": description, "content": content}}


def not_modified(description: str) -> dict[int, dict[str, Any]]:
    """OpenAPI ``responses`` entry for a 304: the ETag header, no body (empty ``content``: without it
    Powertools would document the route's return type there)."""
    etag_header = {"description": "The course's current ETag", "schema": {"type": "string"}}
    response = {"description": description, "headers": {"ETag": etag_header}, "content": {}}
    return {int(HTTPStatus.NOT_MODIFIED): response}


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, {"message": message}, headers)


def _loc(loc: tuple | list) -> list:
    """Where, as the API spells it: Powertools lower-cases header names (they are case-insensitive)."""
    if len(loc) == 2 and loc[0] == "header":
        return ["header", str(loc[1]).title()]  # idempotency-key -> Idempotency-Key
    return list(loc)


def validation_error_response(errors: list[dict[str, Any]]) -> Response:
    """422 naming only where and what kind: Pydantic's messages and inputs name libraries and echo bodies."""
    detail = [{"loc": _loc(item["loc"]), "type": item["type"]} for item in errors]
    metrics.add_metric(name="ValidationFailed", unit=MetricUnit.Count, value=1)
    return json_response(HTTPStatus.UNPROCESSABLE_ENTITY, {"message": "Request is invalid", "detail": detail})


BODY_NOT_JSON = [{"loc": ["body"], "type": "json_invalid"}]
BODY_NOT_AN_OBJECT = [{"loc": ["body"], "type": "model_attributes_type"}]


def request_refusal(event: Mapping[str, Any]) -> Response | None:
    """The answer to a request that must not reach its route (415, 413, 422), or None.

    It reads the API Gateway REST event only, so it runs before the resolver sees the request.
    """
    takes_body = event.get("httpMethod") in METHODS_WITH_BODY
    if takes_body and not request_checks.is_json_media_type(request_checks.header_value(event, "content-type")):
        return error_response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json")
    try:
        body = request_checks.body_bytes(event)
        # API Gateway REST accepts up to 10 MB; a course is a few hundred bytes.
        if len(body) > settings.MAX_BODY_BYTES:
            return error_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request body too large")
        text = request_checks.body_text(body) if takes_body else ""
    except request_checks.UnreadableBody:
        return validation_error_response(BODY_NOT_JSON)
    return validation_error_response(BODY_NOT_AN_OBJECT) if _is_json_array(text) else None


def _is_json_array(text: str) -> bool:
    """True for a body that is a JSON array: Powertools validates the first item of a list given for
    a non-list parameter (meant for repeated query strings, applied to JSON bodies too), so [{...}]
    would be accepted. Only a body starting with "[" is parsed here; JSON that is malformed or not
    I-JSON (request_checks.parse_json) Powertools reports itself, as 422 ``json_invalid``."""
    if not text.lstrip(" \t\r\n").startswith("["):
        return False
    try:
        return isinstance(request_checks.parse_json(text), list)
    except ValueError:
        return False


def for_powertools(event: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an accepted event, its headers as Powertools reads them right (the caller's event is
    not changed).

    Each header once, its lines joined (Powertools validates a header given on two lines as a list:
    a 422 for ``If-Match``); Content-Type as Powertools compares it, case-sensitively by prefix.
    """
    headers = {
        name: content_types.APPLICATION_JSON if name.lower() == "content-type" else value
        for name, value in request_checks.combined_headers(event).items()
    }
    multi_value = {name: [value] for name, value in headers.items()}
    return {**event, "headers": headers or None, "multiValueHeaders": multi_value or None}


def etag(course: Course) -> str:
    """Strong and opaque to clients; names the incarnation (creation time) and the version, so an
    ETag kept from a deleted course never matches the course created later under the same name."""
    created = (course.created_at - EPOCH) // MICROSECOND
    return f'"{created:x}-{course.version}"'


def expected_revision(if_match: str | None) -> Revision | None:
    """The revision an ``If-Match`` header asks for; None when any current course will do.

    One strong ETag as this service issues them, or ``*``. Anything else (a weak ETag, a list, on
    one line or several, garbage) can never match, so the write is refused with 412 (or 404 if
    there is no course).
    """
    if if_match is None or if_match.strip() == "*":
        return None
    issued = ISSUED_ETAG.fullmatch(if_match.strip())
    if issued is None:
        return UNMATCHABLE
    return Revision(EPOCH + int(issued[1], 16) * MICROSECOND, int(issued[2]))


def course_name(path_segment: str) -> str:
    """Decodes the ``{name}`` segment of a path; CourseNotFound if no course can have that name."""
    name = course_name_from_path(path_segment)
    if name is None:
        raise CourseNotFound()
    return name


def course_location(course: Course) -> str:
    """A reference relative to the request's URL (``POST .../courses``): deployed, the API lives under
    its stage (``/v1/courses``) or a custom domain's base path, which an absolute path would lose."""
    return "courses/" + quote(course.name, safe="")


def course_body(course: Course) -> dict[str, Any]:
    """A course as every response shows it (CourseResponse), as JSON values."""
    body = CourseResponse(
        name=course.name, level=course.level, created_at=course.created_at, updated_at=course.updated_at
    )
    return body.model_dump(mode="json")


def course_response(course: Course, status: int = HTTPStatus.OK, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, course_body(course), {"ETag": etag(course), **(headers or {})})


# If-None-Match (RFC 9110 13.1.2): "*" or a comma-separated list of entity tags, each maybe weak
# (W/"x"); a quoted tag may hold commas. Elements may be empty (RFC 9110 5.6.1).
_ENTITY_TAG_LIST = re.compile(r'\s*(?:(?:W/)?"[^"]*"\s*)?(?:,\s*(?:(?:W/)?"[^"]*"\s*)?)*')
_OPAQUE_TAG = re.compile(r'(?:W/)?("[^"]*")')


def is_current(if_none_match: str | None, course: Course) -> bool:
    """True if ``If-None-Match`` names the course's ETag, or is ``*`` (the course exists).

    Compared weakly, as RFC 9110 asks for If-None-Match: W/"x" matches "x". A malformed header
    matches nothing, so the client gets the course.
    """
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    if not _ENTITY_TAG_LIST.fullmatch(if_none_match):
        return False
    return etag(course).removeprefix("W/") in _OPAQUE_TAG.findall(if_none_match)


def read_response(course: Course, if_none_match: str | None) -> Response:
    """The course, or 304 without a body when the client's copy is current (RFC 9110 15.4.5)."""
    if is_current(if_none_match, course):
        return Response(status_code=HTTPStatus.NOT_MODIFIED, headers={"ETag": etag(course)})
    return course_response(course)


def create_app() -> APIGatewayRestResolver:
    """A resolver that validates requests with Pydantic and answers every error with clean JSON.

    :func:`handler_for` checks each request before the resolver sees it (:func:`request_refusal`):
    JSON only (415), small (413), UTF-8 I-JSON holding an object (422). Powertools would parse form
    and multipart bodies itself, and its multipart parser raises a plain ValueError (a 500) when the
    boundary is missing. No Content-Type is read as JSON.
    """
    app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=request_checks.parse_json)

    @app.exception_handler(CourseError)
    def domain_error(error: CourseError) -> Response:
        if error.detail is not None:
            return validation_error_response(error.detail)
        if error.status in CONFLICTS:
            metrics.add_metric(name="CourseConflict", unit=MetricUnit.Count, value=1)
        if isinstance(error, StoreUnavailable):
            logger.warning("DynamoDB unavailable", exc_info=error)
        return error_response(error.status, error.message, RETRY_AFTER if error.retry_after else None)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response:
        return validation_error_response(error.errors())

    @app.not_found
    def route_not_found(_: Exception) -> Response:
        return error_response(HTTPStatus.NOT_FOUND, "Not found")

    @app.exception_handler(Exception)
    def unexpected_error(error: Exception) -> Response:
        # Here, not in entry_point, so the error is logged once, with our logger: Powertools logs
        # what no handler took through its own, unstructured, logger before re-raising it.
        record_unexpected_error()
        return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR)

    return app


def handler_for(app: APIGatewayRestResolver) -> ProxyHandler:
    """The Lambda entry point for ``app`` (see :func:`course_service.entry.entry_point`): requests
    that must not reach a route are answered here, before routing; the others are resolved."""

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        refusal = request_refusal(event)
        if refusal is not None:
            return proxy_response(refusal.status_code, refusal.body)
        return app.resolve(for_powertools(event), context)

    return entry_point(handle)
