"""DELETE /courses/{name}: 204 and the course is gone; 404 if there is none; If-Match as for PUT
(412 when stale, the course untouched); an ETag issued before a delete never matches the course
re-created later under the same name; a late DynamoDB reply never turns a delete into a lie."""

import pytest

UNKNOWN_OUTCOME = "The write may or may not have been applied; read the course to find out"


def test_delete_answers_204_with_no_body_and_the_course_is_gone(create, delete, get, stored):
    create("Chemistry")

    reply = delete("Chemistry")

    assert reply.status == 204
    assert not reply.raw.get("body")
    assert get("Chemistry").status == 404
    assert stored() == {}


def test_delete_of_a_missing_course_is_404(table, delete):
    reply = delete("Chemistry")

    assert (reply.status, reply.body) == (404, {"message": "Course not found"})


def test_delete_with_the_current_etag_deletes(create, delete, get):
    etag = create("Chemistry").headers["etag"]

    assert delete("Chemistry", if_match=etag).status == 204
    assert get("Chemistry").status == 404


@pytest.mark.parametrize("if_match", ['W/"1"', '"1", "2"', "garbage", '"99"'])
def test_delete_with_a_stale_or_unmatchable_if_match_is_412_and_the_course_stays(create, put, delete, stored, if_match):
    create("Chemistry")
    put("Chemistry", "advanced")  # the ETag of the create is stale now
    before = stored()

    reply = delete("Chemistry", if_match=if_match)

    assert (reply.status, set(reply.body)) == (412, {"message"})
    assert stored() == before


def test_delete_with_a_stale_etag_from_create_is_412(create, put, delete, stored):
    etag = create("Chemistry").headers["etag"]
    put("Chemistry", "advanced")

    assert delete("Chemistry", if_match=etag).status == 412
    assert set(stored()) == {"Chemistry"}


def test_delete_with_if_match_of_a_missing_course_is_404(table, delete):
    assert delete("Chemistry", if_match='"1"').status == 404


def test_an_etag_from_before_a_delete_never_matches_the_course_created_again(create, delete, put, get):
    old_etag = create("Chemistry").headers["etag"]
    assert delete("Chemistry").status == 204
    new_etag = create("Chemistry").headers["etag"]

    assert new_etag != old_etag
    assert put("Chemistry", "advanced", if_match=old_etag).status == 412
    assert delete("Chemistry", if_match=old_etag).status == 412
    assert get("Chemistry").headers["etag"] == new_etag


def test_a_delete_whose_reply_was_lost_answers_503_outcome_unknown_and_the_course_is_gone(
    create, delete, get, late_replies
):
    """The retry finds nothing: the first attempt, or another client's delete, removed it.
    Nothing stored can tell which, so the answer says so; a read then shows the course gone."""
    create("Chemistry")
    late_replies.lose("DeleteItem")

    reply = delete("Chemistry")

    assert reply.status == 503
    assert reply.body == {"message": UNKNOWN_OUTCOME}
    assert int(reply.headers["retry-after"]) > 0
    assert get("Chemistry").status == 404


def test_a_stale_delete_whose_reply_was_late_is_still_412(create, put, delete, stored, late_replies):
    etag = create("Chemistry").headers["etag"]
    put("Chemistry", "advanced")
    before = stored()
    late_replies.lose("DeleteItem")

    assert delete("Chemistry", if_match=etag).status == 412
    assert stored() == before


def test_delete_records_a_course_deleted_metric(create, delete, capsys):
    create("Chemistry")
    capsys.readouterr()

    delete("Chemistry")

    assert '"CourseDeleted":[1.0]' in capsys.readouterr().out


def test_delete_is_one_conditional_delete_item(create, delete, dynamodb):
    create("Chemistry")
    dynamodb.calls.clear()

    delete("Chemistry")

    [(operation, params)] = dynamodb.calls
    assert operation == "DeleteItem"
    assert "attribute_exists" in params["ConditionExpression"]


def test_a_path_that_names_no_course_is_404_without_a_dynamodb_call(table, api, dynamodb):
    reply = api("DELETE", "/courses/{name}", "/courses/a%2Fb")

    assert reply.status == 404
    assert dynamodb.calls == []


def test_delete_with_if_match_star_deletes_the_course_whatever_its_version(create, put, delete, get):
    create("Chemistry")
    put("Chemistry", "advanced")

    assert delete("Chemistry", if_match="*").status == 204
    assert get("Chemistry").status == 404
    assert delete("Chemistry", if_match="*").status == 404


def test_a_stale_delete_is_412_saying_the_course_has_changed_since_the_given_etag(create, put, delete):
    etag = create("Chemistry").headers["etag"]
    put("Chemistry", "advanced")

    reply = delete("Chemistry", if_match=etag)

    assert (reply.status, reply.body) == (412, {"message": "The course has changed since the given ETag"})
