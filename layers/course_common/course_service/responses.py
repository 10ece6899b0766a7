"""The service's HTTP answers, each built once: JSON bodies, errors (``{"message"}``, 422's
``detail``), and a course as every response shows it, with its ETag."""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.metrics import MetricUnit

from course_service.conditional import etag, is_current
from course_service.entry import metrics
from course_service.models import Course
from course_service.paths import course_path
from course_service.schemas import CourseResponse


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    return json_response(status, {"message": message}, headers)


def _loc(loc: tuple[Any, ...] | list[Any]) -> list[Any]:
    """Where, as the API spells it: Powertools lower-cases header names (they are case-insensitive)."""
    if len(loc) == 2 and loc[0] == "header":
        return ["header", str(loc[1]).title()]  # idempotency-key -> Idempotency-Key
    return list(loc)


def validation_error_response(errors: Sequence[Any]) -> Response[dict[str, Any]]:
    """422 naming only where and what kind: Pydantic's messages and inputs name libraries and echo bodies."""
    detail = [{"loc": _loc(item["loc"]), "type": item["type"]} for item in errors]
    metrics.add_metric(name="ValidationFailed", unit=MetricUnit.Count, value=1)
    return json_response(HTTPStatus.UNPROCESSABLE_ENTITY, {"message": "Request is invalid", "detail": detail})


def course_location(course: Course) -> str:
    """A reference relative to the request's URL (``POST .../courses``): deployed, the API lives under
    its stage (``/v1/courses``) or a custom domain's base path, which an absolute path would lose."""
    return course_path(course.name).removeprefix("/")


def course_body(course: Course) -> dict[str, Any]:
    """A course as every response shows it (CourseResponse), as JSON values."""
    body = CourseResponse(
        name=course.name, level=course.level, created_at=course.created_at, updated_at=course.updated_at
    )
    return body.model_dump(mode="json")


def course_response(
    course: Course, status: int = HTTPStatus.OK, headers: dict[str, str] | None = None
) -> Response[Any]:  # a route's Response[CourseResponse]: the course as JSON values
    return json_response(status, course_body(course), {"ETag": etag(course), **(headers or {})})


def read_response(course: Course, if_none_match: str | None) -> Response[Any]:
    """The course, or 304 without a body when the client's copy is current (RFC 9110 15.4.5)."""
    if is_current(if_none_match, course):
        return Response(status_code=HTTPStatus.NOT_MODIFIED, headers={"ETag": etag(course)})
    return course_response(course)
