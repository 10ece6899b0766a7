"""OpenAPI documentation of the routes' answers.

The ``responses`` each route declares, from one description per status, with the headers a client
reads on them. What the documents say is checked against what the functions answer
(tests/infrastructure/test_openapi.py, the unit tests' ``api`` fixture, the fuzzing of the local
server and a generated client against openapi.json).
"""

from http import HTTPStatus
from typing import cast

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
    OpenAPIResponseHeader,
)

from course_service.core.schemas import (
    CourseResponse,
    ErrorResponse,
    ValidationErrorResponse,
)

# A route's ``responses``, as Powertools types them.
Responses = dict[int, OpenAPIResponse]


def _header(description: str, schema: dict[str, object], required: bool = True) -> OpenAPIResponseHeader:
    """An OpenAPI Header Object.

    Powertools' TypedDict for it lacks ``required``, which the Header Object has and Powertools' own
    model of it (``openapi.models.Header``) writes into the document.
    """
    return cast(OpenAPIResponseHeader, {"description": description, "required": required, "schema": schema})


# The headers a client reads (course_service.edge.responses sends them; edge.proxy.RETRY_AFTER).
ETAG = _header(
    "The course's current ETag: a strong entity tag, opaque, new after every write. Send it in If-Match "
    "to write only that version, in If-None-Match to read only when it changed",
    {"type": "string", "pattern": '^"[!#-~]*"$'},
)
LOCATION = _header(
    "The new course's URL, relative to the request's (courses/ and the name, percent-encoded)",
    {"type": "string", "format": "uri-reference"},
)
_RETRY_AFTER_SCHEMA: dict[str, object] = {"type": "integer", "minimum": 0}
RETRY_AFTER = _header("Seconds to wait before retrying", _RETRY_AFTER_SCHEMA)
# Statuses whose answers carry Retry-After, every one (503) or some (409: a create still in progress).
RETRY_AFTER_ON = {
    HTTPStatus.SERVICE_UNAVAILABLE: RETRY_AFTER,
    HTTPStatus.CONFLICT: _header(
        "Seconds to wait before retrying; only when the request with this Idempotency-Key is in progress",
        _RETRY_AFTER_SCHEMA,
        required=False,
    ),
}

ERROR_DESCRIPTIONS = {
    HTTPStatus.NOT_FOUND: "No course has this name",
    HTTPStatus.CONFLICT: (
        "A course with this name already exists; it is unchanged. Or a request with the same "
        "Idempotency-Key is still in progress: retry after Retry-After seconds"
    ),
    HTTPStatus.PRECONDITION_FAILED: "If-Match does not match the course's current ETag; nothing changed",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "The body is not sent as application/json (charset UTF-8, if any)",
    HTTPStatus.UNPROCESSABLE_ENTITY: "The request cannot be accepted; detail lists the offending fields",
    HTTPStatus.INTERNAL_SERVER_ERROR: "Unexpected error (logged with the request id)",
    HTTPStatus.SERVICE_UNAVAILABLE: (
        "Temporarily unavailable; retry after Retry-After seconds. On POST, PUT and DELETE the write may "
        "have been applied: read the course to find out"
    ),
}


def documented_errors(*statuses: HTTPStatus) -> Responses:
    """OpenAPI ``responses`` for a route's errors; every route can also answer 500 and 503.

    What the edge answers itself (413 included, over 16 KiB too) ``make openapi`` adds to every
    route.
    """
    entries: Responses = {}
    for status in (*statuses, HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.SERVICE_UNAVAILABLE):
        model = ValidationErrorResponse if status == HTTPStatus.UNPROCESSABLE_ENTITY else ErrorResponse
        entry: OpenAPIResponse = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {content_types.APPLICATION_JSON: {"model": model}},
        }
        if status in RETRY_AFTER_ON:
            entry["headers"] = {"Retry-After": RETRY_AFTER_ON[status]}
        entries[int(status)] = entry
    return entries


def course_success(status: HTTPStatus, description: str, *, created: bool = False) -> Responses:
    """OpenAPI ``responses`` entry for a route's success.

    The course, its ETag, and where it was ``created`` (Location).
    """
    content: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
        content_types.APPLICATION_JSON: {"model": CourseResponse}
    }
    headers = {"ETag": ETAG, **({"Location": LOCATION} if created else {})}
    return {int(status): {"description": description, "headers": headers, "content": content}}


def not_modified(description: str) -> Responses:
    """OpenAPI ``responses`` entry for a 304: the ETag header, no body.

    ``content`` is empty: without it Powertools would document the route's return type there.
    """
    response: OpenAPIResponse = {"description": description, "headers": {"ETag": ETAG}, "content": {}}
    return {int(HTTPStatus.NOT_MODIFIED): response}
