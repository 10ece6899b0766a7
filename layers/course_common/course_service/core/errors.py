"""Domain errors: what can go wrong, in the service's own words, each with the answer it gets.

The edge's one handler reads ``status``, ``message``, ``retry_after`` and ``detail``: adding an
error is adding a class here.
"""

from http import HTTPStatus
from typing import Any, ClassVar


class CourseError(Exception):
    """Base class; the message is safe to show to a client."""

    message: ClassVar[str] = "Course error"
    status: ClassVar[HTTPStatus] = HTTPStatus.INTERNAL_SERVER_ERROR
    # The same request may succeed in a moment: the answer carries Retry-After.
    retry_after: ClassVar[bool] = False
    # For a 422: where and what kind, as the validation errors' ``detail`` lists them; else None.
    detail: ClassVar[list[dict[str, Any]] | None] = None


class CourseNotFound(CourseError):
    message = "Course not found"
    status = HTTPStatus.NOT_FOUND


class CourseAlreadyExists(CourseError):
    message = "A course with this name already exists"
    status = HTTPStatus.CONFLICT


class CourseChanged(CourseError):
    """The course changed since the version the client based its write on (``If-Match``)."""

    message = "The course has changed since the given ETag"
    status = HTTPStatus.PRECONDITION_FAILED


class StoreUnavailable(CourseError):
    """DynamoDB is throttling, failing or out of reach: the request may succeed when retried.

    ``error_code``: what DynamoDB or the connection said, in one word, for the log (never its text,
    which can quote a course name).
    """

    message = "Service temporarily unavailable, retry later"
    status = HTTPStatus.SERVICE_UNAVAILABLE
    retry_after = True

    def __init__(self, error_code: str = "unknown") -> None:
        super().__init__(self.message)
        self.error_code = error_code


class WriteOutcomeUnknown(StoreUnavailable):
    """A write was sent, but whether DynamoDB applied it cannot be known.

    Its replies were lost, or another write overtook it before the service could look. Retrying may
    apply it.
    """

    message = "The write may or may not have been applied; read the course to find out"


class CreateInProgress(CourseError):
    """A create with the same Idempotency-Key is still running, or its outcome is not recorded yet."""

    message = "A request with this Idempotency-Key is still in progress; retry after Retry-After seconds"
    status = HTTPStatus.CONFLICT
    retry_after = True


class IdempotencyKeyReused(CourseError):
    """The Idempotency-Key was first sent with another body: refused before anything is written."""

    message = "This Idempotency-Key was used with another body"
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    detail = [{"loc": ("header", "Idempotency-Key"), "type": "idempotency_key_reused"}]
