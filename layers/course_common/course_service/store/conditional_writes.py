"""The course's writes, each one conditional DynamoDB call, and what became of it.

:func:`apply` answers Applied, Refused (with what is stored) or Unknown; the core decides the
client's answer from that (course_service.core.write_decisions).

When a write's reply is lost (read timeout, cut connection, 5xx: botocore does not resend writes,
course_service.store.retry_policy), one consistent GetItem tells what happened:

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
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition

from course_service.common.preconditions import Preconditions
from course_service.store import reads
from course_service.store.client import connected
from course_service.store.failures import Failure, Unavailable, classify
from course_service.store.models import NO_TOKEN, CourseItem, recent_write_tokens

# Sends of one write at most: the first, and resends after lost replies that proved it not applied.
MAX_SENDS = 3


@dataclass(frozen=True)
class Applied:
    """The write was applied (exactly once): ``course`` as it made it (None for a delete)."""

    course: CourseItem | None


@dataclass(frozen=True)
class Refused:
    """The write was not applied and will not be.

    ``stored`` is the course as read after the refusal (None: there is none). A create's plain
    refusal is not read: the name is taken, that is all.
    """

    stored: CourseItem | None


@dataclass(frozen=True)
class Unknown:
    """The write may or may not have been applied, and nothing stored can tell.

    ``cause``: the failure that left it open (a lost reply), for the log's error code.
    """

    cause: BaseException | None = None


Outcome = Applied | Refused | Unknown


@dataclass(frozen=True)
class _SendAgain:
    """Not applied, and safe to send again, pinned to this incarnation of the course."""

    created_at: datetime


@dataclass(frozen=True)
class Creation:
    """A new course, stamped ``at``.

    ``write_token``: the same for every attempt of one request (a create with an Idempotency-Key),
    or None for a new random one.
    """

    name: str
    level: str
    at: datetime
    write_token: str | None = None


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


Write = Creation | Change | Removal


def new_write_token() -> str:
    return uuid.uuid4().hex


def apply(write: Write) -> Outcome:
    """Sends ``write`` and finds out what became of it (see the module docstring).

    Raises Unavailable when nothing was applied and the write could not be sent (retry later).
    """
    connected()
    kind = _kind_of(write)
    pin: datetime | None = None
    lost_reply: PynamoDBException | None = None  # the last send whose reply was lost: maybe applied
    for _ in range(MAX_SENDS):
        try:
            return Applied(kind.send(pin))
        except PynamoDBException as error:
            failure = classify(error)
            if failure is Failure.PERMANENT:
                raise
            if failure is Failure.NOT_APPLIED:
                return _unless_sent_before(lost_reply, error)
            if failure is Failure.AMBIGUOUS:
                lost_reply = error
            elif not kind.read_refusals and lost_reply is None:
                return Refused(None)
        try:
            stored = reads.read(write.name)
        except Unavailable as unavailable:
            return _unless_sent_before(lost_reply, unavailable)
        decision = _told_by(kind, stored, lost_reply)
        if not isinstance(decision, _SendAgain):
            return decision
        pin = decision.created_at
    return Unknown(lost_reply)


def _kind_of(write: Write) -> "_Create | _Modify":
    if isinstance(write, Creation):
        return _Create(write)
    return _Change(write) if isinstance(write, Change) else _Remove(write)


def _told_by(
    kind: "_Create | _Modify", stored: CourseItem | None, lost_reply: Exception | None
) -> "Outcome | _SendAgain":
    """What became of a write that was refused or whose reply was lost, told from what is stored.

    The one place either is decided; ``lost_reply`` is None for a refusal.
    """
    made = kind.made(stored)
    if made is not None:
        return Applied(made)
    if lost_reply is None:
        return Refused(stored)
    decision = kind.after_lost_reply(stored)
    return Unknown(lost_reply) if isinstance(decision, Unknown) else decision


def _unless_sent_before(lost_reply: PynamoDBException | None, failure: Exception) -> Unknown:
    """After a failure that applied nothing: Unknown, or Unavailable.

    Unknown if an earlier send's reply was lost (it may have been applied), else Unavailable
    (nothing was: retry later).
    """
    if lost_reply is not None:
        return Unknown(lost_reply)
    if isinstance(failure, Unavailable):
        raise failure
    raise Unavailable() from failure


class _Create:
    """One PutItem, conditional on the name being free.

    With a ``write_token`` every attempt of one request writes the same one: a refusal may then be
    an earlier attempt's course, whose answer the client never got, and one read tells. Otherwise a
    refusal is the name taken, without a read.
    """

    def __init__(self, creation: Creation) -> None:
        self.token = creation.write_token or new_write_token()
        self.read_refusals = creation.write_token is not None
        self.course = CourseItem(
            creation.name,
            level=creation.level,
            created_at=creation.at,
            updated_at=creation.at,
            created_by=self.token,
            write_token=self.token,
        )

    def send(self, _: datetime | None) -> CourseItem:
        self.course.save(condition=CourseItem.name.does_not_exist())
        return self.course

    def made(self, stored: CourseItem | None) -> CourseItem | None:
        """The course as this create made it, whatever was written since, if it made ``stored``."""
        if stored is None or stored.created_by != self.token:
            return None
        ours = self.course
        return CourseItem(
            ours.name, level=ours.level, created_at=stored.created_at, updated_at=stored.created_at, version=1
        )

    def after_lost_reply(self, stored: CourseItem | None) -> "Outcome | _SendAgain":
        if stored is not None and stored.created_at < self.course.created_at:
            return Refused(stored)  # taken, by a course older than this create
        return Unknown()  # it was created and deleted since, or is a newer course: by whom?


class _Modify:
    """A change or a removal: one conditional call, no read first.

    The course exists, its ``updated_at`` is older than the stamp, and the preconditions hold.
    """

    read_refusals = True

    def __init__(self, write: Change | Removal) -> None:
        self.write = write

    def send(self, pin: datetime | None) -> CourseItem | None:
        raise NotImplementedError

    def made(self, stored: CourseItem | None) -> CourseItem | None:
        return None  # a removal leaves no token behind

    def after_lost_reply(self, stored: CourseItem | None) -> "Outcome | _SendAgain":
        """A write whose reply was lost, and that did not make ``stored``."""
        write = self.write
        if stored is None or stored.created_at >= write.at:
            return Unknown()  # gone, or created again since: ours may have changed or removed it before
        # ``stored`` existed when the write was stamped: the write could only ever apply to it.
        unchanged_since = stored.updated_at < write.at
        if unchanged_since and write.preconditions.met_by(stored.revision):
            return _SendAgain(stored.created_at)  # nothing written since, and the write would have
        if unchanged_since or isinstance(write, Removal):
            return Refused(stored)  # its preconditions fail, or a removal would have ended this incarnation
        expected = write.preconditions.expected
        if expected is None:
            return Unknown()  # written since: ours too, earlier than the recent tokens remember?
        if stored.created_at != expected.created_at or stored.version == expected.version:
            return Refused(stored)  # the If-Match course was gone before the stamp, or was never changed
        if _version_made_by_another(stored, expected.version + 1):
            return Refused(stored)  # the version it would have made is someone else's
        return Unknown()


class _Change(_Modify):
    """One conditional UpdateItem.

    The level set, the version incremented, the write's token pushed onto the recent ones.
    """

    def __init__(self, change: Change) -> None:
        super().__init__(change)
        self.change = change
        self.token = new_write_token()

    def send(self, pin: datetime | None) -> CourseItem | None:
        change = self.change
        course = CourseItem(change.name, version=0)  # a placeholder: only ADD version 1 is sent
        course.update(
            actions=[
                CourseItem.level.set(change.level),
                CourseItem.updated_at.set(change.at),
                CourseItem.write_token.set(self.token),
                CourseItem.write_token_1.set(CourseItem.write_token | NO_TOKEN),
                CourseItem.write_token_2.set(CourseItem.write_token_1 | NO_TOKEN),
                CourseItem.write_token_3.set(CourseItem.write_token_2 | NO_TOKEN),
            ],
            condition=_guarded(change.at, change.preconditions, pin),
            add_version_condition=False,
        )
        return course

    def made(self, stored: CourseItem | None) -> CourseItem | None:
        """The course as this change made it, if it is among the recent writes of ``stored``."""
        if stored is None or self.token not in recent_write_tokens(stored):
            return None
        back = recent_write_tokens(stored).index(self.token)
        if back == 0:
            return stored
        change = self.change
        return CourseItem(
            change.name,
            level=change.level,
            created_at=stored.created_at,
            updated_at=change.at,
            version=stored.version - back,
        )


class _Remove(_Modify):
    """One conditional DeleteItem."""

    def send(self, pin: datetime | None) -> CourseItem | None:
        removal = self.write
        CourseItem(removal.name).delete(
            condition=_guarded(removal.at, removal.preconditions, pin), add_version_condition=False
        )
        return None


def _version_made_by_another(stored: CourseItem, version: int) -> bool:
    back = stored.version - version
    tokens = recent_write_tokens(stored)
    return 0 <= back < len(tokens) and tokens[back] not in (None, NO_TOKEN)


def _guarded(at: datetime, preconditions: Preconditions, pin: datetime | None) -> Condition:
    """The condition of a change or removal stamped ``at``.

    The course exists and was last written before ``at``, the client's preconditions hold, and it is
    the incarnation ``pin`` if sent again. (``Preconditions.excludes_any`` never reaches here: the
    core answers it from a read.)
    """
    condition: Condition = CourseItem.name.exists() & (CourseItem.updated_at < at)
    if pin is not None:
        condition &= CourseItem.created_at == pin
    if preconditions.expected is not None:
        condition &= (CourseItem.created_at == preconditions.expected.created_at) & (
            CourseItem.version == preconditions.expected.version
        )
    for excluded in sorted(preconditions.excluded):
        condition &= ~((CourseItem.created_at == excluded.created_at) & (CourseItem.version == excluded.version))
    return condition
