"""Conditional requests (RFC 9110 section 13): ETags, If-Match and If-None-Match.

The ETag a course is served with, the revision an ``If-Match`` asks a write to apply to, and whether
an ``If-None-Match`` names the client's copy.
"""

import re
from datetime import UTC, datetime, timedelta

from course_service.common.preconditions import Preconditions, Revision
from course_service.core.courses import Course

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# An If-Match that names no revision we ever store (versions start at 1): the conditional write then
# fails, which is the answer RFC 9110 asks for when no current ETag matches.
UNMATCHABLE = Revision(EPOCH, 0)
# The ETags this service issues, exactly: creation time in microseconds (hex) and version, no
# leading zeros. Strong comparison is character by character, so nothing else can match.
ISSUED_ETAG = re.compile(r'"([1-9a-f][0-9a-f]{0,15})-([1-9][0-9]{0,17})"')


def etag(course: Course) -> str:
    """The course's ETag: strong, and opaque to clients.

    It names the incarnation (creation time) and the version, so an ETag kept from a deleted course
    never matches the course created later under the same name.
    """
    created = (course.created_at - EPOCH) // MICROSECOND
    return f'"{created:x}-{course.version}"'


def expected_revision(if_match: str | None) -> Revision | None:
    """The revision an ``If-Match`` header asks for; None when any current course will do.

    One strong ETag as this service issues them, or ``*``. Anything else (a weak ETag, a list, on
    one line or several, garbage) can never match, so the write is refused with 412 (or 404 if
    there is no course).
    """
    if if_match is None or if_match.strip() == "*":
        return None
    return _issued_revision(if_match.strip()) or UNMATCHABLE


def _issued_revision(tag: str) -> Revision | None:
    """The revision a strong ETag as this service issues them names; None for any other tag."""
    issued = ISSUED_ETAG.fullmatch(tag)
    if issued is None:
        return None
    try:
        created = EPOCH + int(issued[1], 16) * MICROSECOND
    except OverflowError:  # 16 hex digits reach past year 9999, which no datetime holds: never issued
        return None
    return Revision(created, int(issued[2]))


# If-None-Match (RFC 9110 13.1.2): "*" or a comma-separated list of entity tags, each maybe weak
# (W/"x"); a quoted tag may hold commas. Elements may be empty (RFC 9110 5.6.1).
_ENTITY_TAG_LIST = re.compile(r'\s*(?:(?:W/)?"[^"]*"\s*)?(?:,\s*(?:(?:W/)?"[^"]*"\s*)?)*')
_OPAQUE_TAG = re.compile(r'(?:W/)?("[^"]*")')


def is_current(if_none_match: str | None, course: Course) -> bool:
    """True if ``If-None-Match`` names the course's ETag, or is ``*`` (the course exists).

    Compared weakly, as RFC 9110 asks for If-None-Match: W/"x" matches "x". A malformed header
    matches nothing, so the client gets the course.
    """
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    if not _ENTITY_TAG_LIST.fullmatch(if_none_match):
        return False
    return etag(course).removeprefix("W/") in _OPAQUE_TAG.findall(if_none_match)


def preconditions(if_match: str | None, if_none_match: str | None = None) -> Preconditions:
    """What ``If-Match`` and ``If-None-Match`` ask of the stored course (RFC 9110 13.1.1, 13.1.2).

    Both must hold for the request to proceed.

    ``If-None-Match`` is compared weakly, as for GET: ``*`` holds only if there is no course; a list
    holds unless it names the course's current ETag. Tags this service cannot have issued (and a
    malformed header) name no course.
    """
    expected = expected_revision(if_match)
    if if_none_match is not None and if_none_match.strip() == "*":
        return Preconditions(expected, excludes_any=True)
    return Preconditions(expected, _named_revisions(if_none_match))


def _named_revisions(if_none_match: str | None) -> frozenset[Revision]:
    if if_none_match is None or not _ENTITY_TAG_LIST.fullmatch(if_none_match):
        return frozenset()
    return frozenset(
        revision for tag in _OPAQUE_TAG.findall(if_none_match) if (revision := _issued_revision(tag)) is not None
    )
