"""Domain operations on courses: the rules, independent of HTTP and of DynamoDB's API.

Every write goes through one store operation, which answers Applied, Refused (with what is stored)
or Unknown (course_service.repository), and one function, :func:`decide`, which turns that into
the answer: the course (201, 200) or nothing (204), or CourseNotFound (404), CourseAlreadyExists
(409), CourseChanged (412), WriteOutcomeUnknown (503, may or may not have been applied).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from course_service import repository
from course_service.errors import (
    CourseAlreadyExists,
    CourseChanged,
    CourseNotFound,
    StoreUnavailable,
    WriteOutcomeUnknown,
)
from course_service.models import Course, Preconditions
from course_service.repository import Applied, Change, Outcome, Refused, Removal

if TYPE_CHECKING:  # only annotations: health imports this module without Pydantic
    from collections.abc import Callable

    from course_service.schemas import CourseCreate, CourseUpdate

MICROSECOND = timedelta(microseconds=1)
# No If-Match, no If-None-Match: any existing course.
UNCONDITIONAL = Preconditions()
# Stamps one change or delete is tried with. Each condition asks that the stored ``updated_at`` be
# older than the stamp (so it never goes backwards); racing changes land in another order than they
# were stamped, and a change refused only for that is stamped again, later than what is stored. Each
# refusal means another change landed, so N racing changes of one course all land within N stamps;
# refused more often than this, the answer is 503, nothing applied (and the deadline bounds it too).
STAMPS = 16
# If-None-Match lists naming more revisions than this are checked against a read, not in the write's
# condition: a real client sends one ETag, DynamoDB limits expressions to 4 KB, and dynalite (what
# `make run` serves with) evaluates such conditions in exponential time: 8 clauses took 5.5 s,
# 16 stopped it answering anyone.
MAX_EXCLUDED_IN_CONDITION = 2


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Later:
    """Refused only because the stored ``updated_at`` is not older than the write's stamp."""

    than: datetime


def decide(outcome: Outcome, preconditions: Preconditions | None) -> Course | None | Later:
    """The answer to a write from what became of it; ``preconditions`` None for a create.

    Applied: the course as the write made it (None: deleted). Unknown: WriteOutcomeUnknown.
    Refused: CourseAlreadyExists for a create; else CourseNotFound when nothing is stored,
    CourseChanged when the client's preconditions do not hold for what is, and otherwise only the
    clock refused it: Later, to stamp it again.
    """
    if isinstance(outcome, Applied):
        return outcome.course
    if not isinstance(outcome, Refused):
        raise WriteOutcomeUnknown() from outcome.cause
    if preconditions is None:
        raise CourseAlreadyExists()
    if outcome.stored is None:
        raise CourseNotFound()
    if not preconditions.met_by(outcome.stored):
        raise CourseChanged()
    return Later(outcome.stored.updated_at)


def create(new: CourseCreate, write_token: str | None = None) -> Course:
    """Creates a course; CourseAlreadyExists if the name is taken (the stored one is untouched).

    ``write_token``: the same for every attempt of one request (course_service.idempotency), so that
    an attempt recognises the course an earlier one created as its own.
    """
    now = _now()
    created = decide(
        repository.create(Course(new.name, level=new.level, created_at=now, updated_at=now), write_token), None
    )
    assert isinstance(created, Course)  # a create's outcome is a course or an error
    return created


def get(name: str, preconditions: Preconditions = UNCONDITIONAL) -> Course:
    """The course; CourseChanged if ``preconditions`` (If-Match on a read) do not hold for it."""
    course = repository.get(name)
    if not preconditions.met_by(course):
        raise CourseChanged()
    return course


def change_level(name: str, change: CourseUpdate, preconditions: Preconditions = UNCONDITIONAL) -> Course:
    """Sets a course's level. Never creates: CourseNotFound if there is no such course.

    ``preconditions`` (If-Match, If-None-Match) make the change conditional: CourseChanged if they
    do not hold for the stored course (written, or deleted and created again, since).
    """
    preconditions = _checked_by_read(name, preconditions)
    changed = _stamped(lambda at: repository.change_level(Change(name, change.level, at, preconditions)), preconditions)
    assert isinstance(changed, Course)  # a change's outcome is a course or an error
    return changed


def delete(name: str, preconditions: Preconditions = UNCONDITIONAL) -> None:
    """Deletes a course; CourseNotFound if there is none, CourseChanged if ``preconditions``
    (If-Match, If-None-Match) do not hold for it."""
    preconditions = _checked_by_read(name, preconditions)
    _stamped(lambda at: repository.delete(Removal(name, at, preconditions)), preconditions)


def _stamped(write: Callable[[datetime], Outcome], preconditions: Preconditions) -> Course | None:
    """Sends ``write`` stamped now and decides; stamps it again, later than what is stored, when
    only the clock refused it (another instance's clock ahead of this one's)."""
    at = _now()
    for _ in range(STAMPS):
        decision = decide(write(at), preconditions)
        if not isinstance(decision, Later):
            return decision
        at = max(_now(), decision.than + MICROSECOND)
    raise StoreUnavailable()  # refused each time, nothing applied: retry later


def _checked_by_read(name: str, preconditions: Preconditions) -> Preconditions:
    """If-None-Match ``*`` can never hold for a course that exists (PUT and DELETE never create), and
    a long If-None-Match list does not belong in a condition: both are checked against one read first.
    Once read, no listed ETag can match a later version (the client cannot know one), so the list
    is then dropped from the write's condition."""
    if not preconditions.excludes_any and len(preconditions.excluded) <= MAX_EXCLUDED_IN_CONDITION:
        return preconditions
    stored = repository.read(name)
    if stored is None:
        raise CourseNotFound()
    if not preconditions.met_by(stored):
        raise CourseChanged()
    return Preconditions(expected=preconditions.expected)


def check_store() -> None:
    """Raises StoreUnavailable unless the table answers."""
    repository.check_store()


def list_page(level: str | None, after: str | None, limit: int) -> repository.Page:
    """Up to ``limit`` courses (of ``level``, if given) in name order, after the name ``after``."""
    return repository.list_page(level, after, limit)
