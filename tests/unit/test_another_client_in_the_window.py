"""A write whose DynamoDB reply was lost, while another client writes the same course before the
service can learn what happened (``late_replies``' ``meanwhile``: inside the window). No write lands
twice or on another incarnation of the course, ``updated_at`` never goes backwards, and each answer
is the truth when the truth can be known; when it cannot, 503 says so.
(tests/integration/test_late_replies_and_another_client.py does the same over HTTP with a delaying proxy.)
"""

from course_service.edge.paths import course_path
from tests.unit.support import timestamp

CHEMISTRY = {"name": "Chemistry", "level": "beginner"}
UNKNOWN_OUTCOME = "The write may or may not have been applied; read the course to find out"


def version(reply) -> int:
    """The version inside one of the service's ETags (clients treat them as opaque; the tests prove with it)."""
    return int(reply.headers["etag"].strip('"').rpartition("-")[2])


# 1. No write lands twice, and none lands on another incarnation of the course


def test_a_delete_whose_reply_was_lost_never_deletes_the_course_created_again_meanwhile(
    api, create, delete, get, late_replies
):
    create("Chemistry")
    created_again = []
    late_replies.lose("DeleteItem", meanwhile=lambda: created_again.append(api("POST", "/courses", body=CHEMISTRY)))

    reply = delete("Chemistry")

    [other] = created_again
    assert other.status == 201, other.body
    now = get("Chemistry")
    assert now.status == 200 and now.headers["etag"] == other.headers["etag"]  # the other client's course stays
    # Ours removed the old course, or someone else did first: nothing stored can tell.
    assert (reply.status, reply.body) == (503, {"message": UNKNOWN_OUTCOME})


def test_a_create_whose_reply_was_lost_never_brings_back_the_course_deleted_meanwhile(api, get, put, late_replies):
    deleted = []

    def another_client_deletes_it():
        etag = get("Chemistry").headers["etag"]
        deleted.append((etag, api("DELETE", "/courses/{name}", course_path("Chemistry"), headers={"If-Match": etag})))

    late_replies.lose("PutItem", meanwhile=another_client_deletes_it)

    reply = api("POST", "/courses", body=CHEMISTRY)

    [(old_etag, other)] = deleted
    assert other.status == 204
    assert get("Chemistry").status == 404  # deleted it stays
    assert put("Chemistry", "advanced", if_match=old_etag).status == 404  # and its ETag matches nothing
    # It was created, then deleted; whose create was it? Nothing stored can tell.
    assert (reply.status, reply.body) == (503, {"message": UNKNOWN_OUTCOME})


def test_a_put_whose_reply_was_lost_is_never_applied_again_after_a_later_put(create, put, stored, late_replies):
    create("Chemistry")
    later = []
    late_replies.lose("UpdateItem", meanwhile=lambda: later.append(put("Chemistry", "intermediate")))

    reply = put("Chemistry", "advanced")

    [other] = later
    assert other.status == 200
    assert (stored()["Chemistry"]["level"], stored()["Chemistry"]["version"]) == ("intermediate", 3)
    # Ours was applied once (version 2), then overwritten: the truth, from the item's recent writes.
    assert reply.status == 200, reply.body
    assert (reply.body["level"], version(reply)) == ("advanced", 2)
    assert timestamp(other.body["updated_at"]) > timestamp(reply.body["updated_at"])


def test_a_put_whose_reply_was_lost_never_lands_on_the_course_created_again_meanwhile(
    api, create, put, delete, get, late_replies
):
    create("Chemistry")
    created_again = []

    def deleted_and_created_again():
        assert delete("Chemistry").status == 204
        created_again.append(api("POST", "/courses", body={"name": "Chemistry", "level": "intermediate"}))

    late_replies.lose("UpdateItem", meanwhile=deleted_and_created_again)

    reply = put("Chemistry", "advanced")

    [other] = created_again
    now = get("Chemistry")
    assert (now.body, now.headers["etag"]) == (other.body, other.headers["etag"])  # untouched
    assert timestamp(now.body["updated_at"]) >= timestamp(now.body["created_at"])
    # Ours changed the course that was deleted since: nothing stored can tell.
    assert (reply.status, reply.body) == (503, {"message": UNKNOWN_OUTCOME})


# 2. Answers that are the truth when the truth is knowable


def test_a_create_applied_then_changed_by_another_client_answers_201_with_the_course_it_created(
    api, put, get, late_replies
):
    late_replies.lose("PutItem", meanwhile=lambda: put("Chemistry", "advanced"))

    reply = api("POST", "/courses", body=CHEMISTRY)

    assert reply.status == 201, reply.body
    assert (reply.body["level"], version(reply)) == ("beginner", 1)  # what this create made
    assert reply.body["updated_at"] == reply.body["created_at"]
    assert get("Chemistry").body["level"] == "advanced"  # and the course as it is now


def test_an_if_match_put_applied_then_overwritten_answers_200_with_the_version_it_made(create, put, get, late_replies):
    etag = create("Chemistry").headers["etag"]
    late_replies.lose("UpdateItem", meanwhile=lambda: put("Chemistry", "intermediate"))

    reply = put("Chemistry", "advanced", if_match=etag)

    assert reply.status == 200, reply.body
    assert (reply.body["level"], version(reply)) == ("advanced", 2)
    assert get("Chemistry").body["level"] == "intermediate"


def test_an_if_match_put_that_was_lost_before_another_client_wrote_answers_412(create, put, stored, late_replies):
    """Lost on its way (never applied); another client wrote the version it would have made: 412 is the truth."""
    etag = create("Chemistry").headers["etag"]
    late_replies.lose("UpdateItem", applied=False, meanwhile=lambda: put("Chemistry", "intermediate"))

    reply = put("Chemistry", "advanced", if_match=etag)

    assert reply.status == 412, reply.body
    assert (stored()["Chemistry"]["level"], stored()["Chemistry"]["version"]) == ("intermediate", 2)
