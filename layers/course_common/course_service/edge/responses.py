"""The service's HTTP answers, each built once.

JSON bodies, errors (``{"message"}``, 422's ``detail``), and a course as every response shows it,
with its ETag.
"""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from course_service.core.courses import Course
from course_service.core.schemas import CourseResponse
from course_service.edge.conditional import etag, is_current
from course_service.edge.paths import course_path


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def error_body(message: str) -> dict[str, Any]:
    """The body of every error but 422: a message safe to show to anyone."""
    return {"message": message}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    return json_response(status, error_body(message), headers)


def _loc(loc: tuple[Any, ...] | list[Any]) -> list[Any]:
    """Where, as the API spells it: Powertools lower-cases header names (they are case-insensitive)."""
    if len(loc) == 2 and loc[0] == "header":
        return ["header", str(loc[1]).title()]  # idempotency-key -> Idempotency-Key
    return list(loc)


def validation_error_body(errors: Sequence[Any]) -> dict[str, Any]:
    """A 422's body, naming only where and what kind: Pydantic's messages and inputs name libraries and echo bodies."""
    return {
        "message": "Request is invalid",
        "detail": [{"loc": _loc(item["loc"]), "type": item["type"]} for item in errors],
    }


def validation_error_response(errors: Sequence[Any]) -> Response[dict[str, Any]]:
    return json_response(HTTPStatus.UNPROCESSABLE_ENTITY, validation_error_body(errors))


def course_location(course: Course) -> str:
    """A reference to the new course, relative to the request's URL (``POST .../courses``).

    Deployed, the API lives under its stage (``/v1/courses``) or a custom domain's base path, which
    an absolute path would lose.
    """
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


def created_answer(course: Course) -> dict[str, Any]:
    """A create's answer as JSON values: status, headers, body.

    What an Idempotency-Key record keeps to replay (course_service.core.idempotency).
    """
    headers = {"ETag": etag(course), "Location": course_location(course)}
    return {"status": int(HTTPStatus.CREATED), "headers": headers, "body": course_body(course)}


def stored_response(answer: dict[str, Any]) -> Response[Any]:
    """The response a stored answer (:func:`created_answer`) stands for."""
    return json_response(answer["status"], answer["body"], answer["headers"])


def read_response(course: Course, if_none_match: str | None) -> Response[Any]:
    """The course, or 304 without a body when the client's copy is current (RFC 9110 15.4.5)."""
    if is_current(if_none_match, course):
        return Response(status_code=HTTPStatus.NOT_MODIFIED, headers={"ETag": etag(course)})
    return course_response(course)
