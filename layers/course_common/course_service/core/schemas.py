"""The API's data contract (Pydantic v2): what a client may send and what it gets back."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from course_service.core.contract import IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_KEY_PATTERN, MAX_PAGE_SIZE
from course_service.core.names import (
    MAX_NAME_LENGTH,
    NAME_PATTERN,
    NAME_RULE,
    canonical_name,
    is_hidden,
    json_timestamp,
)

Level = Literal["beginner", "intermediate", "advanced"]


def _canonical_if_text(value: Any) -> Any:
    return canonical_name(value) if isinstance(value, str) else value  # anything else: string_type


def _refuse_hidden_names(name: str) -> str:
    """422 ``name_not_allowed`` for a name that could hide itself or is not a path segment."""
    if is_hidden(name):
        raise PydanticCustomError("name_not_allowed", "Name holds an invisible or unassigned character, or is . or ..")
    return name


# Pydantic applies the metadata outwards: _canonical_if_text runs first, then the native string
# checks (trim, length, pattern: their usual 422 types), then _refuse_hidden_names. (A validator put
# before StringConstraints would turn the constraints into Python checks with other error types.)
CourseName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH, pattern=NAME_PATTERN),
    BeforeValidator(_canonical_if_text),
    AfterValidator(_refuse_hidden_names),
    Field(description=NAME_RULE),
]


def _ascii_digits_only(value: Any) -> Any:
    """An integer in a query is its ASCII digits and nothing else.

    Pydantic reads text as an integer laxly: " 5 ", "+5", "1_0" and "5.0" would all pass. The type's
    own checks (range, size) then run as usual.
    """
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise PydanticCustomError("int_parsing", "Input should be a valid integer of ASCII digits")
    return value


# GET /courses' limit. The validator comes after the constraints because Pydantic applies the
# metadata outwards: so it runs first, and the constraints stay native (minimum/maximum in the
# JSON schema, greater_than_equal/less_than_equal as error types).
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE), BeforeValidator(_ascii_digits_only)]

# The Idempotency-Key header of POST /courses (contract.py).
IdempotencyKey = Annotated[
    str, StringConstraints(min_length=1, max_length=IDEMPOTENCY_KEY_MAX_LENGTH, pattern=IDEMPOTENCY_KEY_PATTERN)
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


Timestamp = Annotated[
    datetime,
    PlainSerializer(json_timestamp, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class CourseResponse(BaseModel):
    """A course as every response shows it: exactly these four fields, timestamps in UTC."""

    name: str
    level: Level
    created_at: Timestamp
    updated_at: Timestamp


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


class CoursePage(BaseModel):
    """Body of ``GET /courses``: a page of courses in name order, and where the next page starts."""

    items: list[CourseResponse]
    next_cursor: str | None
