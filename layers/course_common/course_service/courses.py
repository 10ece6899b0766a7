"""Domain operations on courses: the rules, independent of HTTP and of DynamoDB's API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from course_service import repository
from course_service.models import Course, Revision

if TYPE_CHECKING:  # only annotations: health imports this module without Pydantic
    from course_service.schemas import CourseCreate, CourseUpdate


def _now() -> datetime:
    return datetime.now(UTC)


def create(new: CourseCreate, write_token: str | None = None) -> Course:
    """Creates a course; CourseAlreadyExists if the name is taken (the stored one is untouched).

    ``write_token``: the same for every attempt of one request (course_service.idempotency), so that
    an attempt recognises the course an earlier one created as its own.
    """
    now = _now()
    return repository.create(Course(new.name, level=new.level, created_at=now, updated_at=now), write_token)


def get(name: str) -> Course:
    return repository.get(name)


def change_level(name: str, change: CourseUpdate, expected: Revision | None = None) -> Course:
    """Sets a course's level. Never creates: CourseNotFound if there is no such course.

    ``expected`` (from If-Match) makes the change conditional: CourseChanged if the course was
    written (or deleted and created again) since.
    """
    return repository.change_level(name, change.level, _now(), expected)


def delete(name: str, expected: Revision | None = None) -> None:
    """Deletes a course; CourseNotFound if there is none, CourseChanged if ``expected`` (from
    If-Match) is not the stored revision."""
    repository.delete(name, expected, _now())


def check_store() -> None:
    """Raises StoreUnavailable unless the table answers."""
    repository.check_store()


def list_page(level: str | None, after: str | None, limit: int) -> repository.Page:
    """Up to ``limit`` courses (of ``level``, if given) in name order, after the name ``after``."""
    return repository.list_page(level, after, limit)
