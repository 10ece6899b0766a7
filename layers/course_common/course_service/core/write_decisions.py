"""The write path's decisions: from what became of a write, the client's answer, for every write.

The store answers each write Applied, Refused (with what is stored) or Unknown
(course_service.store.conditional_writes); :func:`decide` turns that into the course (201, 200) or
nothing (204), or CourseNotFound (404), CourseAlreadyExists (409), CourseChanged (412),
WriteOutcomeUnknown (503, may or may not have been applied). :func:`stamped` sends a change or a
delete again, stamped later, when only the clock refused it; its last refusal is StoreUnavailable
(503, nothing applied).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from course_service.common.preconditions import Preconditions
from course_service.core.errors import (
    CourseAlreadyExists,
    CourseChanged,
    CourseNotFound,
    StoreUnavailable,
    WriteOutcomeUnknown,
)
from course_service.store import conditional_writes
from course_service.store.conditional_writes import Applied, Outcome, Refused, Write
from course_service.store.failures import Unavailable, error_code
from course_service.store.models import CourseItem

MICROSECOND = timedelta(microseconds=1)
# Stamps one change or delete is tried with. Each condition asks that the stored ``updated_at`` be
# older than the stamp (so it never goes backwards); racing changes land in another order than they
# were stamped, and a change refused only for that is stamped again, later than what is stored. Each
# refusal means another change landed, so N racing changes of one course all land within N stamps;
# refused more often than this, the answer is 503, nothing applied (and the deadline bounds it too).
STAMPS = 16


def now() -> datetime:
    """The stamp of a write: this instance's clock, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Later:
    """Refused only because the stored ``updated_at`` is not older than the write's stamp."""

    than: datetime


def decide(outcome: Outcome, preconditions: Preconditions | None) -> CourseItem | None | Later:
    """The answer to a write from what became of it; ``preconditions`` None for a create.

    Applied: the course as the write made it (None: deleted). Unknown: WriteOutcomeUnknown.
    Refused: CourseAlreadyExists for a create; else CourseNotFound when nothing is stored,
    CourseChanged when the client's preconditions do not hold for what is, and otherwise only the
    clock refused it: Later, to stamp it again.
    """
    if isinstance(outcome, Applied):
        return outcome.course
    if not isinstance(outcome, Refused):
        raise WriteOutcomeUnknown(error_code(outcome.cause)) from outcome.cause
    if preconditions is None:
        raise CourseAlreadyExists()
    if outcome.stored is None:
        raise CourseNotFound()
    if not preconditions.met_by(outcome.stored.revision):
        raise CourseChanged()
    return Later(outcome.stored.updated_at)


def applied(write: Write) -> Outcome:
    """What became of ``write``; StoreUnavailable if nothing was applied and it could not be sent."""
    try:
        return conditional_writes.apply(write)
    except Unavailable as unavailable:
        raise StoreUnavailable(error_code(unavailable)) from unavailable


def created(write: Write) -> CourseItem:
    """The course a create made; CourseAlreadyExists or WriteOutcomeUnknown otherwise."""
    course = decide(applied(write), None)
    assert isinstance(course, CourseItem)  # a create's outcome is a course or an error
    return course


def stamped(write: Callable[[datetime], Write], preconditions: Preconditions) -> CourseItem | None:
    """Sends ``write`` stamped now and decides what became of it.

    Stamps it again, later than what is stored, when only the clock refused it (another instance's
    clock ahead of this one's).
    """
    at = now()
    for _ in range(STAMPS):
        decision = decide(applied(write(at)), preconditions)
        if not isinstance(decision, Later):
            return decision
        at = max(now(), decision.than + MICROSECOND)
    raise StoreUnavailable()  # refused each time, nothing applied: retry later
