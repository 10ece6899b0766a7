"""What the routes answered without the resolver take: only what its validation would take as it is.

POST /courses, PUT /courses/{name} and GET /courses answer without Powertools' resolver the requests
whose body, query and Idempotency-Key its OpenAPI validation (Pydantic, with the schemas) would
accept unchanged: the exact keys, values of the exact types, a name already in its one spelling
(trimmed, NFC), a level, a limit of plain digits, a cursor this service issued, a key of 1 to 255
visible ASCII characters. Each function here returns those
values, or None for anything else, and the resolver then answers the request (direct.py), with its
own validation and its own 422s: nothing of Powertools' or Pydantic's errors is written twice.
tests/unit/test_plain_routes.py answers generated requests both ways and compares the answers.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from course_service.core.contract import (
    DEFAULT_PAGE_SIZE,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_KEY_PATTERN,
    LEVELS,
    MAX_PAGE_SIZE,
)
from course_service.core.names import is_course_name
from course_service.edge import request_checks
from course_service.edge.cursors import InvalidCursor, name_after

_PAGE_SIZE = re.compile(r"[1-9][0-9]{0,2}")
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
PAGE_PARAMETERS = frozenset({"limit", "level", "cursor"})


@dataclass(frozen=True)
class NewCourse:
    """POST /courses' values: the course's name and level, and the request's Idempotency-Key (None: none)."""

    name: str
    level: str
    key: str | None


@dataclass(frozen=True)
class PageQuery:
    """GET /courses' parameters: the page's size, its level (None: all), the name it starts after."""

    limit: int = DEFAULT_PAGE_SIZE
    level: str | None = None
    after: str | None = None


def is_level(value: object) -> bool:
    return type(value) is str and value in LEVELS


def _json_object(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The body as a JSON object, as the resolver parses it (request_checks.parse_json), or None."""
    try:
        value = request_checks.parse_json(request_checks.body_text(request_checks.body_bytes(event)))
    except ValueError:  # not UTF-8, not JSON, not I-JSON: the resolver's to refuse
        return None
    return value if isinstance(value, dict) else None


def _has_query(event: Mapping[str, Any]) -> bool:
    return bool(event.get("queryStringParameters") or event.get("multiValueQueryStringParameters"))


def is_idempotency_key(value: str) -> bool:
    """Whether schemas.IdempotencyKey takes ``value`` as it is."""
    return len(value) <= IDEMPOTENCY_KEY_MAX_LENGTH and _IDEMPOTENCY_KEY.fullmatch(value) is not None


def new_course(event: Mapping[str, Any], headers: Mapping[str, str]) -> NewCourse | None:
    """A POST /courses whose body schemas.CourseCreate takes as sent, and its key if schemas.IdempotencyKey does."""
    key = request_checks.header_value(headers, "idempotency-key")
    if _has_query(event) or (key is not None and not is_idempotency_key(key)):
        return None
    body = _json_object(event)
    if body is None or body.keys() != {"name", "level"}:
        return None
    name, level = body["name"], body["level"]
    return NewCourse(name, level, key) if is_course_name(name) and is_level(level) else None


def new_level(event: Mapping[str, Any]) -> str | None:
    """The level of a PUT /courses/{name} body that schemas.CourseUpdate takes as sent."""
    if _has_query(event):
        return None
    body = _json_object(event)
    if body is None or body.keys() != {"level"} or not is_level(body["level"]):
        return None
    level: str = body["level"]
    return level


def page_query(event: Mapping[str, Any]) -> PageQuery | None:
    """GET /courses' parameters, if each is given once and is what the validation takes as it is.

    A limit of 1 to 100 in plain digits, a level, a cursor issued for that level (cursors.py).
    """
    single = event.get("queryStringParameters") or {}
    multi = event.get("multiValueQueryStringParameters") or {}
    if (
        not (isinstance(single, dict) and isinstance(multi, dict))
        or single.keys() != multi.keys()
        or not single.keys() <= PAGE_PARAMETERS
    ):
        return None
    if any(type(value) is not str or multi[name] != [value] for name, value in single.items()):
        return None
    limit, level, cursor = single.get("limit"), single.get("level"), single.get("cursor")
    if limit is not None and not (_PAGE_SIZE.fullmatch(limit) and int(limit) <= MAX_PAGE_SIZE):
        return None
    if level is not None and not is_level(level):
        return None
    try:
        after = None if cursor is None else name_after(cursor, level)
    except InvalidCursor:
        return None
    return PageQuery(DEFAULT_PAGE_SIZE if limit is None else int(limit), level, after)
