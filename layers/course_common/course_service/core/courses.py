"""The course operations the edge calls: reads, and writes decided by core.write_decisions.

What they take and return is the core's own: :class:`Course` (never the DynamoDB item), the
schemas' bodies, and the preconditions a request asks of the stored course.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from course_service.common.preconditions import UNCONDITIONAL, Preconditions
from course_service.core import write_decisions
from course_service.core.errors import CourseChanged, CourseNotFound, StoreUnavailable
from course_service.store import reads
from course_service.store.conditional_writes import Change, Creation, Removal
from course_service.store.failures import Unavailable, error_code
from course_service.store.models import CourseItem

# If-None-Match lists naming more revisions than this are checked against a read, not in the write's
# condition: a real client sends one ETag, DynamoDB limits expressions to 4 KB, and dynalite (what
# `make run` serves with) evaluates such conditions in exponential time (docs/PERFORMANCE.md).
MAX_EXCLUDED_IN_CONDITION = 2


@dataclass(frozen=True)
class Course:
    """A course as the service knows it: what a response shows, and the revision its ETag names."""

    name: str
    level: str
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class Page:
    """Up to a page of courses in name order, and whether more follow them."""

    courses: list[Course]
    more: bool


def _course(item: CourseItem | reads.Shown) -> Course:
    return Course(item.name, item.level, item.created_at, item.updated_at, item.version)


class _StoreCalls:
    """Around a read: the store's Unavailable becomes StoreUnavailable, with its error code."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _: object) -> None:
        if isinstance(error, Unavailable):
            raise StoreUnavailable(error_code(error)) from error


def _read(name: str) -> reads.Shown | None:
    with _StoreCalls():
        return reads.course(name)


def create(name: str, level: str, write_token: str | None = None) -> Course:
    """Creates a course; CourseAlreadyExists if the name is taken (the stored one is untouched).

    ``write_token``: the same for every attempt of one request (course_service.core.idempotency), so
    that an attempt recognises the course an earlier one created as its own.
    """
    return _course(write_decisions.created(Creation(name, level, write_decisions.now(), write_token)))


def get(name: str, preconditions: Preconditions = UNCONDITIONAL) -> Course:
    """The course, read strongly consistent.

    CourseNotFound if there is none, CourseChanged if ``preconditions`` (If-Match on a read) do not
    hold for it.
    """
    stored = _read(name)
    if stored is None:
        raise CourseNotFound()
    if not preconditions.met_by(stored.revision):
        raise CourseChanged()
    return _course(stored)


def change_level(name: str, level: str, preconditions: Preconditions = UNCONDITIONAL) -> Course:
    """Sets a course's level. Never creates: CourseNotFound if there is no such course.

    ``preconditions`` (If-Match, If-None-Match) make the change conditional: CourseChanged if they
    do not hold for the stored course (written, or deleted and created again, since).
    """
    preconditions = _checked_by_read(name, preconditions)
    changed = write_decisions.stamped(lambda at: Change(name, level, at, preconditions), preconditions)
    assert changed is not None  # a change's outcome is a course or an error
    return _course(changed)


def delete(name: str, preconditions: Preconditions = UNCONDITIONAL) -> None:
    """Deletes a course.

    CourseNotFound if there is none, CourseChanged if ``preconditions`` (If-Match, If-None-Match) do
    not hold for it.
    """
    preconditions = _checked_by_read(name, preconditions)
    write_decisions.stamped(lambda at: Removal(name, at, preconditions), preconditions)


def _checked_by_read(name: str, preconditions: Preconditions) -> Preconditions:
    """Preconditions no write condition should carry, checked against one read first.

    If-None-Match ``*`` can never hold for a course that exists (PUT and DELETE never create), and a
    long If-None-Match list does not belong in a condition. Once read, no listed ETag can match a
    later version (the client cannot know one), so the list is then dropped from the write's
    condition.
    """
    if not preconditions.excludes_any and len(preconditions.excluded) <= MAX_EXCLUDED_IN_CONDITION:
        return preconditions
    stored = _read(name)
    if stored is None:
        raise CourseNotFound()
    if not preconditions.met_by(stored.revision):
        raise CourseChanged()
    return Preconditions(expected=preconditions.expected)


def check_store() -> None:
    """Raises StoreUnavailable unless the table answers."""
    with _StoreCalls():
        reads.check_store()


def list_page(level: str | None, after: str | None, limit: int) -> Page:
    """Up to ``limit`` courses (of ``level``, if given) in name order, after the name ``after``."""
    with _StoreCalls():
        page = reads.list_page(level, after, limit)
    return Page([_course(item) for item in page.courses], page.more)
