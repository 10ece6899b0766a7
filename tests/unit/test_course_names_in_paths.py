"""The name in a course's path: percent-encoded by the client, decoded exactly once by the service,
whether API Gateway's pathParameters arrive decoded or still encoded; a path that no course can
have is 404 (the name policy itself: test_course_name_policy.py)."""

import pytest

from course_service.core.errors import CourseNotFound
from course_service.edge.paths import course_name_from_path

# Names holding what URL decoding can get wrong: %, +, =, ;, spaces, non-ASCII, and
# percent-sequences that a second decoding would turn into something else.
TRICKY_NAMES = [
    "100%",
    "%",
    "%41",
    "50%25 off",
    "a%2Fb",
    "%E2%82%AC",
    "a+b",
    "C++",
    "+",
    "x=y",
    "a;b",
    "a b  c",
    "Café",
    "日本語コース",
    "🚀 rockets",
    "Ünïcödé %20 + = ;",
]
PATH_PARAMETERS = pytest.mark.parametrize(
    "decode", [True, False], ids=["pathParameters decoded", "pathParameters encoded"]
)


@PATH_PARAMETERS
@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_tricky_names_round_trip_through_create_get_and_put(create, get, put, name, decode):
    created = create(name, "beginner")
    assert created.body["name"] == name

    read = get(name, decode_path_parameters=decode)
    assert (read.status, read.body) == (200, created.body)

    changed = put(name, "advanced", decode_path_parameters=decode)
    assert (changed.status, changed.body["name"], changed.body["level"]) == (200, name, "advanced")
    assert get(name, decode_path_parameters=decode).body["level"] == "advanced"


@PATH_PARAMETERS
def test_the_path_is_decoded_exactly_once(create, api, stored, decode):
    create("A", "beginner")
    create("%41", "advanced")

    def read(path):
        body = api("GET", "/courses/{name}", path, decode_path_parameters=decode).body
        return body["name"], body["level"]

    assert read("/courses/%2541") == ("%41", "advanced")
    assert read("/courses/%41") == ("A", "beginner")

    reply = api(
        "PUT", "/courses/{name}", "/courses/%2541", body={"level": "intermediate"}, decode_path_parameters=decode
    )
    assert reply.body["name"] == "%41"
    assert {name: item["level"] for name, item in stored().items()} == {"A": "beginner", "%41": "intermediate"}


# Segments that cannot name a course: a slash, bytes that are not UTF-8, surrounding spaces
# (stored names are trimmed), control characters, too long.
IMPOSSIBLE_SEGMENTS = ["a%2Fb", "%2F", "%FF", "%C3", "%20padded", "padded%20", "a%00b", "a%0Ab", "a" * 101]


@PATH_PARAMETERS
@pytest.mark.parametrize("segment", IMPOSSIBLE_SEGMENTS)
def test_get_of_a_path_that_names_no_course_is_404(table, api, segment, decode):
    reply = api("GET", "/courses/{name}", "/courses/" + segment, decode_path_parameters=decode)

    assert reply.status == 404
    assert set(reply.body) == {"message"}


@pytest.mark.parametrize("segment", IMPOSSIBLE_SEGMENTS)
def test_put_to_a_path_that_names_no_course_is_404_and_creates_nothing(api, stored, segment):
    reply = api("PUT", "/courses/{name}", "/courses/" + segment, body={"level": "advanced"})

    assert reply.status == 404
    assert stored() == {}


def test_a_padded_path_does_not_find_the_trimmed_course(create, api):
    create("  Padded  ")

    assert api("GET", "/courses/{name}", "/courses/Padded").status == 200
    assert api("GET", "/courses/{name}", "/courses/%20%20Padded%20%20").status == 404


@pytest.mark.parametrize(
    "segment, name",
    [
        ("Intro", "Intro"),
        ("Intro%20to%20Python", "Intro to Python"),
        ("a+b", "a+b"),  # a path is not a form: + stays +
        ("%2B", "+"),
        ("%41", "A"),
        ("%2541", "%41"),  # decoded once, not twice
        ("a%252Fb", "a%2Fb"),
        ("caf%C3%A9", "café"),
        ("café", "café"),  # already decoded characters pass through
        ("%F0%9F%9A%80", "🚀"),
        ("%3D%3B%25", "=;%"),
        ("a" * 100, "a" * 100),
        ("%C3%A9" * 100, "é" * 100),
    ],
)
def test_course_name_from_path_decodes_once(segment, name):
    assert course_name_from_path(segment) == name


@pytest.mark.parametrize(
    "segment",
    ["", "%20", *IMPOSSIBLE_SEGMENTS, "%C3%A9" * 101, "%7F", "%C2%85", "%E9"],
)
def test_a_path_naming_what_no_course_can_have_is_not_found(segment):
    with pytest.raises(CourseNotFound):
        course_name_from_path(segment)
