"""GET /courses' cursor parameter on the resolver: its type, its 422, and the page's response.

What a cursor is and how it is checked: cursors.py.
"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestValidationError,
)
from pydantic import StringConstraints, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import PydanticCustomError

from course_service.core.courses import Page
from course_service.edge.cursors import MAX_CURSOR_CHARACTERS, InvalidCursor, name_after, page_body
from course_service.edge.responses import json_response

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


def start_after(cursor: str | None, level: str | None) -> str | None:
    """The name the requested page starts after: None for the first page.

    Raises RequestValidationError (a 422 at ``["query", "cursor"]``) for a cursor that
    :func:`cursors.cursor_for` did not issue for this ``level``.
    """
    if cursor is None:
        return None
    try:
        return name_after(cursor, level)
    except InvalidCursor:
        raise _invalid_cursor() from None


def page_response(page: Page, level: str | None) -> Response[Any]:
    """200 with the page's courses, each as GET /courses/{name} shows it, and the next page's cursor."""
    return json_response(200, page_body(page, level))
