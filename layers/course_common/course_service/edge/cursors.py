"""GET /courses' cursor, which says where the next page starts, and the page's body, in plain Python.

A cursor is base64url, without padding, of compact JSON ``{"v":1,"after":"<the page's last name>",
"level":<the request's level or null>}``. Clients treat it as opaque. It is checked before any use
and must be exactly what :func:`cursor_for` would issue for the request's level: at most 1 KB, that
alphabet, that JSON byte for byte (so no other key order, spacing, escaping or padding), version 1,
a name that passes the course-name rule. Anything else is a 422 naming the cursor (paging.py). It
carries no DynamoDB key: the store builds its Query from the name. It is checked, not signed: one
made by hand in this shape only says which name to start after, which paging from the first page
reaches too.
"""

import base64
import binascii
import json
import re
from typing import Any

from course_service.core.courses import Page
from course_service.core.names import is_course_name
from course_service.edge.answers import course_body

VERSION = 1
MAX_CURSOR_CHARACTERS = 1024  # the longest cursor issued, 100 four-byte characters, is about 600
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class InvalidCursor(ValueError):
    """Not a cursor this service issued for the request's level."""


def cursor_for(after: str, level: str | None) -> str:
    """The cursor of the page that starts after the course named ``after`` (of ``level``, if given)."""
    payload = json.dumps({"v": VERSION, "after": after, "level": level}, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def name_after(cursor: str, level: str | None) -> str:
    """The name of the course the page of ``cursor`` starts after.

    InvalidCursor unless :func:`cursor_for` issued it for this ``level``.
    """
    if len(cursor) > MAX_CURSOR_CHARACTERS or not _BASE64URL.fullmatch(cursor):
        raise InvalidCursor()
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidCursor() from None
    if not (
        isinstance(payload, dict)
        and payload.keys() == {"v", "after", "level"}
        and type(payload["v"]) is int
        and payload["v"] == VERSION
        and is_course_name(payload["after"])
        and payload["level"] == level
        and cursor_for(payload["after"], level) == cursor  # byte for byte what was issued
    ):
        raise InvalidCursor()
    after: str = payload["after"]
    return after


def page_body(page: Page, level: str | None) -> dict[str, Any]:
    """A page's body: its courses, each as GET /courses/{name} shows it, and the next page's cursor."""
    next_cursor = cursor_for(page.courses[-1].name, level) if page.more else None
    return {"items": [course_body(course) for course in page.courses], "next_cursor": next_cursor}
