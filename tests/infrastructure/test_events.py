"""Every file in events/ (the `sam local invoke <LogicalId> -e events/<file>` samples) fed to its
function's handler, in order against one moto table, with the status it must give."""

import json
import re
from urllib.parse import quote, unquote

import pytest

from course_service.edge.paths import course_path
from localdev import template
from localdev.runtime import LambdaContext
from tests.root import ROOT

EVENTS_DIR = ROOT / "events"

# Every event file: the function it is for (template logical id) and the status it gives, in the
# order the test sends them: the misses first, then the create, then what needs the course.
EVENTS = [
    ("health.json", "HealthFunction", 200),
    ("get_course_missing.json", "GetCourseFunction", 404),
    ("update_course_missing.json", "UpdateCourseFunction", 404),
    ("create_course.json", "CreateCourseFunction", 201),
    ("create_course_duplicate.json", "CreateCourseFunction", 409),
    ("create_course_keyed.json", "CreateCourseFunction", 201),  # with an Idempotency-Key
    ("create_course_keyed_replay.json", "CreateCourseFunction", 201),  # the same key and body: replayed
    ("create_course_invalid.json", "CreateCourseFunction", 422),
    ("create_course_malformed_json.json", "CreateCourseFunction", 422),
    # Arrays 1,000 deep: past the nesting read on every Python (Python 3.11 alone could not parse it).
    ("create_course_nested_too_deep.json", "CreateCourseFunction", 422),
    ("create_course_wrong_content_type.json", "CreateCourseFunction", 415),
    ("get_course.json", "GetCourseFunction", 200),
    ("get_course_not_modified.json", "GetCourseFunction", 304),  # If-None-Match: *
    ("list_courses.json", "ListCoursesFunction", 200),
    ("list_courses_level.json", "ListCoursesFunction", 200),
    ("list_courses_next_page.json", "ListCoursesFunction", 200),  # a cursor: after "Biology"
    ("list_courses_bad_cursor.json", "ListCoursesFunction", 422),  # a raw DynamoDB key
    ("list_courses_invalid_limit.json", "ListCoursesFunction", 422),
    # A file cannot hold an ETag issued at run time (it names the creation time): "*" is the If-Match
    # that matches; the stale ones hold ETags no course can have.
    ("update_course_if_match.json", "UpdateCourseFunction", 200),
    # If-Match on two lines, both "*": a list, which never matches.
    ("update_course_if_match_repeated.json", "UpdateCourseFunction", 412),
    ("update_course_if_match_stale.json", "UpdateCourseFunction", 412),
    ("update_course.json", "UpdateCourseFunction", 200),
    ("update_course_invalid.json", "UpdateCourseFunction", 422),
    ("delete_course_if_match_stale.json", "DeleteCourseFunction", 412),
    ("delete_course.json", "DeleteCourseFunction", 204),
    ("delete_course_missing.json", "DeleteCourseFunction", 404),
]
FILES = [file for file, _, _ in EVENTS]
ROUTES_OF = {
    function: [route for route in template.routes() if route.function == function] for _, function, _ in EVENTS
}


def load(file: str) -> dict:
    return json.loads((EVENTS_DIR / file).read_text(encoding="utf-8"))


def test_every_event_file_has_its_function_and_status_in_the_table():
    on_disk = sorted(path.name for path in EVENTS_DIR.glob("*.json"))

    assert on_disk == sorted(FILES), "events/ and EVENTS must list the same files"
    assert len(set(FILES)) == len(FILES), "a file is listed twice"


def test_each_event_file_is_named_after_its_function():
    """docs/LOCAL.md's rule for `sam local invoke`: a file goes to the function its name starts with."""
    for file, function, _ in EVENTS:
        assert file.startswith(re.sub(r"(?<!^)([A-Z])", r"_\1", function.removesuffix("Function")).lower()), file


