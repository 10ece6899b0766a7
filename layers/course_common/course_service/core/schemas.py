"""The API's data contract (Pydantic v2): what a client may send and what it gets back."""

import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

Level = Literal["beginner", "intermediate", "advanced"]

# The name policy: names that look identical are one name, and a name cannot hide itself. Built on
# the IETF's rules for free-form strings (PRECIS, RFC 8264 FreeformClass; RFC 8265's mapping) and
# Unicode's identifier guidance (UAX #31, UTS #39): NFC, not NFKC, so that what was typed is kept
# ("Math²" stays; NFKC would make it "Math2").
#
# Invisible, unassigned or meaningless code points, refused wherever they are: controls (Cc), format
# characters (Cf: zero-width, bidi controls, soft hyphen, tags), surrogates (Cs), private use (Co),
# unassigned and noncharacters (Cn, per the runtime's Unicode version), line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Default_Ignorable_Code_Point outside those categories (Unicode's DerivedCoreProperties.txt): the
# variation selectors, the combining grapheme joiner, Hangul fillers, Khmer inherent vowels and
# Mongolian free variation selectors render as nothing, so "Café" and "Café" + U+FE00 would look
# identical. unicodedata has no such property: listed here as Unicode 15.1 has it.
IGNORABLE_LETTERS_AND_MARKS = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
# "." and ".." are path steps in a URL (RFC 3986, section 5.2.4): /courses/.. would resolve to /.
DOT_SEGMENTS = frozenset({".", ".."})


def canonical_name(name: str) -> str:
    """The one spelling of a name: every space (Zs) as U+0020 (RFC 8265's mapping), then NFC."""
    spaced = "".join(" " if unicodedata.category(char) == "Zs" else char for char in name)
    return unicodedata.normalize("NFC", spaced)


def _canonical_if_text(value: Any) -> Any:
    return canonical_name(value) if isinstance(value, str) else value  # anything else: string_type


def _refuse_hidden_names(name: str) -> str:
    """422 ``name_not_allowed`` for a name that could hide itself or is not a path segment."""
    if (
        name in DOT_SEGMENTS
        or unicodedata.category(name[0]).startswith("M")  # would combine with what precedes the name
        or any(unicodedata.category(c) in REFUSED_CATEGORIES or c in IGNORABLE_LETTERS_AND_MARKS for c in name)
    ):
        raise PydanticCustomError("name_not_allowed", "Name holds an invisible or unassigned character, or is . or ..")
    return name


NAME_RULE = (
    "Spaces become U+0020 and the name is normalised to NFC; then trimmed, 1 to 100 characters, no '/', "
    "no invisible or unassigned character (categories Cc, Cf, Cs, Co, Cn, Zl, Zp, or Default_Ignorable_Code_Point), "
    "no combining mark first, and not '.' or '..'."
)

MAX_NAME_LENGTH = 100  # characters, after trimming and normalisation

# Pydantic applies the metadata outwards: _canonical_if_text runs first, then the native string
# checks (trim, length, pattern: their usual 422 types), then _refuse_hidden_names. (A validator put
# before StringConstraints would turn the constraints into Python checks with other error types.)
CourseName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH, pattern=r"^[^/\x00-\x1f\x7f-\x9f]+$"
    ),
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


MAX_PAGE_SIZE = 100
# GET /courses' limit. The validator comes after the constraints because Pydantic applies the
# metadata outwards: so it runs first, and the constraints stay native (minimum/maximum in the
# JSON schema, greater_than_equal/less_than_equal as error types).
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE), BeforeValidator(_ascii_digits_only)]

# The Idempotency-Key header of POST /courses: 1 to 255 visible ASCII characters (VCHAR in RFC 9110:
# no space, no control character), taken as sent (quotes of a structured-field string included).
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")]


class CourseCreate(BaseModel):
    """Body of ``POST /courses``."""

    model_config = ConfigDict(extra="forbid")

    name: CourseName
    level: Level


class CourseUpdate(BaseModel):
    """Body of ``PUT /courses/{name}``: only the level can change (the name is the key)."""

    model_config = ConfigDict(extra="forbid")

    level: Level


def _utc_to_the_microsecond(moment: datetime) -> str:
    """ISO 8601 in UTC with all six fractional digits.

    Pydantic drops them on a whole second, and every timestamp should have one form and length.
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Timestamp = Annotated[
    datetime,
    PlainSerializer(_utc_to_the_microsecond, return_type=str, when_used="json"),
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


_course_name = TypeAdapter(CourseName)


class CoursePage(BaseModel):
    """Body of ``GET /courses``: a page of courses in name order, and where the next page starts."""

    items: list[CourseResponse]
    next_cursor: str | None


def is_course_name(value: object) -> bool:
    """True if ``value`` is a name a course can have, exactly as stored (canonical: trimmed, NFC)."""
    try:
        return isinstance(value, str) and _course_name.validate_python(value) == value
    except ValidationError:
        return False
