"""GET /health: 200 {"status": "ok"} when the table answers, 503 {"status": "unavailable"} with
Retry-After when it does not."""

import pytest
from unit_support import TABLE_NAME, TRANSIENT_ERRORS


def assert_unavailable(reply) -> None:
    assert (reply.status, reply.body) == (503, {"status": "unavailable"})
    assert int(reply.headers["retry-after"]) > 0


def test_health_is_ok_when_the_table_answers(api, table):
    reply = api("GET", "/health")

    assert (reply.status, reply.body) == (200, {"status": "ok"})


def test_health_is_unavailable_when_the_table_does_not_exist(api, no_table):
    assert_unavailable(api("GET", "/health"))


def test_health_asks_the_table_every_time(api, table):
    assert api("GET", "/health").status == 200

    table.delete_table(TableName=TABLE_NAME)

    assert_unavailable(api("GET", "/health"))


@pytest.mark.parametrize("make_error", TRANSIENT_ERRORS.values(), ids=TRANSIENT_ERRORS.keys())
def test_health_is_unavailable_when_dynamodb_throttles_or_fails(api, table, dynamodb, make_error):
    dynamodb.fail("DescribeTable", make_error("DescribeTable"))

    assert_unavailable(api("GET", "/health"))
