"""The course as a DynamoDB item, declared once (the table itself: ``template.yaml``)."""

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from course_service.common import settings
from course_service.common.preconditions import Revision

# Every course's ``catalogue``: the one partition of the index that lists all courses by name.
CATALOGUE = "courses"


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
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    # Incremented by every write. The ETag is built from it and ``created_at``.
    version = VersionAttribute()
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
