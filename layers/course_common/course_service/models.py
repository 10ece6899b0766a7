"""The DynamoDB item, declared once. The table itself is declared in ``template.yaml``."""

from datetime import datetime
from typing import NamedTuple

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from course_service import settings

# Every course's ``catalogue``: the one partition of the index that lists all courses by name.
CATALOGUE = "courses"


# The indexes GET /courses reads, one Query a page (template.yaml declares them on the table; a test
# checks the two agree). Projection ALL: a page holds whole courses, without a read per course.


class CoursesByName(GlobalSecondaryIndex["Course"]):  # type: ignore[no-untyped-call]
    """Every course, in name order: one partition (``catalogue``), sorted by ``name``."""

    class Meta:
        index_name = "courses-by-name"
        projection = AllProjection()

    catalogue = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class CoursesByLevel(GlobalSecondaryIndex["Course"]):  # type: ignore[no-untyped-call]
    """The courses of one level, in name order: a partition per ``level``, sorted by ``name``."""

    class Meta:
        index_name = "courses-by-level"
        projection = AllProjection()

    level = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class Course(Model):
    class Meta:
        table_name = settings.current.table_name
        region = settings.current.region
        host = settings.current.dynamodb_endpoint
        connect_timeout_seconds = settings.current.connect_timeout_seconds
        read_timeout_seconds = settings.current.read_timeout_seconds
        max_retry_attempts = settings.current.max_retry_attempts

    name = UnicodeAttribute(hash_key=True)
    level = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    # Incremented by every write; PynamoDB adds the matching condition. The ETag is built from it.
    version = VersionAttribute()
    # A fresh random token on every write: a write whose reply was lost and that botocore retried
    # recognises itself in the item (course_service.repository). Never shown to clients.
    write_token = UnicodeAttribute(null=True)
    # Set on every new course by the model, so that CoursesByName holds it; a write that does not go
    # through the model must set it too, or the course is missing from GET /courses.
    catalogue = UnicodeAttribute(default_for_new=CATALOGUE)
    by_name = CoursesByName()
    by_level = CoursesByLevel()


class Revision(NamedTuple):
    """One write of one incarnation of a course: what an ETag names (``course_service.conditional.etag``).

    The creation time tells incarnations of a name apart (a course deleted and created again starts
    at version 1 again), the version the writes of one incarnation.
    """

    created_at: datetime
    version: int
