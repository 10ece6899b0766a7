"""The DynamoDB item, declared once. The table itself is declared in ``template.yaml``."""

from datetime import datetime
from typing import NamedTuple

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.models import Model

from course_service import settings


class Course(Model):
    class Meta:
        table_name = settings.TABLE_NAME
        region = settings.REGION
        host = settings.DYNAMODB_ENDPOINT
        connect_timeout_seconds = settings.CONNECT_TIMEOUT_SECONDS
        read_timeout_seconds = settings.READ_TIMEOUT_SECONDS
        max_retry_attempts = settings.MAX_RETRY_ATTEMPTS

    name = UnicodeAttribute(hash_key=True)
    level = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    # Incremented by every write; PynamoDB adds the matching condition. The ETag is built from it.
    version = VersionAttribute()
    # A fresh random token on every write: a write whose reply was lost and that botocore retried
    # recognises itself in the item (course_service.repository). Never shown to clients.
    write_token = UnicodeAttribute(null=True)


class Revision(NamedTuple):
    """One write of one incarnation of a course: what an ETag names (``course_service.api.etag``).

    The creation time tells incarnations of a name apart (a course deleted and created again starts
    at version 1 again), the version the writes of one incarnation.
    """

    created_at: datetime
    version: int
