"""GET /courses' HTTP side: the cursor that says where the next page starts, and the page's body.

A cursor is base64url, without padding, of compact JSON ``{"v":1,"after":"<the page's last name>",
"level":<the request's level or null>}``. Clients treat it as opaque. It is checked before any use
and must be exactly what :func:`cursor_for` would issue for the request's level: at most 1 KB, that
alphabet, that JSON byte for byte (so no other key order, spacing, escaping or padding), version 1,
a name that passes the course-name rule. Anything else is a 422 naming the cursor. It carries no
DynamoDB key: the store builds its Query from the name. It is checked, not signed: one made by
hand in this shape only says which name to start after, which paging from the first page reaches too.
"""

import base64
import binascii
import json
import re
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestValidationError,
)
from pydantic import StringConstraints, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import PydanticCustomError

from course_service.core.courses import Page
from course_service.core.names import is_course_name
from course_service.edge.answers import course_body
from course_service.edge.responses import json_response

VERSION = 1
MAX_CURSOR_CHARACTERS = 1024  # the longest cursor issued, 100 four-byte characters, is about 600
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


CURSOR_INVALID = "cursor_invalid"


def _invalid_cursor() -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", "cursor"), "type": CURSOR_INVALID}])


def _refused_as_cursor_invalid(value: Any, check: ValidatorFunctionWrapHandler) -> Any:
    """Whatever Pydantic refuses in a cursor (over 1 KB, given twice) is the one cursor error."""
    try:
        return check(value)
    except ValidationError:
        raise PydanticCustomError(CURSOR_INVALID, "Not a cursor this service issued") from None


# The cursor query parameter: the 1 KB limit is in the API document (maxLength) and checked here,
# before the route runs; start_after checks the rest once the other parameters passed.
CursorParameter = Annotated[
    str, StringConstraints(max_length=MAX_CURSOR_CHARACTERS), WrapValidator(_refused_as_cursor_invalid)
]


def cursor_for(after: str, level: str | None) -> str:
    """The cursor of the page that starts after the course named ``after`` (of ``level``, if given)."""
    payload = json.dumps({"v": VERSION, "after": after, "level": level}, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def start_after(cursor: str | None, level: str | None) -> str | None:
    """The name the requested page starts after: None for the first page.

    Raises RequestValidationError (a 422 at ``["query", "cursor"]``) for a cursor that
    :func:`cursor_for` did not issue for this ``level``.
    """
    if cursor is None:
        return None
    if len(cursor) > MAX_CURSOR_CHARACTERS or not _BASE64URL.fullmatch(cursor):
        raise _invalid_cursor()
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise _invalid_cursor() from None
    if not (
        isinstance(payload, dict)
        and payload.keys() == {"v", "after", "level"}
        and type(payload["v"]) is int
        and payload["v"] == VERSION
        and is_course_name(payload["after"])
        and payload["level"] == level
        and cursor_for(payload["after"], level) == cursor  # byte for byte what was issued
    ):
        raise _invalid_cursor()
    after: str = payload["after"]
    return after


def page_response(page: Page, level: str | None) -> Response[Any]:
    """200 with the page's courses, each as GET /courses/{name} shows it, and the next page's cursor."""
    next_cursor = cursor_for(page.courses[-1].name, level) if page.more else None
    return json_response(200, {"items": [course_body(course) for course in page.courses], "next_cursor": next_cursor})
