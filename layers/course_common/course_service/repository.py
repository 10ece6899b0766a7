"""Data access: each operation is one DynamoDB call, and its failures become domain errors.

Nothing here knows HTTP; nothing above this module knows PynamoDB's or botocore's exceptions.
"""

from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from course_service.errors import CourseAlreadyExists, CourseChanged, CourseNotFound, StoreUnavailable
from course_service.models import Course

CONDITION_FAILED = "ConditionalCheckFailedException"
# Error codes after which the same request may succeed later: throttling and server-side faults.
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def _error_code(error: PynamoDBException) -> str | None:
    """DynamoDB's error code, if DynamoDB answered at all.

    PynamoDB wraps botocore's connection errors (refused, timed out, reset) as well as DynamoDB's
    answers; its ``cause_response_code`` raises AttributeError on some of the former (their
    ``response`` is None), so connection errors are told apart first.
    """
    if isinstance(error.cause, BotoCoreError):
        return None
    return error.cause_response_code


def _is_transient(error: PynamoDBException) -> bool:
    return isinstance(error.cause, BotoCoreError) or _error_code(error) in TRANSIENT_ERROR_CODES


def _unavailable_or_raise(error: PynamoDBException) -> None:
    if _is_transient(error):
        raise StoreUnavailable() from error
    raise error


def insert(course: Course) -> Course:
    """Stores a new course; one conditional PutItem, so two creates of one name cannot both win."""
    try:
        course.save(condition=Course.name.does_not_exist())
    except PynamoDBException as error:
        if _error_code(error) == CONDITION_FAILED:
            raise CourseAlreadyExists() from error
        _unavailable_or_raise(error)
    return course


def find(name: str) -> Course:
    """One strongly consistent GetItem: a course is readable as soon as its create returned."""
    try:
        return Course.get(name, consistent_read=True)
    except Course.DoesNotExist:
        raise CourseNotFound() from None
    except PynamoDBException as error:
        _unavailable_or_raise(error)
        raise  # unreachable: keeps type checkers content


def set_level(name: str, level: str, updated_at: datetime, expected_version: int | None) -> Course:
    """One conditional UpdateItem, no read first. Returns the course as stored after the write.

    With ``expected_version`` the write happens only if the stored version is still that one;
    without it the last write wins. Either way the version is incremented.
    """
    # PynamoDB adds "version = N" and "ADD version 1" for a set version, but "version does not
    # exist" and "SET version = 1" for an unset one. For last-write-wins we want neither condition
    # nor reset, so any placeholder value (0) plus add_version_condition=False gives just ADD 1.
    course = Course(name, version=expected_version if expected_version is not None else 0)
    try:
        course.update(
            actions=[Course.level.set(level), Course.updated_at.set(updated_at)],
            condition=Course.name.exists(),
            add_version_condition=expected_version is not None,
        )
    except PynamoDBException as error:
        if _error_code(error) != CONDITION_FAILED:
            _unavailable_or_raise(error)
        if expected_version is None:
            raise CourseNotFound() from None
        # The condition failed: either there is no such course or it has another version.
        # Telling them apart costs a read, on this failure path only.
        find(name)
        raise CourseChanged() from None
    return course


def ping() -> None:
    """Raises StoreUnavailable unless the table answers (one DescribeTable)."""
    try:
        Course.describe_table()
    except (PynamoDBException, ClientError) as error:
        # PynamoDB's describe_table lets DynamoDB's errors through unwrapped, but "not found".
        raise StoreUnavailable() from error
