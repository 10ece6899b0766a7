"""The service's answers as plain values (status, JSON body, headers), without Powertools.

Error bodies (``{"message"}``, a 422's ``detail``), a course as every response shows it, the answer
to a read and to a domain error. The resolver's responses (responses.py), the answers given before
routing (refusals.py) and the routes answered without the resolver (direct.py) are all built from
these, so that each is decided once.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from course_service.common.observability import log_store_unavailable, log_unexpected_error
from course_service.core.courses import Course
from course_service.core.errors import CourseError, StoreUnavailable
from course_service.core.names import json_timestamp
from course_service.edge.conditional import etag, is_current
from course_service.edge.paths import course_path
from course_service.edge.proxy import INTERNAL_ERROR, RETRY_AFTER


@dataclass(frozen=True)
class Answer:
    """One answer: its status, its JSON body (None: no body) and its own headers."""

    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def error_body(message: str) -> dict[str, Any]:
    """The body of every error but 422: a message safe to show to anyone."""
    return {"message": message}


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


# A course's members, in the order every answer writes them (course_body's, CourseResponse's).
COURSE_MEMBERS = ("name", "level", "created_at", "updated_at")


def course_body(course: Course) -> dict[str, Any]:
    """A course as every response shows it, as JSON values: schemas.CourseResponse, written without Pydantic.

    So that GET and DELETE start without it (direct.py); tests/unit/test_direct_routes.py checks
    that it is what CourseResponse makes of the same course.
    """
    return {
        "name": course.name,
        "level": course.level,
        "created_at": json_timestamp(course.created_at),
        "updated_at": json_timestamp(course.updated_at),
    }


def course_answer(course: Course, status: int = HTTPStatus.OK, headers: dict[str, str] | None = None) -> Answer:
    """The course as JSON, with its ETag (and ``headers``)."""
    return Answer(status, course_body(course), {"ETag": etag(course), **(headers or {})})


def course_location(course: Course) -> str:
    """A reference to the new course, relative to the request's URL (``POST .../courses``).

    Deployed, the API lives under its stage (``/v1/courses``) or a custom domain's base path, which
    an absolute path would lose.
    """
    return course_path(course.name).removeprefix("/")


def created_answer(course: Course) -> Answer:
    """201 with the new course; Location and ETag name and version it."""
    return course_answer(course, HTTPStatus.CREATED, {"Location": course_location(course)})


def created_record(course: Course) -> dict[str, Any]:
    """A create's answer (:func:`created_answer`) as JSON values: status, headers, body.

    What an Idempotency-Key record keeps to replay (course_service.core.idempotency).
    """
    answer = created_answer(course)
    return {"status": int(answer.status), "headers": answer.headers, "body": answer.body}


def recorded_answer(record: dict[str, Any]) -> Answer:
    """The answer a create's record (:func:`created_record`) stands for.

    Powertools stores a record as JSON with its keys sorted: the course's members are put back in
    the order every answer writes them (the resolver writes them in CourseResponse's).
    """
    body = record["body"]
    return Answer(record["status"], {member: body[member] for member in COURSE_MEMBERS}, record["headers"])


def read_answer(course: Course, if_none_match: str | None) -> Answer:
    """The course, or 304 without a body when the client's copy is current (RFC 9110 15.4.5)."""
    if is_current(if_none_match, course):
        return Answer(HTTPStatus.NOT_MODIFIED, None, {"ETag": etag(course)})
    return Answer(HTTPStatus.OK, course_body(course), {"ETag": etag(course)})


def error_answer(error: CourseError) -> Answer:
    """The answer to a domain error (core/errors.py); a 503 is logged, as one WARNING line."""
    if error.detail is not None:
        return Answer(HTTPStatus.UNPROCESSABLE_ENTITY, validation_error_body(error.detail))
    if isinstance(error, StoreUnavailable):
        log_store_unavailable(error, error.error_code)
    return Answer(error.status, error_body(error.message), RETRY_AFTER if error.retry_after else {})


def not_found_answer() -> Answer:
    """The answer to a request no route takes: a method or path that is not the function's."""
    return Answer(HTTPStatus.NOT_FOUND, error_body("Not found"))


def unexpected_error_answer() -> Answer:
    """The bare 500 for anything else that escapes a route, logged once, with our logger."""
    log_unexpected_error()
    return Answer(HTTPStatus.INTERNAL_SERVER_ERROR, error_body(INTERNAL_ERROR))
