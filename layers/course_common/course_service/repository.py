"""Data access. Each write is one conditional DynamoDB call, and answers what became of it:
Applied, Refused (with what is stored), or Unknown. The core (course_service.courses) turns that
into the client's answer; nothing here knows HTTP, nothing above knows PynamoDB's or botocore's
exceptions.

When a write's reply is lost (read timeout, cut connection, 5xx: botocore does not resend writes,
course_service.retry_policy), one consistent GetItem tells what happened:

- the item carries the write's token (``created_by`` for a create, one of the last four write
  tokens for a change): it was applied, maybe changed since; Applied, as this write made it;
- the course it was meant for is still there, unchanged since the write was stamped: it was not
  applied, and it is sent again pinned to that course (``created_at``) and to ``updated_at`` being
  older than its own stamp, so it cannot apply twice nor to another incarnation;
- what is stored shows the write cannot have applied (the course predates it and moved on without
  it): Refused;
- anything else (the course is gone, or is a newer incarnation, or changed more than the tokens
  remember): nobody can know; Unknown. A create is never sent again: its condition (the name is
  free) would hold again after a delete, and bring the course back.

Every change carries ``updated_at < its stamp`` in its condition: ``updated_at`` never goes
backwards and never precedes ``created_at`` (a change stamped earlier than what is stored is refused;
the core stamps it again, later).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import ClientError
from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition

from course_service import retry_policy
from course_service.errors import CourseNotFound, StoreUnavailable
from course_service.models import (
    CATALOGUE,
    NO_TOKEN,
    Course,
    CoursesByLevel,
    CoursesByName,
    Preconditions,
    recent_write_tokens,
)
from course_service.retry_policy import Failure

# Sends of one write at most: the first, and resends after lost replies that proved it not applied.
MAX_SENDS = 3


@dataclass(frozen=True)
class Applied:
    """The write was applied (exactly once): ``course`` as it made it (None for a delete)."""

    course: Course | None


@dataclass(frozen=True)
class Refused:
    """The write was not applied and will not be: ``stored`` is the course as read after the refusal
    (None: there is none). A create's plain refusal is not read: the name is taken, that is all."""

    stored: Course | None


@dataclass(frozen=True)
class Unknown:
    """The write may or may not have been applied, and nothing stored can tell. ``cause``: the
    failure that left it open (a lost reply), for the log's error code."""

    cause: BaseException | None = None


Outcome = Applied | Refused | Unknown


@dataclass(frozen=True)
class _SendAgain:
    """Not applied, and safe to send again, pinned to this incarnation of the course."""

    created_at: datetime


@dataclass(frozen=True)
class Change:
    """A new level for a course, stamped ``at``, if ``preconditions`` hold."""

    name: str
    level: str
    at: datetime
    preconditions: Preconditions


@dataclass(frozen=True)
class Removal:
    """Deleting a course, stamped ``at``, if ``preconditions`` hold."""

    name: str
    at: datetime
    preconditions: Preconditions


def new_write_token() -> str:
    return uuid.uuid4().hex


def _connected() -> None:
    """Puts the service's retry policy on the client PynamoDB uses (once per client)."""
    retry_policy.install(Course._get_connection().connection.client)


def _unavailable(error: PynamoDBException) -> StoreUnavailable:
    """DynamoDB throttled, failed or did not answer; a bug (anything else) goes up as it is."""
    if retry_policy.classify(error) is Failure.PERMANENT:
        raise error
    return StoreUnavailable()


