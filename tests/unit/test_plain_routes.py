"""POST /courses, PUT /courses/{name} and GET /courses answer without Powertools' resolver exactly as
they answer through it (course_service.edge.direct, course_service.edge.plain_requests).

Each function's openapi.py declares its route on the resolver; its app.py answers the requests whose
body, query and Idempotency-Key that validation would take as they are, and hands every other one to
openapi.py. Here generated requests, against the same tables and the same clock, go through the
declaration alone (``lambda_entry_for``) and through the function, and the answers must be the same
dictionary, with the same log lines and metrics: bodies valid, to normalise, of other types, with
keys more or less, not JSON; names taken and free; keys new, replayed, reused and refused; queries
of every shape; conditional headers; DynamoDB failing.
"""

import json
import sys
from collections.abc import Callable
from typing import get_args

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from course_service.core.contract import LEVELS
from course_service.core.schemas import Level
from course_service.edge.cursors import cursor_for
from course_service.edge.paths import course_path
from course_service.entry import lambda_entry_for
from localdev import template
from localdev.runtime import LambdaContext, api_event, load_handler, load_module
from tests.unit.support import IDEMPOTENCY_TABLE_NAME, PERMANENT_ERRORS, TABLE_NAME, TRANSIENT_ERRORS, restorer

SEEDED = {"Databases": "beginner", "Café au lait": "advanced", 'Say "hi"': "beginner", "a b": "intermediate"}
SEEDED |= {f"Course {n:02}": LEVELS[n % 3] for n in range(25)}  # more than a page of 20
# A course created with an Idempotency-Key, whose record answers its key again (or refuses another body).
KEYED = {"name": "Keyed", "level": "advanced"}
SEEDED_KEY = "seeded-key"
OPERATIONS = ("GetItem", "PutItem", "UpdateItem", "Query")
FAULTS = {**TRANSIENT_ERRORS, **PERMANENT_ERRORS}
JSON = {"Content-Type": "application/json"}
# Bodies the validation refuses or normalises, and bodies it takes: the function must answer both
# kinds as the resolver does (the first kind by handing them to it).
NAMES = [
    *SEEDED,
    KEYED["name"],
    "Chemistry",
    " Chemistry",
    "Chemistry ",
    "Cafe\u0301",  # NFD: stored as NFC
    "a\u00a0b",  # a no-break space: stored as a space
    "a\u200bb",
    "",
    " ",
    ".",
    "a/b",
    "x" * 100,
    "x" * 101,
    "\u0301x",
    "tab\there",
    1,
    None,
    True,
    ["Chemistry"],
    {"name": "Chemistry"},
]
LEVEL_VALUES = [*LEVELS, "Beginner", "", " beginner", None, 1, ["beginner"]]
RAW_BODIES = [
    None,
    "",
    "{}",
    "[]",
    "null",
    "not json",
    '{"name": "A", "name": "B", "level": "beginner"}',
    '{"name": "A", "level": "beginner", "n": NaN}',
    '{"name": "A\\ud800", "level": "beginner"}',
    '{"level": "beginner", "level": "advanced"}',
    '[{"name": "A", "level": "beginner"}]',
]


def _reference(method: str, resource: str) -> Callable:
    """The route as openapi.py declares it, on Powertools' resolver, as a Lambda entry point."""
    return lambda_entry_for(load_module(template.route(method, resource).code_uri, "openapi.app").app)


@pytest.fixture
def seeded(table, api):
    """The table with SEEDED, and a way to put it back as it was, item for item."""
    for name, level in SEEDED.items():
        assert api("POST", "/courses", body={"name": name, "level": level}).status == 201
    assert api("POST", "/courses", body=KEYED, headers={"Idempotency-Key": SEEDED_KEY}).status == 201
    restore = restorer(table, (TABLE_NAME, IDEMPOTENCY_TABLE_NAME))
    etags = [api("GET", "/courses/{name}", course_path(name)).headers["etag"] for name in list(SEEDED)[:4]]

    return restore, etags


@pytest.fixture
def both(seeded, answered_both_ways):
    """answered_both_ways (conftest.py) from the seeded table, with FAULTS named by key."""
    restore, _ = seeded
    answer = answered_both_ways(restore)
    return lambda reference, function, event, fault: answer(
        reference, function, event, None if fault is None else FAULTS[fault], OPERATIONS
    )


def _body(fields: dict, extra: bool) -> str:
    return json.dumps({**fields, **({"extra": 1} if extra else {})})


def _segments() -> st.SearchStrategy[str]:
    encoded = st.sampled_from([course_path(name).removeprefix("/courses/") for name in list(SEEDED)[:4]])
    odd = st.sampled_from(["Nope", "%2F", "..", "%ZZ", "a%00b", "Databases/", "Databases//", "", "%20Databases"])
    return st.one_of(encoded, odd)


