"""A write whose DynamoDB reply came too late: botocore retried it, and the retry met the write
already applied. The caller still gets the outcome of its own request; when nobody can know it,
503 says so. (``late_replies`` loses a reply after DynamoDB applied the request, below botocore's
retries; tests/integration/test_late_replies.py does the same over HTTP with a delaying proxy.)
"""

from urllib.parse import urljoin

import pytest

from course_service.paths import course_path
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
    # The retry's refused condition cost one read, and only because botocore retried.
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


def test_an_unconditional_update_retried_by_botocore_increments_the_version_once(create, put, stored, late_replies):
    create("Chemistry")
    late_replies.lose("UpdateItem")

    reply = put("Chemistry", "advanced")

    assert reply.status == 200, reply.body
    assert stored()["Chemistry"]["version"] == 2
    assert stored()["Chemistry"]["level"] == "advanced"


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
def test_when_another_write_lands_between_the_attempts_the_outcome_is_unknown_503(
    create, put, stored, late_replies, table, if_match
):
    etag = create("Chemistry").headers["etag"]

    def another_client_writes():
        table.update_item(
            TableName=TABLE_NAME,
            Key={"name": {"S": "Chemistry"}},
            UpdateExpression="SET #l = :l, updated_at = :t, write_token = :w ADD version :one",
            ExpressionAttributeNames={"#l": "level"},
            ExpressionAttributeValues={
                ":l": {"S": "intermediate"},
                ":t": {"S": "2999-01-01T00:00:00.000000+0000"},
                ":w": {"S": "someone else"},
                ":one": {"N": "1"},
            },
        )

    late_replies.lose("UpdateItem", meanwhile=another_client_writes)

    reply = put("Chemistry", "advanced", if_match=etag if if_match else None)

    if if_match:  # ours was applied, then overwritten: nothing the service can read tells so
        assert reply.status == 503, reply.body
        assert reply.body == {"message": UNKNOWN_OUTCOME}
        assert int(reply.headers["retry-after"]) > 0
    else:  # the retry's condition (not our token) passes: last write wins, ours, once more
        assert reply.status == 200
        assert stored()["Chemistry"]["level"] == "advanced"


@pytest.mark.parametrize(
    "request_args",
    [
        ("POST", "/courses", None, CHEMISTRY),
        ("PUT", "/courses/{name}", course_path("Biology"), {"level": "advanced"}),
    ],
    ids=["create", "update"],
)
def test_when_every_reply_is_lost_the_answer_is_503_and_says_the_write_may_have_been_applied(
    api, create, late_replies, request_args
):
    create("Biology")
    late_replies.lose("PutItem", replies=99)
    late_replies.lose("UpdateItem", replies=99)

    reply = api(*request_args)

    assert reply.status == 503
    assert reply.body == {"message": UNKNOWN_OUTCOME}
    assert int(reply.headers["retry-after"]) > 0