@pytest.mark.parametrize("file, function", [(file, function) for file, function, _ in EVENTS])
def test_event_is_what_api_gateway_sends_for_its_functions_route(file, function):
    event = load(file)
    [route] = [r for r in ROUTES_OF[function] if r.method == event["httpMethod"] and r.resource == event["resource"]]
    context = event["requestContext"]

    # path: percent-encoded, on the route's resource; requestContext agrees with it.
    assert quote(unquote(event["path"]), safe="/") == event["path"]
    params = route.match(event["path"])
    assert params is not None
    assert (context["resourcePath"], context["httpMethod"]) == (route.resource, route.method)
    assert context["path"] == f"/{context['stage']}{event['path']}"
    assert context["requestId"] and context["identity"]["sourceIp"]
    # pathParameters: the segment, decoded (as API Gateway is reported to send it) or not.
    if params:
        assert event["pathParameters"] in ({k: unquote(v) for k, v in params.items()}, params)
    else:
        assert event["pathParameters"] is None
    # Every line of a header in multiValueHeaders; its last in headers (AWS's documented sample).
    assert {k: v[-1] for k, v in event["multiValueHeaders"].items()} == event["headers"]
    query = event["queryStringParameters"]
    assert event["multiValueQueryStringParameters"] == ({k: [v] for k, v in query.items()} if query else None)
    assert event["isBase64Encoded"] is False
    assert event["body"] is None or isinstance(event["body"], str)


def test_get_and_update_events_address_the_course_create_course_json_creates():
    name = json.loads(load("create_course.json")["body"])["name"]
    assert json.loads(load("create_course_duplicate.json")["body"])["name"] == name
    assert not name.isascii() and " " in name, "the name should need percent-encoding"

    for file in FILES:
        if file.startswith(("get_course", "update_course", "delete_course")) and "missing" not in file:
            assert load(file)["path"] == course_path(name), file


def test_events_give_their_statuses_in_order(table, handlers):
    statuses, pages = [], {}
    for file, function, _ in EVENTS:
        reply = handlers[function](load(file), LambdaContext(function_name=function))
        statuses.append((file, reply["statusCode"]))
        headers = {
            **(reply.get("multiValueHeaders") or {}),
            **{k: [v] for k, v in (reply.get("headers") or {}).items()},
        }
        if reply["statusCode"] == 204:
            assert not reply.get("body") and "Content-Type" not in headers, file
            continue
        if reply["statusCode"] == 304:
            assert not reply["body"] and headers["ETag"], file
            continue
        assert headers["Content-Type"] == ["application/json"], file
        assert isinstance(json.loads(reply["body"]), dict), file
        if file.startswith("list_courses") and reply["statusCode"] == 200:
            pages[file] = [item["name"] for item in json.loads(reply["body"])["items"]]

    assert statuses == [(file, status) for file, _, status in EVENTS]
    created = json.loads(load("create_course.json")["body"])["name"]  # a beginner course
    keyed = json.loads(load("create_course_keyed.json")["body"])["name"]  # an intermediate one
    assert pages == {
        "list_courses.json": [created, keyed],
        "list_courses_level.json": [created],
        "list_courses_next_page.json": [created, keyed],
    }


def test_the_keyed_replay_is_the_same_request_and_answers_the_first_response(table, handlers):
    first, again = load("create_course_keyed.json"), load("create_course_keyed_replay.json")
    assert (first["headers"]["Idempotency-Key"], first["body"]) == (again["headers"]["Idempotency-Key"], again["body"])
    assert first["requestContext"]["requestId"] != again["requestContext"]["requestId"]  # two requests

    created, replayed = (
        handlers["CreateCourseFunction"](event, LambdaContext(function_name="CreateCourseFunction"))
        for event in (first, again)
    )

    assert created["statusCode"] == replayed["statusCode"] == 201
    assert replayed["body"] == created["body"]
    assert replayed["multiValueHeaders"] == created["multiValueHeaders"]  # Location and ETag among them
    assert {"Location", "ETag"} <= set(created["multiValueHeaders"])
