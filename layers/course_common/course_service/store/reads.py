"""Reads of the courses table: one course, the table's health, a page of courses."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from botocore.exceptions import ClientError
from pynamodb.attributes import Attribute
from pynamodb.exceptions import PynamoDBException

from course_service.common.preconditions import Revision
from course_service.store.client import connected, table
from course_service.store.failures import Failure, Unavailable, classify
from course_service.store.models import CATALOGUE, CourseItem, CoursesByLevel, CoursesByName


def _unavailable(error: PynamoDBException) -> Unavailable:
    """DynamoDB throttled, failed or did not answer; a bug (anything else) goes up as it is."""
    if classify(error) is Failure.PERMANENT:
        raise error
    return Unavailable()


def read(name: str) -> CourseItem | None:
    """The whole item (its write tokens too), one strongly consistent GetItem; None if there is none.

    What a write whose reply was lost reads to find out what became of it
    (course_service.store.conditional_writes); :func:`course` reads what a response shows.
    Strongly consistent: a course is readable as soon as its create returned.
    """
    connected()
    try:
        return CourseItem.get(name, consistent_read=True)
    except CourseItem.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable(error) from error


def check_store() -> None:
    """Raises Unavailable unless the table answers (one DescribeTable)."""
    connected()
    try:
        CourseItem.describe_table()
    except (PynamoDBException, ClientError) as error:
        # PynamoDB's describe_table lets DynamoDB's errors through unwrapped, but "not found".
        raise Unavailable() from error


class Shown(NamedTuple):
    """What a response shows of a course, and its version (a GET's course, a page's items)."""

    name: str
    level: str
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def revision(self) -> Revision:
        """The revision an ETag names (CourseItem.revision)."""
        return Revision(self.created_at, self.version)


# Read from an item by the model's own attributes (their names and types), not with
# CourseItem.from_raw_data: a whole model per item cost about four times as much, most of a page's
# overhead (docs/PERFORMANCE.md, "A page's items").
_SHOWN: tuple[Attribute[Any], ...] = (
    CourseItem.name,
    CourseItem.level,
    CourseItem.created_at,
    CourseItem.updated_at,
    CourseItem.version,
)


# What a page's Query asks DynamoDB for (its ProjectionExpression): the attributes shown reads and
# nothing else, so that neither DynamoDB's reply nor its parsing carries the write tokens.
SHOWN_ATTRIBUTES = [attribute.attr_name for attribute in _SHOWN]


def shown(item: dict[str, dict[str, Any]]) -> Shown:
    """An item (DynamoDB's JSON) as a response shows it, each value as the model deserializes it."""
    return Shown(*[attribute.deserialize(attribute.get_value(item[attribute.attr_name])) for attribute in _SHOWN])


def course(name: str) -> Shown | None:
    """What a response shows of one course: one strongly consistent GetItem; None if there is none.

    Through PynamoDB's connection, as CourseItem.get goes (its errors the same), but no model is
    built (docs/PERFORMANCE.md, "GET without a model"). The whole item, not a page's projection:
    PynamoDB builds a projection expression in ~27 µs a call, more than parsing one item's write
    tokens costs.
    """
    connected()
    try:
        found = table().get_item(name, consistent_read=True)
    except PynamoDBException as error:
        raise _unavailable(error) from error
    item = found.get("Item")
    return None if item is None else shown(item)


@dataclass(frozen=True)
class Page:
    """Up to a page of courses in name order, and whether more follow them."""

    courses: list[Shown]
    more: bool


def list_page(level: str | None, after: str | None, limit: int) -> Page:
    """One Query on an index, in name order.

    The first ``limit`` courses named after ``after`` (all courses, or those of ``level``).
    Eventually consistent: indexes cannot be read strongly.

    It asks for one course more than the page: if it comes, another page follows, so the last page
    says so without a second call (DynamoDB's LastEvaluatedKey may come with a page that is exactly
    full and ends the index, which would send the client to an empty page).
    """
    connected()
    index: CoursesByName | CoursesByLevel
    if level is None:
        index, partition, sort_key = CourseItem.by_name, CATALOGUE, CoursesByName.name
    else:
        index, partition, sort_key = CourseItem.by_level, level, CoursesByLevel.name
    start = sort_key > after if after is not None else None
    try:
        # One page from the page iterator: the item iterator would call again after a short page.
        found = next(
            index.query(
                partition, range_key_condition=start, page_size=limit + 1, attributes_to_get=SHOWN_ATTRIBUTES
            ).page_iter
        )
    except PynamoDBException as error:
        raise _unavailable(error) from error
    items = found["Items"]
    # More than a page, or DynamoDB stopped early (its 1 MB cap, far above 101 courses).
    more = len(items) > limit or (bool(items) and "LastEvaluatedKey" in found)
    return Page([shown(item) for item in items[:limit]], more)  # the extra one unread
