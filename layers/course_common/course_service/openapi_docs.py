"""OpenAPI documentation of the routes' answers: the ``responses`` each route declares, from one
description per status. What the documents say is checked against what the functions answer
(tests/infrastructure/test_openapi.py, and the fuzzing of the local server against openapi.json)."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import content_types
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
    OpenAPIResponseHeader,
)

from course_service.schemas import (
    CourseResponse,
    ErrorResponse,
    ValidationErrorResponse,
)

# A route's ``responses``, as Powertools types them.
Responses = dict[int, OpenAPIResponse]

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
    """OpenAPI ``responses`` for a route's errors; every route can also answer 500 and 503. What the
    edge answers itself (413 included, over 16 KiB too) ``make openapi`` adds to every route."""
    entries: Responses = {}
    for status in (*statuses, HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.SERVICE_UNAVAILABLE):
        model = ValidationErrorResponse if status == HTTPStatus.UNPROCESSABLE_ENTITY else ErrorResponse
        entries[int(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {content_types.APPLICATION_JSON: {"model": model}},
        }
    return entries


def course_success(status: HTTPStatus, description: str) -> Responses:
    """OpenAPI ``responses`` entry for a route's success: the course."""
    content: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
        content_types.APPLICATION_JSON: {"model": CourseResponse}
    }
    return {int(status): {"description": description, "content": content}}


def not_modified(description: str) -> Responses:
    """OpenAPI ``responses`` entry for a 304: the ETag header, no body (empty ``content``: without it
    Powertools would document the route's return type there)."""
    etag_header: OpenAPIResponseHeader = {"description": "The course's current ETag", "schema": {"type": "string"}}
    response: OpenAPIResponse = {"description": description, "headers": {"ETag": etag_header}, "content": {}}
    return {int(HTTPStatus.NOT_MODIFIED): response}
