"""A header sent on several lines: API Gateway REST passes every line in ``multiValueHeaders`` (and
only the last in ``headers``). The service reads the lines together, as one comma-separated list
(RFC 9110, section 5.3): two ``If-Match`` lines are a list, which never matches (412, or 404 when
there is no course); two ``Content-Type`` lines are not one media type (415)."""

import copy

import pytest

from localdev import template
from localdev.runtime import LambdaContext, api_event

UPDATE = ("PUT", "/courses/{name}")


OTHER_ETAG = '"1-1"'  # the form this service issues, naming no course


@pytest.fixture
def physics(create) -> str:
    """Creates the course "Physics"; returns its ETag."""
    return create("Physics", "beginner").headers["etag"]


def put_with_lines(api, lines, name="Physics"):
    return api(*UPDATE, f"/courses/{name}", body={"level": "advanced"}, headers=lines)


TWO_LINES = {
    "same ETag twice": lambda etag: [("If-Match", etag), ("If-Match", etag)],
    "last matches": lambda etag: [("If-Match", OTHER_ETAG), ("If-Match", etag)],  # the last line does not win
    "first matches": lambda etag: [("If-Match", etag), ("If-Match", OTHER_ETAG)],
    "two spellings": lambda etag: [("If-Match", etag), ("if-match", etag)],  # still one header
    "star twice": lambda etag: [("If-Match", "*"), ("If-Match", "*")],
    "one empty": lambda etag: [("If-Match", etag), ("If-Match", "")],
}


@pytest.mark.parametrize("make_lines", TWO_LINES.values(), ids=TWO_LINES.keys())
def test_if_match_on_two_lines_never_matches_412_and_nothing_changes(api, physics, stored, make_lines):
    before = stored()

    reply = put_with_lines(api, make_lines(physics))

    assert reply.status == 412
    assert set(reply.body) == {"message"}
    assert stored() == before


@pytest.mark.parametrize("make_lines", TWO_LINES.values(), ids=TWO_LINES.keys())
def test_delete_with_if_match_on_two_lines_is_412_and_deletes_nothing(api, physics, stored, make_lines):
    before = stored()

    reply = api("DELETE", "/courses/{name}", "/courses/Physics", headers=make_lines(physics))

    assert reply.status == 412
    assert stored() == before


def test_if_match_on_two_lines_for_a_missing_course_is_404(api, physics, stored):
    before = stored()

    reply = put_with_lines(api, [("If-Match", physics), ("If-Match", physics)], name="Ghost")

    assert reply.status == 404
    assert stored() == before


def test_if_match_as_a_list_on_one_line_never_matches_either(api, physics, stored):
    before = stored()

    assert put_with_lines(api, [("If-Match", f"{physics}, {physics}")]).status == 412
    assert stored() == before


def test_if_match_on_one_line_among_other_repeated_headers_still_matches(api, physics):
    lines = [("Accept", "application/json"), ("Accept", "text/plain"), ("If-Match", physics)]

    reply = put_with_lines(api, lines)

    assert (reply.status, reply.body["level"]) == (200, "advanced")
    assert reply.headers["etag"] != physics


@pytest.mark.parametrize(
    "lines",
    [
        [("Content-Type", "application/json"), ("Content-Type", "application/json")],
        [("Content-Type", "text/plain"), ("Content-Type", "application/json")],
        [("Content-Type", "application/json"), ("content-type", "text/plain")],
    ],
    ids=["same type twice", "last is JSON", "first is JSON"],
)
def test_content_type_on_two_lines_is_415_and_writes_nothing(api, table, stored, lines):
    reply = api("POST", "/courses", body={"name": "Intro", "level": "beginner"}, headers=lines)

    assert reply.status == 415
    assert stored() == {}


def invoke_raw(handlers, event):
    route = template.route(*UPDATE)
    return handlers[route.function](event, LambdaContext(function_name=route.function))


def test_an_event_with_only_single_value_headers_is_read_as_well(handlers, physics, get):
    """API Gateway REST sends both fields; a hand-made event may carry only ``headers``."""
    event = api_event(
        *UPDATE[:1],
        "/courses/Physics",
        route=template.route(*UPDATE),
        body='{"level": "advanced"}',
        headers={"Content-Type": "application/json", "If-Match": physics},
    )
    event["multiValueHeaders"] = None

    reply = invoke_raw(handlers, event)

    assert reply["statusCode"] == 200
    assert get("Physics").body["level"] == "advanced"


def test_multi_value_headers_win_over_the_single_value_field(handlers, physics, stored):
    """Where the two disagree, ``multiValueHeaders`` holds every line as received."""
    before = stored()
    event = api_event(
        *UPDATE[:1],
        "/courses/Physics",
        route=template.route(*UPDATE),
        body='{"level": "advanced"}',
        headers=[("Content-Type", "application/json"), ("If-Match", physics), ("If-Match", physics)],
    )
    assert event["headers"]["If-Match"] == physics  # the last line only, as API Gateway sends it

    reply = invoke_raw(handlers, event)

    assert reply["statusCode"] == 412
    assert stored() == before


def test_api_event_shapes_repeated_lines_as_api_gateway_does():
    event = api_event("PUT", "/courses/x", headers=[("If-Match", '"1"'), ("Accept", "a"), ("if-match", '"2"')])

    assert event["multiValueHeaders"] == {"If-Match": ['"1"', '"2"'], "Accept": ["a"]}
    assert event["headers"] == {"If-Match": '"2"', "Accept": "a"}


def test_the_event_lambda_passes_in_is_left_as_it_came(handlers, physics):
    """The service reads the event and builds what Powertools reads beside it: the caller's event,
    headers included, is unchanged (Lambda may reuse it; a test or a wrapper may read it after)."""
    event = api_event(
        *UPDATE[:1],
        "/courses/Physics",
        route=template.route(*UPDATE),
        body='{"level": "advanced"}',
        headers=[("content-type", "Application/JSON"), ("If-Match", physics), ("If-Match", physics)],
    )
    before = copy.deepcopy(event)

    reply = invoke_raw(handlers, event)

    assert reply["statusCode"] == 412
    assert event == before
