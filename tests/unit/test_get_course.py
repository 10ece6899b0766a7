"""GET /courses/{name}: 200 with the course and its ETag, 404 when there is none.

Conditional GET: If-None-Match with the course's current ETag (or ``*``) answers 304
with no body and the ETag; anything else answers 200 as without it. If-None-Match compares weakly
(RFC 9110 8.8.3.2): W/"x" matches "x". The ETags come from the service's responses, never spelled
out here, so these tests hold whatever the ETag's format."""

import pytest

from course_service.edge.paths import course_path


def test_get_answers_200_with_the_course_and_its_etag(create, get):
    created = create("Biology", "intermediate")

    reply = get("Biology")

    assert reply.status == 200
    assert reply.body == created.body
    assert reply.headers["etag"] == created.headers["etag"]


def test_get_of_a_missing_course_is_404(create, get):
    create("Biology")

    reply = get("Geology")

    assert reply.status == 404
    assert set(reply.body) == {"message"} and reply.body["message"]
    assert "etag" not in reply.headers


@pytest.fixture
def conditional_get(invoke):
    """GET with If-None-Match, through ``invoke`` (a 304 has no JSON body for ``api`` to check)."""

    def get(name: str, if_none_match: str):
        return invoke("GET", "/courses/{name}", course_path(name), headers={"If-None-Match": if_none_match})

    return get


def assert_not_modified(reply, etag: str) -> None:
    assert reply.status == 304
    assert not reply.raw.get("body")
    assert reply.headers["etag"] == etag
    assert "content-type" not in reply.headers  # no body, so no media type
    assert "content-length" not in reply.headers  # RFC 9110 8.6: only the 200's length, if any


def weak(etag: str) -> str:
    return "W/" + etag


@pytest.mark.parametrize(
    "header",
    [
        lambda etag: etag,
        weak,
        lambda etag: "*",
        lambda etag: f" {etag} ",
        lambda etag: f'"other", {etag}',
        lambda etag: f'W/"other",{weak(etag)}, "more"',
        lambda etag: f'"a,b", {etag}',  # a comma inside a quoted tag does not split it
    ],
    ids=["the ETag", "the weak ETag", "*", "padded", "in a list", "weak, in a list", "after a tag holding a comma"],
)
def test_if_none_match_with_the_current_etag_is_304_with_the_etag_and_no_body(create, conditional_get, header):
    etag = create("Biology").headers["etag"]

    assert_not_modified(conditional_get("Biology", header(etag)), etag)


def test_a_stale_etag_gets_the_course_as_it_is_now(create, put, get, conditional_get):
    old = create("Biology").headers["etag"]
    new = put("Biology", "advanced").headers["etag"]

    reply = conditional_get("Biology", old)

    assert reply.status == 200
    assert reply.body == get("Biology").body and reply.body["level"] == "advanced"
    assert reply.headers["etag"] == new
    assert_not_modified(conditional_get("Biology", new), new)


@pytest.mark.parametrize(
    "header",
    [
        lambda etag: etag.strip('"'),  # unquoted
        lambda etag: etag[:-1],  # unterminated
        lambda etag: '"' + etag + '"',  # quoted twice
        lambda etag: etag[:-1] + 'x"',
        lambda etag: "w/" + etag,  # the weak prefix is case-sensitive
        lambda etag: "W/ " + etag,
        lambda etag: "",
        lambda etag: "**",
        lambda etag: f"*, {etag}",
        lambda etag: "garbage",
        lambda etag: '"' + "x" * 10_000 + '"',
    ],
    ids=[
        "unquoted",
        "unterminated",
        "quoted twice",
        "another tag",
        "w/",
        "W/ space",
        "empty",
        "**",
        "* in a list",
        "garbage",
        "long",
    ],
)
def test_any_other_if_none_match_is_200_as_without_it(create, get, conditional_get, header):
    created = create("Biology")

    reply = conditional_get("Biology", header(created.headers["etag"]))

    assert (reply.status, reply.body, reply.headers["etag"]) == (200, created.body, created.headers["etag"])


def test_if_none_match_on_a_missing_course_is_404(create, conditional_get):
    create("Biology")

    for header in ("*", '"1"', 'W/"1"'):
        reply = conditional_get("Geology", header)
        assert (reply.status, reply.body) == (404, {"message": "Course not found"})


def test_a_conditional_get_is_still_one_getitem(create, conditional_get, dynamodb):
    etag = create("Biology").headers["etag"]
    dynamodb.calls.clear()

    conditional_get("Biology", etag)

    assert dynamodb.operations == ["GetItem"]


def test_if_none_match_on_several_lines_is_the_list_they_make(create, invoke):
    """RFC 9110 5.3: lines of one field combine into one comma-separated list."""
    etag = create("Biology").headers["etag"]
    lines = [("If-None-Match", '"other"'), ("If-None-Match", "W/" + etag)]

    reply = invoke("GET", "/courses/{name}", course_path("Biology"), headers=lines)

    assert_not_modified(reply, etag)
