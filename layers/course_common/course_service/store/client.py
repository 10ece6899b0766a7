"""The botocore client every DynamoDB call goes through, with the service's retry policy on it.

The courses' calls through PynamoDB, the Idempotency-Key records' through Powertools
(course_service.store.idempotency_records).

The one place that reaches into PynamoDB's connection: PynamoDB has no public way to hand over its
client, and the policy must be on it (course_service.store.retry_policy); and a GET reads through
the connection as CourseItem.get does, without building a model (course_service.store.reads).
"""

from typing import Any

from pynamodb.connection import TableConnection

from course_service.store import retry_policy
from course_service.store.models import CourseItem


def table() -> TableConnection:
    """PynamoDB's connection to the courses table, as CourseItem's own methods use it."""
    return CourseItem._get_connection()


def dynamodb_client() -> Any:
    """PynamoDB's client for the courses table, created the first time it is asked for."""
    return table().connection.client


def connected() -> None:
    """Puts the retry policy on the client, once per client.

    PynamoDB makes a new client when its credentials went missing, so this runs before each use.
    """
    retry_policy.install(dynamodb_client())
