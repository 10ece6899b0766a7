"""Late DynamoDB replies over HTTP: the local server talks to dynalite through a proxy that holds
replies past the read timeout, after dynalite applied the request. botocore does not send such a
write again; one read finds out, and each caller gets the outcome of its own request
(tests/unit/test_retried_writes.py: the same under moto; with another client writing in the window:
test_late_replies_and_another_client.py).
"""

import uuid

import pytest

from localdev.dynamodb import client
from localdev.server_process import LocalServer
from tests.integration.http_support import path_of

TABLE = "courses-late"
READ_TIMEOUT = 0.5  # the service's DynamoDB read timeout here; a held reply comes after it
HELD = 1.0
UNKNOWN_OUTCOME = "The write may or may not have been applied; read the course to find out"


@pytest.fixture(scope="module")
def slow_server(proxy):
    local = LocalServer(
        {"DYNAMODB_ENDPOINT": proxy.endpoint, "TABLE_NAME": TABLE, "DYNAMODB_READ_TIMEOUT": str(READ_TIMEOUT)},
        max_instances=1,
    )
    yield local
    local.stop()


@pytest.fixture
def course(slow_server, proxy):
    """A new course, created with no reply held; returns its name."""
    proxy.clear()
    name = f"late {uuid.uuid4().hex[:8]}"
    assert slow_server.request("POST", "/courses", {"name": name, "level": "beginner"}).status == 201
    return name


@pytest.fixture
def stored_version(dynalite):
    """The version dynalite holds for a course, read behind the service's back."""
    dynamodb = client(dynalite.endpoint)

    def version(name: str) -> int:
        item = dynamodb.get_item(TableName=TABLE, Key={"name": {"S": name}}, ConsistentRead=True)["Item"]
        return int(item["version"]["N"])

    return version


def test_a_create_whose_reply_is_late_answers_201_and_stores_one_course(slow_server, proxy):
    name = f"late {uuid.uuid4().hex[:8]}"
    held_before = proxy.held
    proxy.hold_next(1, HELD)

    created = slow_server.request("POST", "/courses", {"name": name, "level": "beginner"})

    assert created.status == 201, created.raw
    assert proxy.held == held_before + 1
    read = slow_server.request("GET", path_of(name))
    assert read.body == created.body
    assert read.headers["etag"] == created.headers["etag"]


def test_an_if_match_update_whose_reply_is_late_answers_200_with_the_next_etag(
    slow_server, proxy, course, stored_version
):
    etag = slow_server.request("GET", path_of(course)).headers["etag"]
    proxy.hold_next(1, HELD)

    updated = slow_server.request("PUT", path_of(course), {"level": "advanced"}, {"If-Match": etag})

    assert updated.status == 200, updated.raw
    read = slow_server.request("GET", path_of(course))
    assert read.body["level"] == "advanced"
    assert updated.headers["etag"] == read.headers["etag"]
    assert stored_version(course) == 2


def test_an_unconditional_update_whose_reply_is_late_is_applied_once(slow_server, proxy, course, stored_version):
    held_before = proxy.held
    proxy.hold_next(1, HELD)

    late = slow_server.request("PUT", path_of(course), {"level": "advanced"})

    assert late.status == 200, late.raw
    assert proxy.held == held_before + 1
    assert stored_version(course) == 2
    assert late.headers["etag"] == slow_server.request("GET", path_of(course)).headers["etag"]


def test_when_every_reply_is_late_the_answer_is_503_and_says_the_outcome_is_unknown(slow_server, proxy):
    name = f"late {uuid.uuid4().hex[:8]}"
    proxy.hold_next(99, HELD)

    reply = slow_server.request("POST", "/courses", {"name": name, "level": "beginner"})
    proxy.clear()

    assert reply.status == 503, reply.raw
    assert reply.body == {"message": UNKNOWN_OUTCOME}
    assert int(reply.headers["retry-after"]) > 0
    # What the 503 warned of: dynalite applied the first attempt. A read tells the client.
    assert slow_server.request("GET", path_of(name)).status == 200


# With an Idempotency-Key a create makes three calls (record in progress, course, record completed);
# the proxy holds the replies of one of them.


def keyed_create(server, name: str, key: str):
    return server.request("POST", "/courses", {"name": name, "level": "beginner"}, {"Idempotency-Key": key})


def test_a_keyed_create_whose_records_put_reply_is_late_answers_201(slow_server, proxy):
    """The record's put was applied and its reply is late: one read finds the record is ours, and
    the create goes on."""
    name, key = f"late {uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    held_before = proxy.held
    proxy.hold_next(1, HELD)

    created = keyed_create(slow_server, name, key)

    assert created.status == 201, created.raw
    assert proxy.held == held_before + 1
    assert keyed_create(slow_server, name, key).raw == created.raw


def test_a_keyed_create_whose_course_put_reply_is_late_answers_201(slow_server, proxy, stored_version):
    name, key = f"late {uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    proxy.hold_next(1, HELD, after=1)  # the record's put passes; the course's is late

    created = keyed_create(slow_server, name, key)

    assert created.status == 201, created.raw
    assert stored_version(name) == 1
    assert keyed_create(slow_server, name, key).raw == created.raw


def test_a_keyed_retry_after_a_503_whose_create_was_applied_answers_201_with_that_course(slow_server, proxy):
    name, key = f"late {uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    # The record's put passes; the course's put is late, and so is every attempt of the read that
    # would tell (three: the policy sends a read again twice): outcome unknown.
    proxy.hold_next(4, HELD, after=1)

    first = keyed_create(slow_server, name, key)
    proxy.clear()

    assert first.status == 503, first.raw
    assert first.body == {"message": UNKNOWN_OUTCOME}
    again = keyed_create(slow_server, name, key)
    assert again.status == 201, again.raw
    read = slow_server.request("GET", path_of(name))
    assert (again.body, again.headers["etag"]) == (read.body, read.headers["etag"])
