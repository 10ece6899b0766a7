"""PUT /courses/{name}: 200 with the new level, a new ETag, updated_at advanced and created_at kept;
404 on a missing course (PUT never creates); If-Match makes it conditional (412 when stale);
without If-Match the last write wins."""

import pytest
from unit_support import COURSE_FIELDS, timestamp

from course_service.api import UNMATCHABLE_VERSION, expected_version


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


@pytest.mark.parametrize("if_match", [None, '"1"', "*"])
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


@pytest.mark.parametrize(
    "if_match, version",
    [
        (None, None),  # no If-Match: any current course
        ("*", None),
        (" * ", None),
        ('"1"', 1),
        ('"42"', 42),
        (' "7" ', 7),
    ],
)
def test_expected_version_of_a_usable_if_match(if_match, version):
    assert expected_version(if_match) == version


@pytest.mark.parametrize(
    "if_match",
    [
        'W/"1"',
        '"1", "2"',
        "1",
        '""',
        '"',
        '"abc"',
        '"-1"',
        '"1.0"',
        '"*"',
        "",
        '"01"',  # not an ETag this service issues: strong comparison is character by character
        '"\u00b2"',  # SUPERSCRIPT TWO: str.isdigit() says yes, int() says no
        '"\u0661"',  # ARABIC-INDIC DIGIT ONE: str.isdigit() says yes, int() makes it 1
    ],
)
def test_expected_version_of_an_if_match_that_can_never_match(if_match):
    assert expected_version(if_match) == UNMATCHABLE_VERSION
