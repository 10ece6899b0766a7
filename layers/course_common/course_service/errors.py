"""Domain errors: what can go wrong, in the service's own words. ``api`` maps them to HTTP."""


class CourseError(Exception):
    """Base class; the message is safe to show to a client."""

    message = "Course error"


class CourseNotFound(CourseError):
    message = "Course not found"


class CourseAlreadyExists(CourseError):
    message = "A course with this name already exists"


class CourseChanged(CourseError):
    """The course changed since the version the client based its write on (``If-Match``)."""

    message = "The course has changed since the given ETag"


class StoreUnavailable(CourseError):
    """DynamoDB is throttling, failing or out of reach: the request may succeed when retried."""

    message = "Service temporarily unavailable, retry later"


class WriteOutcomeUnknown(StoreUnavailable):
    """A write was sent, but whether DynamoDB applied it cannot be known (its replies were lost, or
    another write overtook it before the service could look). Retrying may apply it."""

    message = "The write may or may not have been applied; read the course to find out"


class CreateInProgress(CourseError):
    """A create with the same Idempotency-Key is still running, or its outcome is not recorded yet."""

    message = "A request with this Idempotency-Key is still in progress; retry after Retry-After seconds"


class IdempotencyKeyReused(CourseError):
    """The Idempotency-Key was first sent with another body: refused before anything is written."""

    message = "This Idempotency-Key was used with another body"