def _conditions(etags: list[str]) -> st.SearchStrategy[str | None]:
    fixed = st.sampled_from([None, "*", '"stale-1"', 'W/"x"', "garbage", ""])
    return st.one_of(
        fixed, st.sampled_from(etags), st.lists(st.sampled_from(etags), min_size=2, max_size=3).map(", ".join)
    )


SETTINGS = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


# Idempotency-Keys: none, refused (empty, a space, too long, not ASCII), taken (new, the longest,
# quoted as a structured field, the seeded one).
KEYS = [None, None, "", " ", "a b", "x" * 256, "é", "new-key", "x" * 255, '"sf-string"', SEEDED_KEY, SEEDED_KEY]

# A plain create (no key, a JSON body of both fields), which the function answers without the resolver; the examples add the name.
PLAIN_CREATE = {
    "level": "beginner",
    "keys": "both",
    "raw": None,
    "path": "/courses",
    "verb": "POST",
    "key": None,
    "content_type": "application/json",
    "fault": None,
}


def test_a_create_is_answered_as_the_resolver_would(both, handlers):
    reference, function = _reference("POST", "/courses"), handlers["CreateCourseFunction"]

    @SETTINGS
    @given(
        name=st.sampled_from(NAMES),
        level=st.sampled_from(LEVEL_VALUES),
        keys=st.sampled_from(["both", "name only", "level only", "extra"]),
        raw=st.one_of(st.none(), st.sampled_from(RAW_BODIES)),
        path=st.sampled_from(["/courses", "/courses/", "/courses//", "/courses?x=1", "/courses?limit=5", "/course"]),
        verb=st.sampled_from(["POST", "POST", "post", "GET"]),
        key=st.sampled_from(KEYS),
        content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", None, "text/plain"]),
        fault=st.sampled_from([None, None, *FAULTS]),
    )
    @example(name="Chemistry", **PLAIN_CREATE)  # the create itself: 201
    @example(name="Databases", **PLAIN_CREATE)  # the name is taken: 409
    @example(name="Chemistry", **{**PLAIN_CREATE, "key": "new-key"})  # a keyed create: 201, recorded
    @example(name="Keyed", **{**PLAIN_CREATE, "level": "advanced", "key": SEEDED_KEY})  # replayed: 201, not counted
    @example(name="Chemistry", **{**PLAIN_CREATE, "key": SEEDED_KEY})  # its key with another body: 422
    @example(name="Chemistry", **{**PLAIN_CREATE, "key": "new-key", "fault": "ThrottlingException"})  # no record: 503
    def same_answer(name, level, keys, raw, path, verb, key, content_type, fault):
        fields = {"both": {"name": name, "level": level}, "name only": {"name": name}, "level only": {"level": level}}
        body = raw if raw is not None else _body(fields.get(keys, {"name": name, "level": level}), keys == "extra")
        headers = [(n, v) for n, v in (("Content-Type", content_type), ("Idempotency-Key", key)) if v is not None]
        both(reference, function, api_event(verb, path, headers=headers, body=body), fault)

    same_answer()


def test_a_change_of_level_is_answered_as_the_resolver_would(both, seeded, handlers):
    _, etags = seeded
    reference, function = _reference("PUT", "/courses/{name}"), handlers["UpdateCourseFunction"]

    @SETTINGS
    @given(
        segment=_segments(),
        level=st.sampled_from(LEVEL_VALUES),
        keys=st.sampled_from(["level", "level", "none", "extra", "name too"]),
        raw=st.one_of(st.none(), st.none(), st.sampled_from(RAW_BODIES)),
        query=st.sampled_from(["", "", "?x=1"]),
        verb=st.sampled_from(["PUT", "PUT", "put", "POST"]),
        if_match=_conditions(etags),
        if_none_match=_conditions(etags),
        fault=st.sampled_from([None, None, *FAULTS]),
    )
    @example(
        segment="Databases",
        level="advanced",
        keys="level",
        raw=None,
        query="",
        verb="PUT",
        if_match=None,
        if_none_match=None,
        fault=None,
    )  # the change itself: 200
    def same_answer(segment, level, keys, raw, query, verb, if_match, if_none_match, fault):
        fields = {
            "level": {"level": level},
            "none": {},
            "extra": {"level": level},
            "name too": {"level": level, "name": "x"},
        }
        body = raw if raw is not None else _body(fields[keys], keys == "extra")
        headers = [("Content-Type", "application/json")]
        headers += [(n, v) for n, v in (("If-Match", if_match), ("If-None-Match", if_none_match)) if v]
        both(reference, function, api_event(verb, f"/courses/{segment}{query}", headers=headers, body=body), fault)

    same_answer()


