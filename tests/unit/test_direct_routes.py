"""GET and DELETE of one course answer without Powertools' resolver (course_service.edge.direct)
exactly as they answer through it.

Each function's openapi.py declares its route on the resolver, as the other course routes are
declared; here the same request, against the same table, goes through that declaration
(``lambda_entry_for``) and through the function's handler, and the two answers must be the same
dictionary (status, body text, headers and their order-free values), with the same log lines and
metrics. Requests are generated (hypothesis): names that exist and do not, segments with every kind
of character Powertools' route lets through or not, other methods, conditional headers that match,
do not, or are malformed, a body where none is read, and DynamoDB failing.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from course_service.core.courses import Course
from course_service.core.schemas import CourseResponse
from course_service.edge.answers import course_body
from course_service.edge.paths import course_path
from course_service.entry import lambda_entry_for
from localdev import template
from localdev.runtime import LambdaContext, api_event, load_module
from tests.unit.support import PERMANENT_ERRORS, TRANSIENT_ERRORS, plain_response, restorer

SEEDED = ("Databases", "Café au lait", 'Say "hi"', "a b", "100% <real> [x] {y} |^", "ünïcödé")
WRITES = ("GetItem", "PutItem", "UpdateItem", "DeleteItem")
FAULTS = {**TRANSIENT_ERRORS, **PERMANENT_ERRORS}
OFFSETS = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=9, minutes=59, seconds=1))]


def _segments() -> st.SearchStrategy[str]:
    encoded = st.sampled_from([course_path(name).removeprefix("/courses/") for name in SEEDED])
    raw = st.text(
        alphabet=st.sampled_from("aZ09-._~()'!*:@,;=+&$%<> []{}|^\"#/\\?`é\n\t\x00\u200b"), min_size=0, max_size=10
    )
    odd = st.sampled_from(["%2F", "..", ".", "%2E%2E", "%ZZ", "a%00b", "x\n", "a/b", "%E9", "%C3%A9", "%20a%20"])
    return st.one_of(encoded, raw, odd)


def _conditions(etags: list[str]) -> st.SearchStrategy[str | None]:
    known = st.sampled_from(etags) if etags else st.nothing()
    fixed = st.sampled_from([None, "*", '"stale-1"', 'W/"x"', "garbage", "", '"a", *', " * "])
    return st.one_of(fixed, known, st.lists(known, min_size=2, max_size=3).map(", ".join), st.text(max_size=8))


@pytest.fixture
def seeded(table, api):
    """The table with SEEDED, and a way to put it back as it was, item for item."""
    for name in SEEDED:
        assert api("POST", "/courses", body={"name": name, "level": "beginner"}).status == 201
    restore = restorer(table)
    etags = [api("GET", "/courses/{name}", course_path(name)).headers["etag"] for name in SEEDED]

    return restore, etags


def _reference(method: str) -> Callable:
    """The function's route as openapi.py declares it, on Powertools' resolver, as a Lambda entry point."""
    route = template.route(method, "/courses/{name}")
    return lambda_entry_for(load_module(route.code_uri, "openapi.app").app)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_the_direct_handler_answers_as_the_resolver_would(method, seeded, handlers, answered_both_ways):
    restore, etags = seeded
    both = answered_both_ways(restore)
    reference = _reference(method)
    direct = handlers[template.route(method, "/courses/{name}").function]

    # Derandomized: the same examples at every run, so that a run fails only for a real difference.
    @settings(
        max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        segment=_segments(),
        verb=st.sampled_from([method, method.lower(), "POST", "PUT", "GET" if method == "DELETE" else "DELETE"]),
        if_match=_conditions(etags),
        if_none_match=_conditions(etags),
        body=st.one_of(st.none(), st.sampled_from(["", "{}", "[1]", "not json"])),
        fault=st.sampled_from([None, *FAULTS]),
    )
    # Found by the generated requests once, kept: trailing slashes (the REST resolver allows any
    # number), an empty segment, a newline before the end ("$" matches there), a slash inside.
    @example(segment="0/", verb=method, if_match=None, if_none_match=None, body=None, fault=None)
    @example(segment="Databases//", verb=method, if_match=None, if_none_match=None, body=None, fault=None)
    @example(segment="", verb=method, if_match=None, if_none_match=None, body=None, fault=None)
    @example(segment="Databases\n", verb=method, if_match=None, if_none_match=None, body=None, fault=None)
    @example(segment="a/b", verb=method, if_match=None, if_none_match=None, body=None, fault=None)
    @example(segment="Databases", verb=method, if_match=None, if_none_match="*", body=None, fault=None)  # 304 on GET
    def same_answer(segment, verb, if_match, if_none_match, body, fault):
        headers = [(name, value) for name, value in (("If-Match", if_match), ("If-None-Match", if_none_match)) if value]
        fault_of = None if fault is None else FAULTS[fault]
        both(reference, direct, api_event(verb, "/courses/" + segment, headers=headers, body=body), fault_of, WRITES)

    same_answer()


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize(
    "malformed",
    [{"path": None}, {"path": 5}, {"path": None, "httpMethod": "POST"}, {"httpMethod": "POST"}, {}],
    ids=["path None", "path a number", "path None, another method", "no path, another method", "no path"],
)
def test_an_event_api_gateway_would_not_build_fails_as_through_the_resolver(method, malformed, seeded, handlers):
    """No path, or a path that is not text, whatever the method: the same bare 500 either way."""
    event = {**api_event(method, "/courses/Databases"), **malformed}
    if "path" not in malformed:
        del event["path"]
    direct = handlers[template.route(method, "/courses/{name}").function]

    answers = [plain_response(handler(dict(event), LambdaContext())) for handler in (_reference(method), direct)]

    assert answers[1] == answers[0] and answers[0]["statusCode"] == 500


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    name=st.text(min_size=1, max_size=20),
    level=st.sampled_from(["beginner", "intermediate", "advanced"]),
    # Fixed offsets: a local time in a DST fold compares unequal to every other zone's (PEP 495).
    created=st.datetimes(timezones=st.sampled_from(OFFSETS)),
    updated=st.datetimes(timezones=st.sampled_from(OFFSETS)),
)
@example(name="x", level="beginner", created=datetime(999, 5, 1, tzinfo=UTC), updated=datetime(1, 1, 2, tzinfo=UTC))
def test_a_course_body_is_what_the_response_schema_makes_of_it(name, level, created, updated):
    """answers.course_body (no Pydantic) writes a course as schemas.CourseResponse does, and its
    timestamps read back as the same moments (a year before 1000 too: four digits)."""
    course = Course(name, level, created, updated, version=1)
    schema = CourseResponse(name=name, level=level, created_at=created, updated_at=updated)
    body = course_body(course)

    assert json.dumps(body) == json.dumps(schema.model_dump(mode="json"))
    assert [datetime.fromisoformat(body[key]) for key in ("created_at", "updated_at")] == [created, updated]


def test_neither_route_loads_the_event_handler_or_pydantic():
    """What the direct path is for: the functions' imports leave out Powertools' event handler and
    Pydantic, as health's do (docs/PERFORMANCE.md)."""
    import subprocess
    import sys

    from tests.root import ROOT

    probe = (
        "import json, sys; from pathlib import Path; from localdev.runtime import load_handler; "
        "[load_handler(Path(p), 'app.lambda_handler') for p in sys.argv[1:]]; print(json.dumps(sorted(sys.modules)))"
    )
    code_uris = [str(template.route(method, "/courses/{name}").code_uri) for method in ("GET", "DELETE")]
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", probe, *code_uris], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    )
    assert not [name for name in loaded if name.startswith(("aws_lambda_powertools.event_handler", "pydantic"))]
