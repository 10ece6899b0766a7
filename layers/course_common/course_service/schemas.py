"""The API's data contract (Pydantic v2): what a client may send and what it gets back."""

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError

Level = Literal["beginner", "intermediate", "advanced"]

# Surrounding whitespace is trimmed first; then 1-100 characters, none of them "/" (it would break
# the /courses/{name} URL) or a control character (C0, DEL, C1).
CourseName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^/\x00-\x1f\x7f-\x9f]+$"
    ),
]


class CourseCreate(BaseModel):
    """Body of ``POST /courses``."""

    model_config = ConfigDict(extra="forbid")

    name: CourseName
    level: Level


class CourseUpdate(BaseModel):
    """Body of ``PUT /courses/{name}``: only the level can change (the name is the key)."""

    model_config = ConfigDict(extra="forbid")

    level: Level


class CourseResponse(BaseModel):
    """A course as every response shows it: exactly these four fields, timestamps in UTC."""

    name: str
    level: Level
    created_at: datetime
    updated_at: datetime


class ErrorResponse(BaseModel):
    """Body of every error but 422: a message safe to show to anyone."""

    message: str


class InvalidField(BaseModel):
    loc: list[str | int]
    type: str


class ValidationErrorResponse(BaseModel):
    """Body of a 422: where (``loc``) and what kind (``type``) of error each offending field has."""

    message: str
    detail: list[InvalidField]


class HealthResponse(BaseModel):
    status: Literal["ok", "unavailable"]


_course_name = TypeAdapter(CourseName)


def course_name_from_path(segment: str) -> str | None:
    """The course name a percent-encoded path segment stands for, or None if no course can have it.

    API Gateway REST passes ``path`` as the client encoded it; this is the one place it is decoded.
    A segment that is not valid UTF-8 once decoded, or whose name breaks the rules above (stored
    names are already trimmed, so " x " cannot name a course), names no course.
    """
    try:
        name = unquote(segment, errors="strict")
        valid = _course_name.validate_python(name)
    except (UnicodeDecodeError, ValidationError):
        return None
    return name if valid == name else None
