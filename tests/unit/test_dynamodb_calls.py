"""One DynamoDB call per request: create is one conditional PutItem, get one GetItem, update one
conditional UpdateItem with no read before the write (a read follows only a refused write, to tell
412 from 404, or a lost reply: tests/unit/test_retried_writes.py), a page of the list one Query on
an index (never a Scan), health one DescribeTable. Counted on the client PynamoDB uses."""

import re
from urllib.parse import urlencode

import pytest

from tests.unit.support import FIRST_ETAG

VALID_CREATE = {"name": "Biology", "level": "beginner"}
CASES = {
    "create": (("POST", "/courses", None, VALID_CREATE), ["PutItem"]),
    "create of a taken name": (("POST", "/courses", None, {"name": "Chemistry", "level": "advanced"}), ["PutItem"]),
    "get": (("GET", "/courses/{name}", "/courses/Chemistry"), ["GetItem"]),
    "get of a missing course": (("GET", "/courses/{name}", "/courses/Biology"), ["GetItem"]),
    "update": (("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}), ["UpdateItem"]),
    "update with If-Match": (
        ("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}, {"If-Match": FIRST_ETAG}),
        ["UpdateItem"],
    ),
    "update of a missing course": (
        ("PUT", "/courses/{name}", "/courses/Biology", {"level": "advanced"}),
        ["UpdateItem", "GetItem"],
    ),
    "update with a stale If-Match": (
        ("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}, {"If-Match": '"7"'}),
        ["UpdateItem", "GetItem"],
    ),
    "update with If-Match of a missing course": (
        ("PUT", "/courses/{name}", "/courses/Biology", {"level": "advanced"}, {"If-Match": FIRST_ETAG}),
        ["UpdateItem", "GetItem"],
    ),
    "health": (("GET", "/health"), ["DescribeTable"]),
    "list": (("GET", "/courses"), ["Query"]),
    "list of a level": (("GET", "/courses", "/courses?level=beginner&limit=1"), ["Query"]),
    "list with a bad limit": (("GET", "/courses", "/courses?limit=0"), []),
    "invalid body": (("POST", "/courses", None, {"name": "Biology"}), []),
    "path that names no course": (("GET", "/courses/{name}", "/courses/a%2Fb"), []),
}


@pytest.fixture
def chemistry(create, dynamodb, clock):
    """The course "Chemistry" exists (ETag FIRST_ETAG), and the spy has seen no call yet."""
    create("Chemistry", "beginner")
    dynamodb.calls.clear()


@pytest.mark.parametrize("request_args, operations", CASES.values(), ids=CASES.keys())
def test_each_request_makes_one_dynamodb_call_and_a_read_only_after_a_refused_write(
    api, chemistry, dynamodb, request_args, operations
):
    api(*request_args)

    assert dynamodb.operations == operations


def condition_attributes(params: dict) -> set[str]:
    """The attribute names a request's ConditionExpression refers to."""
    names = params.get("ExpressionAttributeNames", {})
    return {names[placeholder] for placeholder in re.findall(r"#\w+", params.get("ConditionExpression", ""))}


def test_create_is_a_put_conditional_on_the_name_not_existing(api, table, dynamodb):
    api("POST", "/courses", body=VALID_CREATE)

    [(operation, params)] = dynamodb.calls
    assert operation == "PutItem"
    assert "attribute_not_exists" in params["ConditionExpression"]
    assert "name" in condition_attributes(params)


def test_get_is_strongly_consistent(api, chemistry, dynamodb):
    api("GET", "/courses/{name}", "/courses/Chemistry")

    [(_, params)] = dynamodb.calls
    assert params["ConsistentRead"] is True


@pytest.mark.parametrize(
    "if_match, condition_on",
    [
        (None, {"name", "updated_at"}),
        (FIRST_ETAG, {"name", "updated_at", "created_at", "version"}),
        ("*", {"name", "updated_at"}),
    ],
    ids=["without If-Match", "with If-Match", "If-Match *"],
)
def test_update_is_conditional_on_existence_an_older_updated_at_and_on_the_revision_only_with_if_match(
    api, chemistry, dynamodb, if_match, condition_on
):
    headers = {"If-Match": if_match} if if_match else None
    api("PUT", "/courses/{name}", "/courses/Chemistry", body={"level": "advanced"}, headers=headers)

    [(operation, params)] = dynamodb.calls
    assert operation == "UpdateItem"
    assert "attribute_exists" in params["ConditionExpression"]
    assert condition_attributes(params) == condition_on


def test_a_page_is_one_query_on_an_index_in_name_order_asking_one_course_more_than_the_page(api, chemistry, dynamodb):
    first = api("GET", "/courses", "/courses?limit=1")
    api("GET", "/courses", "/courses?limit=5&level=beginner")
    api("GET", "/courses", "/courses?" + urlencode({"cursor": first.body["next_cursor"] or "", "limit": 100}))

    for (operation, params), limit in zip(dynamodb.calls, (1, 5, 100), strict=False):
        assert operation == "Query"
        assert params["IndexName"] in {"courses-by-name", "courses-by-level"}
        # One more than the page: if it comes, another page follows (docs/DECISIONS.md, "Listing").
        assert params["Limit"] == limit + 1
        assert not params.get("ConsistentRead")  # global secondary indexes cannot read strongly
        assert "FilterExpression" not in params  # the key alone selects: nothing read is thrown away
        assert params.get("ScanIndexForward", True) is True
        # Only what a page holds of a course (store/reads.shown): never the write tokens or the
        # catalogue key, which DynamoDB would send and botocore parse for nothing.
        projected = {
            params["ExpressionAttributeNames"][name.strip()] for name in params["ProjectionExpression"].split(",")
        }
        assert projected == {"name", "level", "created_at", "updated_at", "version"}