def _settle(
    name: str,
    send: Callable[[datetime | None], Course | None],
    resolve: Callable[[Course | None, bool], "Outcome | _SendAgain"],
    read_refusals: bool = True,
) -> Outcome:
    """Sends a write and finds out what became of it (see the module docstring): ``send(pin)``
    writes (pinned to an incarnation when sent again), ``resolve(stored, maybe_applied)`` reads the
    course as stored after a refusal or a lost reply."""
    pin: datetime | None = None
    lost_reply: PynamoDBException | None = None  # the last send whose reply was lost: maybe applied
    for _ in range(MAX_SENDS):
        try:
            return Applied(send(pin))
        except PynamoDBException as error:
            failure = retry_policy.classify(error)
            if failure is Failure.PERMANENT:
                raise
            if failure is Failure.NOT_APPLIED:
                return _unless_sent_before(lost_reply, error)
            if failure is Failure.AMBIGUOUS:
                lost_reply = error
            elif not read_refusals and lost_reply is None:
                return Refused(None)
        try:
            stored = read(name)
        except StoreUnavailable as unavailable:
            return _unless_sent_before(lost_reply, unavailable)
        decision = resolve(stored, lost_reply is not None)
        if not isinstance(decision, _SendAgain):
            return Unknown(lost_reply) if isinstance(decision, Unknown) else decision
        pin = decision.created_at
    return Unknown(lost_reply)


def _unless_sent_before(lost_reply: PynamoDBException | None, failure: Exception) -> Unknown:
    """After a failure that applied nothing: Unknown if an earlier send's reply was lost (it may have
    been applied), else StoreUnavailable (nothing was: retry later)."""
    if lost_reply is not None:
        return Unknown(lost_reply)
    if isinstance(failure, StoreUnavailable):
        raise failure
    raise StoreUnavailable() from failure


# Create


def create(course: Course, write_token: str | None = None) -> Outcome:
    """Stores a new course: one PutItem, conditional on the name being free.

    ``write_token`` is given when every attempt of one request writes the same one (a create with an
    Idempotency-Key, course_service.idempotency): then a refusal may be an earlier attempt's course,
    whose answer the client never got, and one read tells. Otherwise a refusal is 409 without a read.
    """
    _connected()
    token = course.created_by = course.write_token = write_token or new_write_token()

    def send(_: datetime | None) -> Course:
        course.save(condition=Course.name.does_not_exist())
        return course

    def resolve(stored: Course | None, maybe_applied: bool) -> Outcome:
        if stored is not None and stored.created_by == token:
            return Applied(_as_created(stored, course))
        if not maybe_applied or (stored is not None and stored.created_at < course.created_at):
            return Refused(stored)  # taken, by a course older than this create
        return Unknown()  # it was created and deleted since, or is a newer course: by whom?

    return _settle(course.name, send, resolve, read_refusals=write_token is not None)


def _as_created(stored: Course, ours: Course) -> Course:
    """The course as the create that made ``stored`` made it, whatever was written since."""
    return Course(ours.name, level=ours.level, created_at=stored.created_at, updated_at=stored.created_at, version=1)


# Change


def change_level(change: Change) -> Outcome:
    """One conditional UpdateItem, no read first: the course exists, its ``updated_at`` is older than
    the change's stamp, and ``preconditions`` hold; the version is incremented and the write's token
    pushed onto the recent ones."""
    _connected()
    token = new_write_token()

    def send(pin: datetime | None) -> Course:
        condition = _guarded(change.at, change.preconditions, pin)
        course = Course(change.name, version=0)  # a placeholder: only ADD version 1 is sent
        course.update(
            actions=[
                Course.level.set(change.level),
                Course.updated_at.set(change.at),
                Course.write_token.set(token),
                Course.write_token_1.set(Course.write_token | NO_TOKEN),
                Course.write_token_2.set(Course.write_token_1 | NO_TOKEN),
                Course.write_token_3.set(Course.write_token_2 | NO_TOKEN),
            ],
            condition=condition,
            add_version_condition=False,
        )
        return course

    def resolve(stored: Course | None, maybe_applied: bool) -> "Outcome | _SendAgain":
        made = _made_by(stored, token, change)
        if made is not None:
            return Applied(made)
        if not maybe_applied:
            return Refused(stored)
        return _after_lost_change(stored, change)

    return _settle(change.name, send, resolve)


