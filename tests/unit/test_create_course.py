"""POST /courses: 201 with the course, Location and ETag; the name and level rules; 409 on a taken name."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from course_service.core import write_decisions
from course_service.core.names import json_timestamp
from tests.unit.support import COURSE_FIELDS, LEVELS, timestamp

STRONG_ETAG = re.compile(r'^"[^"]*"$')


def test_create_answers_201_with_exactly_the_course(api, table, clock):
    reply = api("POST", "/courses", body={"name": "Intro to Python", "level": "beginner"})

    assert reply.status == 201
    assert set(reply.body) == COURSE_FIELDS
    assert reply.body["name"] == "Intro to Python"
    assert reply.body["level"] == "beginner"
    assert timestamp(reply.body["created_at"]) == timestamp(reply.body["updated_at"]) == clock[0]


def test_create_answers_timestamps_in_iso_8601_utc(create):
    body = create("Timestamps").body

    for field in ("created_at", "updated_at"):
        moment = timestamp(body[field])
        assert moment.utcoffset() == timedelta(0), body[field]
        assert body[field].endswith(("Z", "+00:00")), body[field]


def test_create_answers_a_strong_etag_that_get_also_answers(create, get):
    etag = create("Tagged").headers["etag"]

    assert STRONG_ETAG.match(etag), etag
    assert get("Tagged").headers["etag"] == etag


@pytest.mark.parametrize(
    "name, location",
    [
        ("Intro", "/courses/Intro"),
        ("Intro to Python", "/courses/Intro%20to%20Python"),
        ("C++ & Go", "/courses/C%2B%2B%20%26%20Go"),
        ("100% fun", "/courses/100%25%20fun"),
        ("a=b;c", "/courses/a%3Db%3Bc"),
        ("Café", "/courses/Caf%C3%A9"),
        ("日本語", "/courses/%E6%97%A5%E6%9C%AC%E8%AA%9E"),
        ("%41", "/courses/%2541"),
        ("?#", "/courses/%3F%23"),
    ],
)
def test_location_resolves_to_the_percent_encoded_path_of_the_course(create, api, name, location):
    assert urljoin("/courses", create(name).headers["location"]) == location
    read = api("GET", "/courses/{name}", location)
    assert (read.status, read.body["name"]) == (200, name)


def test_create_stores_the_course(create, stored):
    create("Stored", "advanced")

    assert list(stored()) == ["Stored"]
    assert stored()["Stored"]["level"] == "advanced"


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("  Intro to Python  ", "Intro to Python"),
        ("\tTabs\n", "Tabs"),
        ("\u00a0No-break\u3000", "No-break"),
        (" inner  spaces stay ", "inner  spaces stay"),
    ],
)
def test_surrounding_whitespace_is_trimmed(create, get, stored, sent, kept):
    reply = create(sent)

    assert reply.body["name"] == kept
    assert list(stored()) == [kept]
    assert get(kept).status == 200


@pytest.mark.parametrize(
    "name",
    [
        "x",
        "a" * 100,
        " " + "a" * 100 + " ",  # 100 once trimmed
        "é" * 100,
        "日" * 100,
        "%+=; ~!*'()\\\"",
    ],
    ids=["1 char", "100 chars", "100 after trimming", "100 accented", "100 CJK", "punctuation"],
)
def test_names_of_1_to_100_characters_are_accepted(create, name):
    assert create(name).body["name"] == name.strip()


@pytest.mark.parametrize(
    "name",
    ["", "   ", "a" * 101, "a/b", "/", "a\x00b", "a\nb", "a\x1fb", "a\x7fb", "a\x85b", "a\x9fb"],
    ids=["empty", "only spaces", "101 chars", "slash", "only slash", "NUL", "LF", "US", "DEL", "NEL", "APC"],
)
def test_an_empty_too_long_slashed_or_control_character_name_is_422_and_writes_nothing(api, stored, name):
    reply = api("POST", "/courses", body={"name": name, "level": "beginner"})

    assert reply.status == 422
    assert ["body", "name"] in [item["loc"] for item in reply.body["detail"]]
    assert stored() == {}


@pytest.mark.parametrize("level", LEVELS)
def test_each_level_is_accepted(create, level):
    assert create(f"{level} course", level).body["level"] == level


@pytest.mark.parametrize("level", ["Beginner", "BEGINNER", " beginner", "beginner ", "expert", "", "begin"])
def test_levels_are_exact_and_lowercase(api, stored, level):
    reply = api("POST", "/courses", body={"name": "Levels", "level": level})

    assert reply.status == 422
    assert [item["loc"] for item in reply.body["detail"]] == [["body", "level"]]
    assert stored() == {}


def test_names_are_case_sensitive(create, get):
    create("Python", "beginner")
    create("python", "advanced")

    assert get("Python").body["level"] == "beginner"
    assert get("python").body["level"] == "advanced"


@pytest.mark.parametrize("again", ["Chemistry", "  Chemistry ", "Chemistry\t"])
def test_a_taken_name_gives_409_and_leaves_the_stored_course_unchanged(create, api, get, stored, clock, again):
    first = create("Chemistry", "beginner")

    reply = api("POST", "/courses", body={"name": again, "level": "advanced"})

    assert reply.status == 409
    assert isinstance(reply.body["message"], str) and reply.body["message"]
    after = get("Chemistry")
    assert after.body == first.body
    assert after.body["level"] == "beginner"
    assert timestamp(after.body["created_at"]) == timestamp(after.body["updated_at"]) == clock[0]
    assert after.headers["etag"] == first.headers["etag"]
    assert list(stored()) == ["Chemistry"]


@pytest.mark.parametrize(
    "created_at",
    [
        "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/courses",  # the stage's own URL
        "https://api.example.com/catalogue/courses",  # a custom domain with a base path
        "http://127.0.0.1:3000/courses",  # make run
    ],
)
def test_location_resolves_under_the_stage_or_base_path_the_create_was_sent_to(create, created_at):
    location = create("Chemistry").headers["location"]

    assert urljoin(created_at, location) == created_at + "/Chemistry"


def test_non_ascii_characters_are_escaped_so_every_body_is_ascii(api, table, get):
    name = "Café 日本語 🚀"
    created = api("POST", "/courses", body={"name": name, "level": "beginner"})

    for reply in (created, get(name)):
        assert reply.raw["body"].isascii(), reply.raw["body"]
        assert reply.body["name"] == name


def test_a_taken_name_is_409_saying_a_course_with_this_name_already_exists(create, api):
    create("Intro to Python")

    reply = api("POST", "/courses", body={"name": "Intro to Python", "level": "advanced"})

    assert (reply.status, reply.body) == (409, {"message": "A course with this name already exists"})


def test_timestamps_are_utc_to_the_microsecond(api, table, monkeypatch):
    monkeypatch.setattr(write_decisions, "now", lambda: datetime(2026, 11, 27, 14, 30, 0, 123456, tzinfo=UTC))

    reply = api("POST", "/courses", body={"name": "Intro to Python", "level": "beginner"})

    assert reply.body["created_at"] == reply.body["updated_at"] == "2026-11-27T14:30:00.123456Z"


def test_a_time_on_a_whole_second_still_has_its_six_fractional_digits(api, table, monkeypatch):
    monkeypatch.setattr(write_decisions, "now", lambda: datetime(2026, 11, 27, 14, 30, 0, 0, tzinfo=UTC))

    reply = api("POST", "/courses", body={"name": "On the second", "level": "beginner"})

    assert reply.body["created_at"] == reply.body["updated_at"] == "2026-11-27T14:30:00.000000Z"


@settings(max_examples=500, deadline=None)
@given(moment=st.datetimes(timezones=st.just(UTC) | st.timezones()))
@example(moment=datetime(1, 1, 1, tzinfo=UTC))
@example(moment=datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
@example(moment=datetime(2026, 11, 27, 14, 30, tzinfo=UTC))
def test_every_timestamp_is_written_as_isoformat_writes_it_in_utc(moment):
    """names.json_timestamp writes the fields itself (faster): the same text as isoformat's."""
    assume(moment.astimezone(UTC).year >= 1)  # an aware time that is before year 1 in UTC has no UTC form

    assert json_timestamp(moment) == moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
