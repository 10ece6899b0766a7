"""The HTTP preconditions every route evaluates (RFC 9110 section 13), beyond If-Match on writes and
If-None-Match on GET (test_update_course.py, test_delete_course.py, test_get_course.py):

- ``If-None-Match`` on PUT and DELETE: when it matches (``*`` and the course exists, or a list
  naming its current ETag, compared weakly), 412 and nothing changes; otherwise the write proceeds.
  PUT and DELETE never create, so ``*`` never lets them proceed: 412, or 404 without a course.
- ``If-Match`` on GET: 412 unless it names the current ETag (strongly) or is ``*``; it is evaluated
  before If-None-Match (RFC 9110 13.2.2); a missing course is 404 whatever the header.
"""

import pytest

from course_service.edge.paths import course_path
from tests.unit.support import TABLE_NAME

CHANGED = {"message": "The course has changed since the given ETag"}


def put_with(api, headers, name="Chemistry"):
    return api("PUT", "/courses/{name}", course_path(name), body={"level": "advanced"}, headers=headers)


def delete_with(api, headers, name="Chemistry"):
    return api("DELETE", "/courses/{name}", course_path(name), headers=headers)


WRITES = {"PUT": put_with, "DELETE": delete_with}


def matching(etag: str) -> list[str]:
    """If-None-Match values that name the course whose ETag is ``etag``."""
    return ["*", etag, f"W/{etag}", f'"other", {etag}', f' W/{etag} , "x"']


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("case", range(5), ids=["*", "the ETag", "weak", "in a list", "weak in a list"])
def test_an_if_none_match_that_names_the_course_is_412_and_nothing_changes(api, create, stored, write, case):
    etag = create("Chemistry").headers["etag"]
    before = stored()

    reply = write(api, {"If-None-Match": matching(etag)[case]})

    assert (reply.status, reply.body) == (412, CHANGED)
    assert stored() == before


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize(
    "if_none_match",
    ['"1-1"', 'W/"other"', '"a", "b"', "garbage", '"ffffffffffffffff-1"', ""],
    ids=["another ETag", "another weak ETag", "a list without it", "malformed", "past year 9999", "empty"],
)
def test_an_if_none_match_that_names_another_course_lets_the_write_proceed(api, create, stored, write, if_none_match):
    create("Chemistry")

    reply = write(api, {"If-None-Match": if_none_match})

    assert reply.status in (200, 204), reply.body
    assert ("Chemistry" in stored()) is (write is put_with)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_an_if_none_match_on_a_missing_course_is_404(api, table, write):
    for if_none_match in ("*", '"1-1"'):
        assert write(api, {"If-None-Match": if_none_match}).status == 404


def test_a_stale_etag_in_if_none_match_does_not_stop_a_put(api, create, put, stored):
    old = create("Chemistry").headers["etag"]
    assert put("Chemistry", "intermediate").status == 200

    reply = put_with(api, {"If-None-Match": old})

    assert reply.status == 200
    assert stored()["Chemistry"]["level"] == "advanced"


def test_if_match_and_if_none_match_must_both_hold(api, create, stored):
    etag = create("Chemistry").headers["etag"]

    assert put_with(api, {"If-Match": etag, "If-None-Match": etag}).status == 412
    assert put_with(api, {"If-Match": etag, "If-None-Match": '"x"'}).status == 200
    assert stored()["Chemistry"]["version"] == 2


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_long_if_none_match_list_is_checked_against_a_read_first(api, create, stored, dynamodb, write):
    """More ETags than fit in a condition: one read checks them, then the write as without them."""
    etag = create("Chemistry").headers["etag"]
    others = [f'"{n:x}-1"' for n in range(1, 40)]
    dynamodb.calls.clear()

    refused = write(api, {"If-None-Match": ", ".join([*others, etag])})
    assert refused.status == 412
    assert dynamodb.operations == ["GetItem"]
    dynamodb.calls.clear()

    allowed = write(api, {"If-None-Match": ", ".join(others)})
    assert allowed.status in (200, 204)
    assert dynamodb.operations == ["GetItem", "UpdateItem" if write is put_with else "DeleteItem"]


def test_if_none_match_costs_no_call_of_its_own(api, create, dynamodb):
    """A list is part of the write's condition; ``*`` needs only the read (it can never hold)."""
    etag = create("Chemistry").headers["etag"]
    dynamodb.calls.clear()

    put_with(api, {"If-None-Match": '"x", W/"1-1"'})
    assert dynamodb.operations == ["UpdateItem"]
    [(_, params)] = dynamodb.calls
    assert "NOT" in params["ConditionExpression"]
    dynamodb.calls.clear()

    assert put_with(api, {"If-None-Match": "*"}).status == 412
    assert dynamodb.operations == ["GetItem"]
    assert etag


def test_a_change_refused_by_if_none_match_after_a_lost_reply_is_still_412(api, create, stored, late_replies):
    """The reply to the refusal is lost: the read shows the course as named, and nothing written."""
    etag = create("Chemistry").headers["etag"]
    before = stored()
    late_replies.lose("UpdateItem", table=TABLE_NAME)

    assert put_with(api, {"If-None-Match": etag}).status == 412
    assert stored() == before


# If-Match on GET


@pytest.fixture
def get_with(invoke):
    """GET with headers, through ``invoke`` (a 304 has no JSON body for ``api`` to check)."""
    return lambda headers, name="Chemistry": invoke("GET", "/courses/{name}", course_path(name), headers=headers)


def test_if_match_on_get_with_the_current_etag_or_star_is_200(create, get_with):
    created = create("Chemistry")

    for if_match in (created.headers["etag"], "*"):
        reply = get_with({"If-Match": if_match})
        assert (reply.status, reply.body) == (200, created.body)


@pytest.mark.parametrize(
    "if_match",
    ['"1-1"', 'W/"{etag}"', "garbage", '"ffffffffffffffff-1"'],
    ids=["stale", "weak", "garbage", "after 9999"],
)
def test_if_match_on_get_with_anything_else_is_412(create, get_with, if_match):
    etag = create("Chemistry").headers["etag"]

    reply = get_with({"If-Match": if_match.replace('"{etag}"', etag)})

    assert (reply.status, reply.body) == (412, CHANGED)
    assert "etag" not in reply.headers


def test_if_match_on_get_is_evaluated_before_if_none_match(create, get_with):
    etag = create("Chemistry").headers["etag"]

    assert get_with({"If-Match": '"1-1"', "If-None-Match": etag}).status == 412
    assert get_with({"If-Match": etag, "If-None-Match": etag}).status == 304


def test_if_match_on_get_of_a_missing_course_is_404(table, get_with):
    assert get_with({"If-Match": '"1-1"'}).status == 404
