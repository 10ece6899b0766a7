"""A write whose DynamoDB reply was lost. botocore does not send it again (course_service.store.retry_policy);
one consistent read finds out what happened, and the caller gets the outcome of its own request:
201 or 200 when it was applied, the refusal when it was refused, and a write that was not applied is
sent again only pinned to the course it was meant for. When nothing can tell, 503 says so.
(``late_replies`` loses a reply after DynamoDB applied the request, below botocore; ``sent`` lists
what went on the wire. tests/integration/test_late_replies.py does the same over HTTP.)
"""

from urllib.parse import urljoin

import pytest

from course_service.edge.paths import course_path
from tests.unit.support import TABLE_NAME

CHEMISTRY = {"name": "Chemistry", "level": "beginner"}
UNKNOWN_OUTCOME = "The write may or may not have been applied; read the course to find out"


def test_a_create_applied_before_its_reply_was_lost_answers_201_with_the_course(api, stored, late_replies, dynamodb):
    late_replies.lose("PutItem")

    reply = api("POST", "/courses", body=CHEMISTRY)

    assert reply.status == 201, reply.body
    assert {k: reply.body[k] for k in ("name", "level")} == CHEMISTRY
    assert urljoin("/courses", reply.headers["location"]) == course_path("Chemistry")
    assert stored()["Chemistry"]["version"] == 1
    # Sent once; the lost reply cost one read.
    assert late_replies.sent == ["PutItem"]
    assert dynamodb.operations == ["PutItem", "GetItem"]


def test_an_if_match_update_applied_before_its_reply_was_lost_answers_200_with_the_next_etag(
    api, create, put, stored, late_replies
):
    etag = create("Chemistry").headers["etag"]
    late_replies.lose("UpdateItem")

    reply = put("Chemistry", "advanced", if_match=etag)

    assert reply.status == 200, reply.body
    assert reply.body["level"] == "advanced"
    assert reply.headers["etag"] == api("GET", "/courses/{name}", course_path("Chemistry")).headers["etag"]
    assert stored()["Chemistry"]["version"] == 2


def test_an_unconditional_update_whose_reply_was_lost_is_not_sent_again_and_applies_once(
    create, put, stored, late_replies, dynamodb
):
    create("Chemistry")
    late_replies.lose("UpdateItem")
    dynamodb.calls.clear()

    reply = put("Chemistry", "advanced")

    assert reply.status == 200, reply.body
    assert stored()["Chemistry"]["version"] == 2
    assert stored()["Chemistry"]["level"] == "advanced"
    assert late_replies.sent == ["UpdateItem"]
    assert dynamodb.operations == ["UpdateItem", "GetItem"]


@pytest.mark.parametrize(
    "request_args, operation, status",
    [
        (("PUT", "/courses/{name}", course_path("Chemistry"), {"level": "advanced"}), "UpdateItem", 200),
        (("DELETE", "/courses/{name}", course_path("Chemistry")), "DeleteItem", 204),
    ],
    ids=["update", "delete"],
)
def test_a_write_lost_before_it_arrived_is_sent_again_pinned_to_the_course_and_applies_once(
    api, create, stored, late_replies, dynamodb, request_args, operation, status
):
    """The read shows the course as it was when the write was stamped: it was not applied, and its
    copy is conditional on that course (``created_at``) and on ``updated_at`` older than its stamp."""
    created = create("Chemistry")
    late_replies.lose(operation, applied=False)
    dynamodb.calls.clear()

    reply = api(*request_args)

    assert reply.status == status, reply.body
    assert late_replies.sent == [operation, operation]
    assert dynamodb.operations == [operation, "GetItem", operation]
    resent = dynamodb.calls[2][1]
    assert "created_at" in resent["ExpressionAttributeNames"].values()
    if status == 200:
        assert stored()["Chemistry"]["version"] == 2
        assert reply.body["created_at"] == created.body["created_at"]
    else:
        assert stored() == {}


def test_a_create_lost_before_it_arrived_is_not_sent_again_and_answers_503(api, stored, late_replies):
    """Nothing is stored, but the request may still arrive, or it was applied and deleted since: a
    create is never sent again (its condition would hold again after a delete)."""
    late_replies.lose("PutItem", applied=False)

    reply = api("POST", "/courses", body=CHEMISTRY)

    assert (reply.status, reply.body) == (503, {"message": UNKNOWN_OUTCOME})
    assert late_replies.sent == ["PutItem"]


def test_a_real_conflict_is_still_409_when_the_reply_was_late(api, create, stored, late_replies):
    create("Chemistry", "beginner")
    before = stored()
    late_replies.lose("PutItem")

    reply = api("POST", "/courses", body={"name": "Chemistry", "level": "advanced"})

    assert reply.status == 409
    assert stored() == before


def test_a_stale_if_match_is_still_412_when_the_reply_was_late(create, put, stored, late_replies):
    create("Chemistry")
    put("Chemistry", "intermediate")  # now at "2"
    before = stored()
    late_replies.lose("UpdateItem")

    reply = put("Chemistry", "advanced", if_match='"1"')

    assert reply.status == 412
    assert stored() == before


@pytest.mark.parametrize("if_match", [None, "current"], ids=["unconditional", "If-Match"])
def test_when_more_writes_land_in_the_window_than_the_item_remembers_the_outcome_is_unknown_503(
    create, put, stored, late_replies, if_match
):
    """The item keeps the tokens of its last four writes: four more since, and nothing can tell
    whether this one was among them."""
    etag = create("Chemistry").headers["etag"]

    def four_writes():
        for level in ("intermediate", "beginner", "intermediate", "beginner"):
            assert put("Chemistry", level).status == 200

    late_replies.lose("UpdateItem", meanwhile=four_writes)

    reply = put("Chemistry", "advanced", if_match=etag if if_match else None)

    assert (reply.status, reply.body) == (503, {"message": UNKNOWN_OUTCOME})
    assert int(reply.headers["retry-after"]) > 0
    assert (stored()["Chemistry"]["version"], stored()["Chemistry"]["level"]) == (6, "beginner")


@pytest.mark.parametrize(
    "request_args",
    [
        ("POST", "/courses", None, CHEMISTRY),
        ("PUT", "/courses/{name}", course_path("Biology"), {"level": "advanced"}),
        ("DELETE", "/courses/{name}", course_path("Biology")),
    ],
    ids=["create", "update", "delete"],
)
def test_when_every_reply_is_lost_the_answer_is_503_and_says_the_write_may_have_been_applied(
    api, create, late_replies, table, request_args
):
    """The write's reply and those of every read that would tell: nothing can be known."""
    create("Biology")
    for operation in ("PutItem", "UpdateItem", "DeleteItem", "GetItem"):
        late_replies.lose(operation, replies=99, table=TABLE_NAME)

    reply = api(*request_args)

    assert reply.status == 503
    assert reply.body == {"message": UNKNOWN_OUTCOME}
    assert int(reply.headers["retry-after"]) > 0
    # Each write went on the wire once, the reads as often as the policy sends a read.
    assert sum(operation != "GetItem" for operation in late_replies.sent) == 1
    assert late_replies.sent.count("GetItem") == 3
