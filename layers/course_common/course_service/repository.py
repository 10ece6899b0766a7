"""Data access: each operation is one DynamoDB call, and its failures become domain errors.

Nothing here knows HTTP; nothing above this module knows PynamoDB's or botocore's exceptions.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition

from course_service.errors import (
    CourseAlreadyExists,
    CourseChanged,
    CourseNotFound,
    StoreUnavailable,
    WriteOutcomeUnknown,
)
from course_service.models import (
    CATALOGUE,
    Course,
    CoursesByLevel,
    CoursesByName,
    Revision,
)

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


def _unavailable_or_raise(error: PynamoDBException, outcome_unknown: bool = False) -> NoReturn:
    """Transient failures become StoreUnavailable (WriteOutcomeUnknown for a write that may have
    been applied); anything else is a bug and goes up as it is."""
    if _is_transient(error):
        raise (WriteOutcomeUnknown if outcome_unknown else StoreUnavailable)() from error
    raise error


def _retried(error: PynamoDBException) -> bool:
    return was_retried(error.cause)


def was_retried(error: BaseException | None) -> bool:
    """Whether botocore sent the request that failed with ``error`` more than once: an earlier
    attempt, whose reply was lost or late, may have been applied. botocore records the count in the
    error's ``ResponseMetadata``; PynamoDB re-raises DynamoDB's error from botocore's, so the chain
    is followed to it."""
    while error is not None:
        if isinstance(error, ClientError) and error.response.get("ResponseMetadata", {}).get("RetryAttempts"):
            return True
        error = error.__cause__
    return False


def _new_write_token() -> str:
    return uuid.uuid4().hex


def _not_written_by(token: str) -> Condition:
    """True unless this very write is already applied: a retry of it then fails instead of applying twice."""
    condition: Condition = Course.write_token.does_not_exist() | (Course.write_token != token)
    return condition


def _read_or_none(name: str, outcome_unknown: bool) -> Course | None:
    try:
        return Course.get(name, consistent_read=True)
    except Course.DoesNotExist:
        return None
    except PynamoDBException as error:
        _unavailable_or_raise(error, outcome_unknown)


def _read_after_refused_write(
    name: str, token: str | None, began_at: datetime, retried: bool, stamp: Callable[[Course], datetime]
) -> Course | None:
    """Reads the course once after a write whose condition failed, to learn what really happened.

    Returns what is stored (None: nothing) when that tells: the course carries this write's token
    (an earlier attempt was applied and its reply lost), or the refusal is certain because the
    request was sent once or what is stored (``stamp``: when it was written) predates this write.
    Otherwise this write may have been applied and then overwritten or deleted: WriteOutcomeUnknown.
    """
    stored = _read_or_none(name, outcome_unknown=retried)
    if _written_by(stored, token):
        return stored
    if retried and (stored is None or stamp(stored) >= began_at):
        raise WriteOutcomeUnknown()
    return stored


def _written_by(course: Course | None, token: str | None) -> bool:
    return course is not None and token is not None and course.write_token == token


def create(course: Course, write_token: str | None = None) -> Course:
    """Stores a new course; one conditional PutItem, so two creates of one name cannot both win.

    If botocore had to retry, a refused condition may be this create's own earlier attempt: one
    read tells (the write token), and the caller gets 201 for the course it did create.
    ``write_token`` is given when every attempt of one request writes the same token (a create with
    an Idempotency-Key, course_service.idempotency): then any refusal may be an earlier attempt of
    this request, whose answer the client never got, and is worth that read too.
    """
    token = course.write_token = write_token or _new_write_token()
    try:
        course.save(condition=Course.name.does_not_exist())
    except PynamoDBException as error:
        if _error_code(error) != CONDITION_FAILED:
            _unavailable_or_raise(error, outcome_unknown=True)
        retried = _retried(error)
        if not retried and write_token is None:
            raise CourseAlreadyExists() from None
        stored = _read_after_refused_write(course.name, token, course.created_at, retried, lambda c: c.created_at)
        if stored is None or not _written_by(stored, token):
            raise CourseAlreadyExists() from None
        return stored
    return course


def get(name: str) -> Course:
    """One strongly consistent GetItem: a course is readable as soon as its create returned."""
    try:
        return Course.get(name, consistent_read=True)
    except Course.DoesNotExist:
        raise CourseNotFound() from None
    except PynamoDBException as error:
        _unavailable_or_raise(error)


def _is_revision(expected: Revision) -> Condition:
    """The stored course is that revision (PynamoDB adds the version's own condition)."""
    return Course.created_at == expected.created_at


def change_level(name: str, level: str, updated_at: datetime, expected: Revision | None) -> Course:
    """One conditional UpdateItem, no read first. Returns the course as stored after the write.

    With ``expected`` the write happens only if the stored course is still that revision;
    without it the last write wins. Either way the version is incremented, once: a retry of a
    write already applied fails its condition (the write token) and is recognised by one read.
    """
    # PynamoDB adds "version = N" and "ADD version 1" for a set version, but "version does not
    # exist" and "SET version = 1" for an unset one. For last-write-wins we want neither condition
    # nor reset, so any placeholder value (0) plus add_version_condition=False gives just ADD 1.
    token = _new_write_token()
    condition = Course.name.exists() & _not_written_by(token)
    if expected is not None:
        condition &= _is_revision(expected)
    course = Course(name, version=expected.version if expected is not None else 0)
    try:
        course.update(
            actions=[Course.level.set(level), Course.updated_at.set(updated_at), Course.write_token.set(token)],
            condition=condition,
            add_version_condition=expected is not None,
        )
    except PynamoDBException as error:
        if _error_code(error) != CONDITION_FAILED:
            _unavailable_or_raise(error, outcome_unknown=True)
        retried = _retried(error)
        if expected is None and not retried:
            raise CourseNotFound() from None  # the only condition a first attempt can fail
        # Telling "ours after all", 404 and 412 apart costs a read, on this failure path only.
        stored = _read_after_refused_write(name, token, updated_at, retried, lambda c: c.updated_at)
        if stored is not None and _written_by(stored, token):
            return stored
        if stored is None or expected is None:
            raise CourseNotFound() from None
        raise CourseChanged() from None
    return course


def delete(name: str, expected: Revision | None, began_at: datetime) -> None:
    """One conditional DeleteItem: the course must exist (and, with ``expected``, still be that
    revision). A retried delete that finds nothing cannot know whose delete removed it:
    WriteOutcomeUnknown. ``began_at``: when the request began, to judge what a read finds."""
    course = Course(name) if expected is None else Course(name, version=expected.version)
    condition = Course.name.exists() if expected is None else Course.name.exists() & _is_revision(expected)
    try:
        course.delete(condition=condition, add_version_condition=expected is not None)
    except PynamoDBException as error:
        if _error_code(error) != CONDITION_FAILED:
            _unavailable_or_raise(error, outcome_unknown=True)
        retried = _retried(error)
        if expected is None and not retried:
            raise CourseNotFound() from None
        stored = _read_after_refused_write(name, None, began_at, retried, lambda c: c.created_at)
        raise (CourseNotFound if stored is None else CourseChanged)() from None


def check_store() -> None:
    """Raises StoreUnavailable unless the table answers (one DescribeTable)."""
    try:
        Course.describe_table()
    except (PynamoDBException, ClientError) as error:
        # PynamoDB's describe_table lets DynamoDB's errors through unwrapped, but "not found".
        raise StoreUnavailable() from error


@dataclass(frozen=True)
class Page:
    """Up to a page of courses in name order, and whether more follow them."""

    courses: list[Course]
    more: bool


def list_page(level: str | None, after: str | None, limit: int) -> Page:
    """One Query on an index, in name order: the first ``limit`` courses named after ``after`` (all
    courses, or those of ``level``). Eventually consistent: indexes cannot be read strongly.

    It asks for one course more than the page: if it comes, another page follows, so the last page
    says so without a second call (DynamoDB's LastEvaluatedKey may come with a page that is exactly
    full and ends the index, which would send the client to an empty page).
    """
    index: CoursesByName | CoursesByLevel
    if level is None:
        index, partition, sort_key = Course.by_name, CATALOGUE, CoursesByName.name
    else:
        index, partition, sort_key = Course.by_level, level, CoursesByLevel.name
    start = sort_key > after if after is not None else None
    try:
        # One page from the page iterator: the item iterator would call again after a short page.
        found = next(index.query(partition, range_key_condition=start, page_size=limit + 1).page_iter)
    except PynamoDBException as error:
        _unavailable_or_raise(error)
    items = found["Items"]
    # More than a page, or DynamoDB stopped early (its 1 MB cap, far above 101 courses).
    more = len(items) > limit or (bool(items) and "LastEvaluatedKey" in found)
    return Page([Course.from_raw_data(item) for item in items[:limit]], more)  # the extra one unread
