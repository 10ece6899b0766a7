"""The course as a DynamoDB item, declared once (the table itself: ``template.yaml``)."""

import re
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from course_service.common import settings
from course_service.common.preconditions import Revision

# Every course's ``catalogue``: the one partition of the index that lists all courses by name.
CATALOGUE = "courses"


# Two of PynamoDB's attributes, reading the form PynamoDB writes them in faster than PynamoDB does:
# three values per course a response shows. Anything else is PynamoDB's to read, or to refuse
# (tests/unit/test_stored_values.py; docs/PERFORMANCE.md, "Timestamps and versions read faster").

# How PynamoDB writes every UTCDateTimeAttribute: '%Y-%m-%dT%H:%M:%S.%f+0000', the year zero-padded.
_STORED_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+0000")
# How it writes a version: a JSON integer (json.dumps), so digits without a leading zero.
_STORED_VERSION = re.compile(r"0|[1-9][0-9]*")


class UTCTimestampAttribute(UTCDateTimeAttribute):
    """UTCDateTimeAttribute: its form read by ``datetime.fromisoformat`` (C), ~0.7 µs, not in Python, ~2.3 µs."""

    def deserialize(self, value: str) -> datetime:
        if _STORED_TIMESTAMP.fullmatch(value):
            try:
                return datetime.fromisoformat(value)
            except ValueError:  # not a date (a 13th month...): PynamoDB's own error
                pass
        read: datetime = super().deserialize(value)  # type: ignore[no-untyped-call]
        return read


class CourseVersionAttribute(VersionAttribute):
    """VersionAttribute: its digits read by ``int``, ~0.4 µs, not ``json.loads`` then ``int``, ~2 µs."""

    def deserialize(self, value: str) -> int:
        if _STORED_VERSION.fullmatch(value):
            return int(value)
        read: int = super().deserialize(value)  # type: ignore[no-untyped-call]
        return read


# The indexes GET /courses reads, one Query a page (template.yaml declares them on the table; a test
# checks the two agree). Projection ALL: a page holds whole courses, without a read per course.


class CoursesByName(GlobalSecondaryIndex["CourseItem"]):  # type: ignore[no-untyped-call]
    """Every course, in name order: one partition (``catalogue``), sorted by ``name``."""

    class Meta:
        index_name = "courses-by-name"
        projection = AllProjection()

    catalogue = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class CoursesByLevel(GlobalSecondaryIndex["CourseItem"]):  # type: ignore[no-untyped-call]
    """The courses of one level, in name order: a partition per ``level``, sorted by ``name``."""

    class Meta:
        index_name = "courses-by-level"
        projection = AllProjection()

    level = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class CourseItem(Model):
    """A course as stored: its fields, its version, and the tokens of its recent writes."""

    class Meta:
        table_name = settings.current.table_name
        region = settings.current.region
        host = settings.current.dynamodb_endpoint
        connect_timeout_seconds = settings.current.connect_timeout_seconds
        read_timeout_seconds = settings.current.read_timeout_seconds
        # botocore's own retries off: it would resend writes DynamoDB may have applied. The service's
        # policy decides what is sent again (course_service.store.retry_policy).
        max_retry_attempts = 0

    name = UnicodeAttribute(hash_key=True)
    level = UnicodeAttribute()
    created_at = UTCTimestampAttribute()
    updated_at = UTCTimestampAttribute()
    # Incremented by every write. The ETag is built from it and ``created_at``.
    version = CourseVersionAttribute()
    # Tokens, never shown to clients, by which a write whose reply was lost finds out whether it was
    # applied (course_service.store.conditional_writes). ``created_by``: the create's, kept for the
    # course's life, so a create recognises its course even after others changed it. ``write_token``: the write that
    # made this version; ``write_token_1`` .. ``_3``: those that made the three versions before it
    # (NO_TOKEN where unknown), so a change recognises itself after up to three later writes.
    created_by = UnicodeAttribute(null=True)
    write_token = UnicodeAttribute(null=True)
    write_token_1 = UnicodeAttribute(null=True)
    write_token_2 = UnicodeAttribute(null=True)
    write_token_3 = UnicodeAttribute(null=True)
    # Set on every new course by the model, so that CoursesByName holds it; a write that does not go
    # through the model must set it too, or the course is missing from GET /courses.
    catalogue = UnicodeAttribute(default_for_new=CATALOGUE)
    by_name = CoursesByName()
    by_level = CoursesByLevel()

    @property
    def revision(self) -> Revision:
        """The revision an ETag names: this incarnation (creation time) and version."""
        return Revision(self.created_at, self.version)


# Where the token of a version is not known (a course stored before these tokens, or younger than them).
NO_TOKEN = "-"


def recent_write_tokens(course: CourseItem) -> list[str | None]:
    """The tokens of the writes that made ``course.version``, the version before, and so on."""
    return [course.write_token, course.write_token_1, course.write_token_2, course.write_token_3]