def _made_by(stored: Course | None, token: str, change: Change) -> Course | None:
    """The course as ``change`` (whose write carried ``token``) made it, if it is among the recent writes."""
    if stored is None or token not in recent_write_tokens(stored):
        return None
    back = recent_write_tokens(stored).index(token)
    if back == 0:
        return stored
    return Course(
        change.name,
        level=change.level,
        created_at=stored.created_at,
        updated_at=change.at,
        version=stored.version - back,
    )


def _after_lost_change(stored: Course | None, change: Change) -> "Outcome | _SendAgain":
    """A change whose reply was lost, and that is not among the recent writes of ``stored``."""
    if stored is None or stored.created_at >= change.at:
        return Unknown()  # gone, or created again since: ours may have changed the course before
    # ``stored`` existed when the change was stamped: the change could only ever apply to it.
    if stored.updated_at < change.at:
        # Nothing written since the stamp, and the change would have written it: not applied.
        return _SendAgain(stored.created_at) if change.preconditions.met_by(stored) else Refused(stored)
    expected = change.preconditions.expected
    if expected is None:
        return Unknown()  # written since: ours too, earlier than the recent tokens remember?
    if stored.created_at != expected.created_at or stored.version == expected.version:
        return Refused(stored)  # the If-Match course was gone before the stamp, or was never changed
    if _version_made_by_another(stored, expected.version + 1):
        return Refused(stored)  # the version it would have made is someone else's
    return Unknown()


def _version_made_by_another(stored: Course, version: int) -> bool:
    back = stored.version - version
    tokens = recent_write_tokens(stored)
    return 0 <= back < len(tokens) and tokens[back] not in (None, NO_TOKEN)


# Delete


def delete(removal: Removal) -> Outcome:
    """One conditional DeleteItem: the course exists, its ``updated_at`` is older than the stamp,
    and ``preconditions`` hold."""
    _connected()

    def send(pin: datetime | None) -> None:
        condition = _guarded(removal.at, removal.preconditions, pin)
        Course(removal.name).delete(condition=condition, add_version_condition=False)

    def resolve(stored: Course | None, maybe_applied: bool) -> "Outcome | _SendAgain":
        if not maybe_applied:
            return Refused(stored)
        if stored is None or stored.created_at >= removal.at:
            return Unknown()  # ours, or another client's delete, removed the course: by whom?
        # This incarnation existed when the delete was stamped and is still here: not applied.
        if stored.updated_at < removal.at and removal.preconditions.met_by(stored):
            return _SendAgain(stored.created_at)
        return Refused(stored)

    return _settle(removal.name, send, resolve)


def _guarded(at: datetime, preconditions: Preconditions, pin: datetime | None) -> Condition:
    """The condition of a change or delete stamped ``at``: the course exists and was last written
    before ``at``, the client's preconditions hold, and it is the incarnation ``pin`` if sent again.
    (``Preconditions.excludes_any`` never reaches here: the core answers it from a read.)"""
    condition: Condition = Course.name.exists() & (Course.updated_at < at)
    if pin is not None:
        condition &= Course.created_at == pin
    if preconditions.expected is not None:
        condition &= (Course.created_at == preconditions.expected.created_at) & (
            Course.version == preconditions.expected.version
        )
    for excluded in sorted(preconditions.excluded):
        condition &= ~((Course.created_at == excluded.created_at) & (Course.version == excluded.version))
    return condition


# Reads


def read(name: str) -> Course | None:
    """One strongly consistent GetItem; None if there is no such course."""
    _connected()
    try:
        return Course.get(name, consistent_read=True)
    except Course.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def get(name: str) -> Course:
    """One strongly consistent GetItem: a course is readable as soon as its create returned."""
    course = read(name)
    if course is None:
        raise CourseNotFound()
    return course


def check_store() -> None:
    """Raises StoreUnavailable unless the table answers (one DescribeTable)."""
    _connected()
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
    _connected()
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
        raise _unavailable(error) from error
    items = found["Items"]
    # More than a page, or DynamoDB stopped early (its 1 MB cap, far above 101 courses).
    more = len(items) > limit or (bool(items) and "LastEvaluatedKey" in found)
    return Page([Course.from_raw_data(item) for item in items[:limit]], more)  # the extra one unread
