"""The resolver's responses: the service's answers (answers.py) as Powertools' ``Response``.

JSON bodies, errors (``{"message"}``, 422's ``detail``), and a course as every response shows it,
with its ETag.
"""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from course_service.core.courses import Course
from course_service.edge.answers import (
    Answer,
    course_answer,
    error_body,
    read_answer,
    recorded_answer,
    validation_error_body,
)


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def response_of(answer: Answer) -> Response[Any]:
    """The resolver's response for an answer: JSON when it has a body."""
    if answer.body is None:
        return Response(status_code=answer.status, headers=answer.headers)
    return json_response(answer.status, answer.body, answer.headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    return json_response(status, error_body(message), headers)


def validation_error_response(errors: Sequence[Any]) -> Response[dict[str, Any]]:
    return json_response(HTTPStatus.UNPROCESSABLE_ENTITY, validation_error_body(errors))


def course_response(
    course: Course, status: int = HTTPStatus.OK, headers: dict[str, str] | None = None
) -> Response[Any]:  # a route's Response[CourseResponse]: the course as JSON values
    return response_of(course_answer(course, status, headers))


def stored_response(record: dict[str, Any]) -> Response[Any]:
    """The response a create's record (answers.created_record) stands for."""
    return response_of(recorded_answer(record))


def read_response(course: Course, if_none_match: str | None) -> Response[Any]:
    """The course, or 304 without a body when the client's copy is current (answers.read_answer)."""
    return response_of(read_answer(course, if_none_match))
