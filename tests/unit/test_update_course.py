"""PUT /courses/{name}: 200 with the new level, a new ETag, updated_at advanced and created_at kept;
404 on a missing course (PUT never creates); If-Match makes it conditional (412 when stale);
without If-Match the last write wins."""

from datetime import UTC, datetime

import pytest

from course_service.common.preconditions import Revision
from course_service.core.courses import Course
from course_service.edge.conditional import UNMATCHABLE, etag, expected_revision
from tests.unit.support import COURSE_FIELDS, timestamp

CREATED = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def test_put_answers_200_with_the_updated_course_and_a_new_etag(create, put, get, clock):
    created = create("Physics", "beginner")

    reply = put("Physics", "advanced")

    assert reply.status == 200
    assert set(reply.body) == COURSE_FIELDS
    assert (reply.body["name"], reply.body["level"]) == ("Physics", "advanced")
    assert reply.body["created_at"] == created.body["created_at"]
    assert timestamp(reply.body["updated_at"]) == clock[1] > clock[0] == timestamp(created.body["updated_at"])
    assert reply.headers["etag"] != created.headers["etag"]
    read = get("Physics")
    assert (read.body, read.headers["etag"]) == (reply.body, reply.headers["etag"])


def test_every_put_gives_a_new_etag_and_a_later_updated_at(create, put, clock):
    created = create("Physics", "beginner")
    replies = [put("Physics", level) for level in ("advanced", "intermediate", "intermediate")]

    etags = [reply.headers["etag"] for reply in [created, *replies]]
    assert len(set(etags)) == len(etags), etags
    assert [timestamp(reply.body["updated_at"]) for reply in replies] == clock[1:]
    assert {reply.body["created_at"] for reply in replies} == {created.body["created_at"]}


@pytest.mark.parametrize("if_match", [None, '"18f3b2f1a2b-1"', "*"])
def test_put_on_a_missing_course_is_404_and_creates_nothing(create, put, stored, if_match):
    create("Physics")

    reply = put("Ghost", "advanced", if_match)

    assert reply.status == 404
    assert set(reply.body) == {"message"} and reply.body["message"]
    assert list(stored()) == ["Physics"]


@pytest.mark.parametrize("header", ["If-Match", "if-match", "IF-MATCH"])
def test_if_match_with_the_current_etag_succeeds(create, api, header):
    etag = create("Physics", "beginner").headers["etag"]

    reply = api("PUT", "/courses/{name}", "/courses/Physics", body={"level": "advanced"}, headers={header: etag})

    assert (reply.status, reply.body["level"]) == (200, "advanced")
    assert reply.headers["etag"] != etag


def test_if_match_star_matches_any_current_course(create, put):
    create("Physics", "beginner")
    put("Physics", "intermediate")

    reply = put("Physics", "advanced", if_match="*")

    assert (reply.status, reply.body["level"]) == (200, "advanced")


@pytest.mark.parametrize("conditional", [False, True], ids=["changed by a plain PUT", "changed by an If-Match PUT"])
def test_a_stale_if_match_gives_412_and_changes_nothing(create, put, get, conditional):
    old_etag = create("Physics", "beginner").headers["etag"]
    changed = put("Physics", "intermediate", if_match=old_etag if conditional else None)
    assert changed.status == 200
    before = get("Physics")

    reply = put("Physics", "advanced", if_match=old_etag)

    assert reply.status == 412
    assert set(reply.body) == {"message"} and reply.body["message"]
    after = get("Physics")
    assert (after.body, after.headers["etag"]) == (before.body, before.headers["etag"])
    assert after.body["level"] == "intermediate"


# If-Match values that must never match, built from the course's current ETag.
UNMATCHABLE_IF_MATCH = {
    "weak form of the current ETag": lambda etag: f"W/{etag}",
    "the current ETag unquoted": lambda etag: etag.strip('"'),
    "another ETag": lambda etag: '"999"',
    "the version alone, as ETags were once": lambda etag: '"1"',
    "another incarnation": lambda etag: '"1' + etag[1:],
    "upper-case hex": lambda etag: etag.upper(),
    "empty ETag": lambda etag: '""',
    "garbage": lambda etag: "garbage",
    "quoted garbage": lambda etag: '"abc"',
    "negative": lambda etag: '"-1"',
    "leading zero": lambda etag: '"0' + etag[1:],
    "superscript digit": lambda etag: '"\u00b2"',
}


@pytest.mark.parametrize("make_if_match", UNMATCHABLE_IF_MATCH.values(), ids=UNMATCHABLE_IF_MATCH.keys())
def test_a_weak_or_garbage_if_match_gives_412_and_changes_nothing(create, put, get, make_if_match):
    created = create("Physics", "beginner")

    reply = put("Physics", "advanced", if_match=make_if_match(created.headers["etag"]))

    assert reply.status == 412
    after = get("Physics")
    assert (after.body, after.headers["etag"]) == (created.body, created.headers["etag"])


def test_without_if_match_the_last_write_wins(create, put, get):
    create("Physics", "beginner")

    first = put("Physics", "advanced")
    second = put("Physics", "intermediate")

    assert (first.status, second.status) == (200, 200)
    assert get("Physics").body["level"] == "intermediate"


def test_an_etag_names_the_revision_it_was_issued_for():
    course = Course("Physics", "beginner", CREATED, CREATED, version=7)

    assert expected_revision(etag(course)) == Revision(CREATED, 7)
    assert expected_revision(f" {etag(course)} ") == Revision(CREATED, 7)


@pytest.mark.parametrize("if_match", [None, "*", " * "])
def test_no_if_match_or_a_star_asks_for_any_current_course(if_match):
    assert expected_revision(if_match) is None


@pytest.mark.parametrize(
    "if_match",
    [
        'W/"18f3b2f1a2b-1"',
        '"18f3b2f1a2b-1", "18f3b2f1a2b-2"',
        "18f3b2f1a2b-1",
        '"1"',
        '""',
        '"',
        '"abc"',
        '"18f3b2f1a2b--1"',
        '"18f3b2f1a2b-1.0"',
        '"*"',
        "",
        '"018f3b2f1a2b-1"',  # not an ETag this service issues: strong comparison is character by character
        '"18f3b2f1a2b-01"',
        '"18F3B2F1A2B-1"',
        '"18f3b2f1a2b-0"',
        '"18f3b2f1a2b-\u00b2"',  # SUPERSCRIPT TWO: str.isdigit() says yes, int() says no
        '"18f3b2f1a2b-\u0661"',  # ARABIC-INDIC DIGIT ONE: str.isdigit() says yes, int() makes it 1
        '"11111111111111111-1"',  # more microseconds than any date a course can have
    ],
)
def test_expected_revision_of_an_if_match_that_can_never_match(if_match):
    assert expected_revision(if_match) == UNMATCHABLE


def test_a_stale_if_match_is_412_saying_the_course_has_changed_since_the_given_etag(create, put):
    etag = create("Physics", "beginner").headers["etag"]
    put("Physics", "intermediate")

    reply = put("Physics", "advanced", if_match=etag)

    assert (reply.status, reply.body) == (412, {"message": "The course has changed since the given ETag"})


def test_put_on_a_missing_course_is_404_saying_course_not_found(table, put):
    reply = put("Nope", "advanced")

    assert (reply.status, reply.body) == (404, {"message": "Course not found"})