def _queries() -> st.SearchStrategy[str]:
    limit = st.sampled_from(["5", "20", "1", "100", "101", "0", "05", "+5", " 5", "1_0", "5.0", "abc", ""])
    level = st.sampled_from([*LEVELS, "Beginner", ""])
    cursors = [cursor_for("Course 04", None), cursor_for("Course 04", "advanced"), cursor_for("x/y", None)]
    cursor = st.sampled_from([*cursors, "garbage", "", "x" * 1025, cursors[0] + "="])
    parameter = st.one_of(
        limit.map(lambda v: ("limit", v)),
        level.map(lambda v: ("level", v)),
        cursor.map(lambda v: ("cursor", v)),
        st.just(("other", "1")),
    )
    return st.lists(parameter, max_size=4).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


def test_a_page_is_answered_as_the_resolver_would(both, handlers):
    reference, function = _reference("GET", "/courses"), handlers["ListCoursesFunction"]

    @SETTINGS
    @given(
        query=_queries(),
        path=st.sampled_from(["/courses", "/courses", "/courses/", "/courses/x"]),
        verb=st.sampled_from(["GET", "GET", "get", "POST"]),
        fault=st.sampled_from([None, None, *FAULTS]),
    )
    @example(query="", path="/courses", verb="GET", fault=None)  # the first page of 20: a next_cursor
    @example(
        query=f"limit=5&level=beginner&cursor={cursor_for('Course 03', 'beginner')}",
        path="/courses",
        verb="GET",
        fault=None,
    )
    @example(query="limit=5&limit=6", path="/courses", verb="GET", fault=None)  # given twice
    def same_answer(query, path, verb, fault):
        target = path + (f"?{query}" if query else "")
        both(reference, function, api_event(verb, target, headers=JSON), fault)

    same_answer()


@pytest.mark.parametrize(
    "malformed",
    [{"path": None}, {"path": 5}, {"httpMethod": None}, {"queryStringParameters": {"a": None}}, {"body": 5}],
    ids=["path None", "path a number", "method None", "a query value not text", "body a number"],
)
@pytest.mark.parametrize("method, resource", [("POST", "/courses"), ("PUT", "/courses/{name}"), ("GET", "/courses")])
def test_an_event_api_gateway_would_not_build_is_answered_by_the_resolver(method, resource, malformed, both, handlers):
    """Whatever the function does not take is the resolver's: an event API Gateway would not build too."""
    event = {
        **api_event(method, resource.replace("{name}", "Databases"), headers=JSON, body='{"level": "advanced"}'),
        **malformed,
    }
    both(_reference(method, resource), handlers[template.route(method, resource).function], event, None)


def test_the_levels_without_pydantic_are_the_schemas():
    assert get_args(Level) == LEVELS


CREATE = api_event("POST", "/courses", headers=JSON, body='{"name": "Chemistry", "level": "beginner"}')
KEYED_CREATE = api_event(
    "POST", "/courses", headers={**JSON, "Idempotency-Key": "k-1"}, body='{"name": "Chemistry", "level": "beginner"}'
)
UPDATE = api_event("PUT", "/courses/Databases", headers=JSON, body='{"level": "advanced"}')
LIST = api_event("GET", "/courses?limit=5&level=beginner", headers=JSON)


def _resolvers_loaded() -> int:
    return sum(1 for name in sys.modules if "_openapi_" in name)


@pytest.mark.parametrize(
    "resource, event",
    [("/courses", CREATE), ("/courses", KEYED_CREATE), ("/courses/{name}", UPDATE), ("/courses", LIST)],
    ids=["create", "keyed create", "update", "list"],
)
def test_a_request_the_validation_takes_as_it_is_never_loads_the_resolver(resource, event, seeded):
    route = template.route(event["httpMethod"], resource)
    handler = load_handler(route.code_uri, route.handler)
    loaded = _resolvers_loaded()

    first = handler(dict(event), LambdaContext())
    loaded_by_first = _resolvers_loaded() - loaded
    refused = handler(
        {
            **event,
            "body": "{}",
            "queryStringParameters": {"limit": "0"},
            "multiValueQueryStringParameters": {"limit": ["0"]},
        },
        LambdaContext(),
    )

    assert first["statusCode"] in (200, 201) and refused["statusCode"] == 422
    assert (loaded_by_first, _resolvers_loaded() - loaded) == (0, 1)  # by the refused request alone


def test_no_course_function_loads_the_event_handler_or_pydantic_at_import():
    """What answering without the resolver is for: the course functions start without Powertools'
    event handler and Pydantic, as health does (docs/PERFORMANCE.md)."""
    import subprocess

    from tests.root import ROOT

    probe = (
        "import json, sys; from pathlib import Path; from localdev.runtime import load_handler; "
        "[load_handler(Path(p), 'app.lambda_handler') for p in sys.argv[1:]]; print(json.dumps(sorted(sys.modules)))"
    )
    code_uris = [str(route.code_uri) for route in template.routes() if route.resource.startswith("/courses")]
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", probe, *code_uris], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    )
    assert len(code_uris) == 5
    assert not [name for name in loaded if name.startswith(("aws_lambda_powertools.event_handler", "pydantic"))]
