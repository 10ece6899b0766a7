"""No header value is a 500: every header the service reads (Content-Type, If-Match, If-None-Match,
Idempotency-Key), whatever its value, gets a documented answer, and a refused request writes nothing.

The cases found by attacking the service are spelled out (an ETag past year 9999, Content-Types
that crashed the standard library's email header parser); hypothesis then sends every route
arbitrary lines of those headers."""

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_service.edge import request_checks
from course_service.edge.conditional import EPOCH, MICROSECOND
from course_service.edge.paths import course_path
from localdev.openapi import OPENAPI_FILE
from tests.unit.support import metric_names

DOCUMENT = json.loads(OPENAPI_FILE.read_text())
UPDATE = ("PUT", "/courses/{name}")
DELETE = ("DELETE", "/courses/{name}")
READ = ("GET", "/courses/{name}")

# The ETag format is "<creation time in microseconds, hex>-<version>", up to 16 hex digits: the
# last moment a datetime holds (9999-12-31T23:59:59.999999Z), and the first past it.
LAST_MOMENT = (datetime.max.replace(tzinfo=UTC) - EPOCH) // MICROSECOND
PAST_YEAR_9999 = [f'"{LAST_MOMENT + 1:x}-1"', '"ffffffffffffffff-1"', '"fffffffffffffff-999999999999999999"']
UNMATCHABLE_ETAGS = [f'"{LAST_MOMENT:x}-1"', *PAST_YEAR_9999]


@pytest.fixture
def physics(create) -> str:
    """Creates the course "Physics"; returns its ETag."""
    return create("Physics", "beginner").headers["etag"]


def write(api, method_and_resource, headers):
    body = {"level": "advanced"} if method_and_resource == UPDATE else None
    return api(*method_and_resource, course_path("Physics"), body=body, headers=headers)


@pytest.mark.parametrize("method_and_resource", [UPDATE, DELETE], ids=["PUT", "DELETE"])
@pytest.mark.parametrize("if_match", UNMATCHABLE_ETAGS)
def test_an_if_match_past_year_9999_is_412_and_changes_nothing(
    api, physics, stored, capsys, method_and_resource, if_match
):
    before = stored()
    capsys.readouterr()

    reply = write(api, method_and_resource, {"If-Match": if_match})

    assert (reply.status, reply.body) == (412, {"message": "The course has changed since the given ETag"})
    assert stored() == before
    assert "UnexpectedError" not in metric_names(capsys.readouterr().out)


@pytest.mark.parametrize("method_and_resource", [UPDATE, DELETE], ids=["PUT", "DELETE"])
@pytest.mark.parametrize("if_match", PAST_YEAR_9999)
def test_an_if_match_past_year_9999_on_a_missing_course_is_404(api, table, stored, method_and_resource, if_match):
    reply = write(api, method_and_resource, {"If-Match": if_match})

    assert (reply.status, reply.body) == (404, {"message": "Course not found"})
    assert stored() == {}


@pytest.mark.parametrize("if_none_match", PAST_YEAR_9999)
def test_an_if_none_match_past_year_9999_gets_the_course(api, physics, if_none_match):
    reply = api(*READ, course_path("Physics"), headers={"If-None-Match": if_none_match})

    assert (reply.status, reply.headers["etag"]) == (200, physics)


# Content-Types that made the email header parser raise (IndexError: a parameter name ending in
# "*" with no value, CPython gh-151857; RecursionError: nested comments), or that it accepted
# although HTTP has no such syntax (comments).
CRASHED_THE_PARSER = {
    "parameter name ending in *": "application/json; x*",
    "charset*": "application/json; charset*",
    "charset*0*": "application/json; charset*0*",
    "after a parameter": "application/json; charset=utf-8; x*",
    "a run of (": "application/json; " + "(" * 2000,
    "a run of ( in the type": "(" * 2000 + "application/json",
}
NOT_HTTP_SYNTAX = {
    "a comment": "application/json; (a comment)",
    "comments only": "application/json; ()()",
    "a comment inside the type": "application/(x)json",
    "a quoted string run": 'application/json; x=""""',
}


@pytest.mark.parametrize("method_and_resource", [("POST", "/courses"), UPDATE], ids=["POST", "PUT"])
@pytest.mark.parametrize(
    "content_type",
    [*CRASHED_THE_PARSER.values(), *NOT_HTTP_SYNTAX.values()],
    ids=[*CRASHED_THE_PARSER, *NOT_HTTP_SYNTAX],
)
def test_a_content_type_that_is_not_http_syntax_is_415_and_writes_nothing(
    api, physics, stored, method_and_resource, content_type
):
    before = stored()
    body = {"name": "Intro", "level": "beginner"} if method_and_resource[0] == "POST" else {"level": "advanced"}
    path = course_path("Physics") if method_and_resource == UPDATE else None

    reply = api(*method_and_resource, path, body=body, headers={"Content-Type": content_type})

    assert (reply.status, reply.body) == (415, {"message": "Content-Type must be application/json"})
    assert stored() == before


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(list("application/json;charset=utf-8 \t\"\\()*'%,<>@:[]?{}/\x7f\x80é")), max_size=60))
def test_any_content_type_is_json_or_not_never_an_error(content_type):
    for value in (content_type, "application/json;" + content_type, "application/json; x" + content_type):
        accepted = request_checks.is_json_media_type(value)
        assert accepted in (True, False)
        assert not accepted or not value.strip() or value.strip(" \t").lower().startswith("application/json")


TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# What a quoted string may hold besides tchars: space, tab, other visible characters, obs-text.
QDTEXT = "\t !#()[]~\x80\xff"


@st.composite
def media_type_parameter(draw) -> tuple[str, str, str]:
    """One parameter as RFC 9110 writes it: (its text, its name, the value it means). A quoted value
    may write any of its characters as a quoted-pair (backslash, character)."""
    name = draw(st.sampled_from(["charset", "CharSet", "version"]) | st.text(TCHARS, min_size=1, max_size=8))
    value = draw(st.sampled_from(["utf-8", "UTF-8", "latin-1", "utf8"]) | st.text(TCHARS, min_size=1, max_size=8))
    if draw(st.booleans()):
        return f"{name}={value}", name, value
    value += draw(st.text(QDTEXT + '"\\', max_size=3))
    escaped = [draw(st.booleans()) or char in '"\\' for char in value]
    quoted = "".join("\\" + char if escape else char for char, escape in zip(value, escaped, strict=True))
    return f'{name}="{quoted}"', name, value


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["application/json", "APPLICATION/Json", "application/jsonx", "text/json", "application/*"]),
    st.lists(
        st.tuples(
            st.sampled_from(["", " ", "\t "]),
            media_type_parameter() | st.just(("", "", "")),  # an empty parameter: "application/json;;"
            st.sampled_from(["", " "]),
        )
    ),
)
def test_a_media_type_in_http_syntax_is_json_exactly_when_its_type_and_every_charset_say_so(media_type, parameters):
    """An oracle built from the parts: the type, and each charset's value once unquoted."""
    text = media_type + "".join(f"{before};{space}{parameter}" for before, (parameter, _, _), space in parameters)
    charsets = [meant.lower() for _, (_, name, meant), _ in parameters if name.lower() == "charset"]

    expected = media_type.lower() == "application/json" and all(charset == "utf-8" for charset in charsets)
    assert request_checks.is_json_media_type(text) == expected, text


# --- every header the service reads, on every route ------------------------------------------------

HEADER_NAMES = ["Content-Type", "If-Match", "If-None-Match", "Idempotency-Key"]
# Characters of HTTP's header syntax, and some that are not: what parsers trip on.
SYNTAX = [*"\"\\()*,;=/-Wx' \t<>@:?[]{}%\x7f\x80\xff", "application/json", "charset", "utf-8", "W/"]


def etags() -> st.SearchStrategy[str]:
    """What an ETag looks like, with up to 16 hex digits (the years datetime holds and past them)."""
    created = st.integers(min_value=0, max_value=16**16 - 1) | st.sampled_from([LAST_MOMENT, LAST_MOMENT + 1])
    return st.builds(
        lambda weak, created, version: f'{"W/" if weak else ""}"{created:x}-{version}"',
        st.booleans(),
        created,
        st.integers(min_value=1, max_value=10**18 - 1) | st.integers(min_value=0),
    )


def values() -> st.SearchStrategy[str]:
    text = st.lists(st.sampled_from(SYNTAX) | st.characters(exclude_categories=["Cs"]), max_size=40).map("".join)
    media_types = st.builds(
        lambda kind, parameters: kind + "".join(parameters),
        st.sampled_from(["application/json", "Application/JSON", "text/plain", ""]),
        st.lists(text.map(lambda parameter: ";" + parameter), max_size=3),
    )
    lists = st.lists(etags() | st.just("*") | text, min_size=1, max_size=4).map(", ".join)
    return etags() | media_types | lists | text | st.just("*")


def header_lines() -> st.SearchStrategy[list[tuple[str, str]]]:
    names = st.sampled_from(HEADER_NAMES).flatmap(lambda n: st.sampled_from([n, n.lower(), n.upper()]))
    return st.lists(st.tuples(names, values()), max_size=4)


ROUTES = [
    ("POST", "/courses", None, {"name": "Physics", "level": "advanced"}),
    ("PUT", "/courses/{name}", "/courses/Physics", {"level": "advanced"}),
    ("DELETE", "/courses/{name}", "/courses/Physics", None),
    ("GET", "/courses/{name}", "/courses/Physics", None),
    ("GET", "/courses", None, None),
    ("GET", "/health", None, None),
]


@pytest.mark.parametrize("method, resource, path, body", ROUTES, ids=[f"{m} {r}" for m, r, _, _ in ROUTES])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=header_lines())
def test_any_header_lines_get_a_documented_answer_and_a_refusal_writes_nothing(
    invoke, table, stored, method, resource, path, body, lines
):
    documented = {int(status) for status in DOCUMENT["paths"][resource][method.lower()]["responses"]}
    before = stored()

    reply = invoke(method, resource, path, body=body, headers=[("Content-Type", None), *lines])

    assert reply.status < 500 and reply.status in documented, (reply.status, lines)
    if reply.status >= 400:
        assert stored() == before
