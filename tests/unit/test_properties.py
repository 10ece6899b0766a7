"""Property-based tests (hypothesis): any JSON value for ``name`` and ``level`` is either accepted
and comes back exactly (in its canonical form: trimmed, NFC) or rejected with 422, never a 500; and
any body text or bytes is read or refused as a 4xx, never a 500.

Checked twice: on the schemas themselves (``CourseCreate``/``CourseUpdate``) and through the create
and update handlers with DynamoDB mocked by moto. The expected outcome comes from an oracle written
here, independently of the schemas, from the contract in docs/API.md:

- ``name``: a string with no lone surrogate (not Unicode text: it cannot be stored or sent as
  UTF-8); spaces (category Zs) become U+0020, the name is normalised to NFC, surrounding whitespace
  (Unicode ``White_Space``) is trimmed, then 1 to 100 characters, no ``/``, no character of the
  categories Cc, Cf, Cs, Co, Cn, Zl, Zp, no Default_Ignorable_Code_Point, no combining mark first,
  and not ``.`` or ``..``.
- ``level``: exactly ``beginner``, ``intermediate`` or ``advanced``.
- nothing else in the body.
"""

import json
import os
import unicodedata
from contextlib import contextmanager, suppress
from urllib.parse import urljoin

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from course_service.core.schemas import CourseCreate, CourseUpdate
from course_service.edge.paths import course_path
from course_service.edge.request_checks import parse_json
from localdev import template

LEVELS = ("beginner", "intermediate", "advanced")
COURSE_FIELDS = {"name", "level", "created_at", "updated_at"}
MISSING = object()  # a key left out of the body

# The Unicode White_Space property: what "surrounding whitespace" means. (Python's str.strip() also
# strips U+001C..U+001F, which are control characters, not whitespace, and so make a name invalid.)
WHITESPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


# --- the oracle ---------------------------------------------------------------------------------


# Default_Ignorable_Code_Point, as Unicode's DerivedCoreProperties.txt lists it (15.1).
DEFAULT_IGNORABLE_RANGES = [
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]
REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def default_ignorable(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in DEFAULT_IGNORABLE_RANGES)


def expected_name(value) -> str | None:
    """The name a client's ``name`` value is stored as, or None if it must be rejected."""
    if not isinstance(value, str) or any(unicodedata.category(c) == "Cs" for c in value):
        return None
    spaced = "".join(" " if unicodedata.category(c) == "Zs" else c for c in value)
    trimmed = unicodedata.normalize("NFC", spaced).strip(WHITESPACE)
    if not 1 <= len(trimmed) <= 100 or trimmed in (".", ".."):
        return None
    if unicodedata.category(trimmed[0]) in ("Mn", "Mc", "Me"):
        return None
    if any(c == "/" or unicodedata.category(c) in REFUSED_CATEGORIES or default_ignorable(c) for c in trimmed):
        return None
    return trimmed


def expected_level(value) -> str | None:
    return value if isinstance(value, str) and value in LEVELS else None


def expected_create(body) -> tuple[str, str] | None:
    """(name, level) a create body is accepted as, or None if it must be a 422."""
    if not isinstance(body, dict) or set(body) != {"name", "level"}:
        return None
    name, level = expected_name(body["name"]), expected_level(body["level"])
    return (name, level) if name is not None and level is not None else None


# --- strategies: any JSON value, biased towards the interesting ones ----------------------------

INTERESTING_CHARS = st.sampled_from(
    list(WHITESPACE)
    + [
        "/",
        "\x00",
        "\x1f",
        "\x1c",
        "\x7f",
        "\x80",
        "\x9f",
        "\u200b",
        "\ufeff",
        "\u180e",
        "%",
        "+",
        "\\",
        '"',
        "é",
        "日",
        "\U0001f600",
        "a",
        "b",
        "Z",
        "0",
        # the name policy: dots, combining marks, what NFC composes, invisible letters
        ".",
        "e",
        "\u0301",
        "\u0308",
        "\u212b",
        "\u1100",
        "\u1161",
        "\ufe0f",
        "\u3164",
        "\u200d",
        "\u202e",
        "\ue000",
        "\u0378",
        "\ufdd0",
        "\U000e0041",
    ]
)
ANY_CHAR = st.characters()  # all of Unicode, lone surrogates included (JSON can carry "\ud800")
strings = st.one_of(
    st.text(ANY_CHAR, max_size=12),
    st.text(st.one_of(INTERESTING_CHARS, ANY_CHAR), max_size=12),
    # Around the 100-character limit, with and without surrounding whitespace.
    st.builds(
        lambda pad_left, core, pad_right: pad_left + core + pad_right,
        st.text(st.sampled_from(WHITESPACE), max_size=3),
        st.text(st.sampled_from("abcé日 "), min_size=98, max_size=102),
        st.text(st.sampled_from(WHITESPACE), max_size=3),
    ),
    # Levels and near misses.
    st.sampled_from(LEVELS),
    st.builds(lambda level, pad: pad + level + pad, st.sampled_from(LEVELS), st.sampled_from(["", " ", "\t", "\n"])),
    st.sampled_from(LEVELS).map(str.title),
    st.sampled_from(LEVELS).map(str.upper),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),  # NaN and infinities are not JSON
    strings,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(strings, children, max_size=3)),
    max_leaves=6,
)
# Mostly valid-looking values, so that acceptance is exercised as much as rejection.
names = st.one_of(strings, json_values, st.text(st.one_of(INTERESTING_CHARS, ANY_CHAR), min_size=1, max_size=20))
levels = st.one_of(st.sampled_from(LEVELS), strings, json_values)
# Names a course can have: stored (canonical) form.
valid_names = st.text(st.one_of(INTERESTING_CHARS, ANY_CHAR), min_size=1, max_size=40).map(expected_name).filter(bool)


def body_with(**fields):
    """A body holding each field unless its value is MISSING."""
    return {key: value for key, value in fields.items() if value is not MISSING}


padded_valid_names = st.builds(
    lambda left, name, right: left + name + right,
    st.text(st.sampled_from(WHITESPACE), max_size=2),
    valid_names,
    st.text(st.sampled_from(WHITESPACE), max_size=2),
)
create_bodies = st.one_of(
    st.builds(lambda name, level: {"name": name, "level": level}, padded_valid_names, st.sampled_from(LEVELS)),
    st.builds(lambda name, level: {"name": name, "level": level}, names, levels),
    # A field missing, or one too many.
    st.builds(body_with, name=st.one_of(st.just(MISSING), names), level=st.one_of(st.just(MISSING), levels)),
    st.builds(
        lambda name, level, key, extra: {"name": name, "level": level, key: extra},
        names,
        levels,
        st.sampled_from(["id", "version", "created_at", "Name", ""]),
        json_values,
    ),
    json_values,  # not an object at all, or any object
)
update_bodies = st.one_of(
    st.builds(lambda level: {"level": level}, levels),
    st.builds(
        lambda level, key, extra: {"level": level, key: extra},
        levels,
        st.sampled_from(["name", "version", "updated_at"]),
        json_values,
    ),
    json_values,
)

# Bounded so the whole file runs in a few seconds; moto calls are slow for hypothesis' deadline.
SCHEMA_SETTINGS = settings(max_examples=400, deadline=None)
HANDLER_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    # The `table` and `invoke` fixtures are function-scoped, so hypothesis warns that they are not
    # reset between examples. `invoke` holds no state; the table's state is reset by fresh_table()
    # at the start of every example, so sharing them across examples is sound.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# --- schema level -------------------------------------------------------------------------------


def validate(model, body):
    """The model built from ``body`` both ways the JSON can reach it, which must agree."""
    results = []
    for parse in (lambda: model.model_validate(body), lambda: model.model_validate_json(json.dumps(body))):
        try:
            results.append(parse().model_dump())
        except ValidationError as error:
            assert error.errors(), "a ValidationError must say what is wrong"
            results.append(None)
    assert results[0] == results[1], f"Python and JSON validation disagree: {results}"
    return results[0]


@SCHEMA_SETTINGS
@given(create_bodies)
@example({"name": "  Intro to Python ", "level": "beginner"})
@example({"name": "\x1fabc", "level": "beginner"})  # str.strip() would trim it: a control character
@example({"name": "\u3000abc\u2028", "level": "advanced"})
@example({"name": "a/b", "level": "beginner"})
@example({"name": "\ud800", "level": "beginner"})
@example({"name": "x" * 100, "level": "intermediate"})
@example({"name": "x" * 101, "level": "intermediate"})
@example({"name": "e\u0301" * 100, "level": "intermediate"})
@example({"name": "Cafe\u0301\u00a0au lait", "level": "intermediate"})
@example({"name": " \u0301x", "level": "beginner"})
@example({"name": " .. ", "level": "beginner"})
@example({"name": "x\ufe0f", "level": "beginner"})
@example({"name": True, "level": "beginner"})
@example({"name": "x", "level": "Beginner"})
def test_course_create_accepts_exactly_the_valid_bodies_and_trims_the_name(body):
    created = validate(CourseCreate, body)
    expected = expected_create(body)
    if expected is None:
        assert created is None, f"accepted an invalid body as {created!r}"
    else:
        assert created == {"name": expected[0], "level": expected[1]}


@SCHEMA_SETTINGS
@given(update_bodies)
@example({"level": "advanced"})
@example({"level": "advanced "})
@example({"level": "advanced", "name": "x"})
def test_course_update_accepts_exactly_the_valid_bodies(body):
    updated = validate(CourseUpdate, body)
    valid = isinstance(body, dict) and set(body) == {"level"} and expected_level(body["level"]) is not None
    assert updated == ({"level": body["level"]} if valid else None)


# --- through the handlers, DynamoDB in moto -----------------------------------------------------


@contextmanager
def fresh_table(client):
    """An empty courses table for one hypothesis example (moto is on for the whole test)."""
    name = os.environ["TABLE_NAME"]
    if name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **template.table_key_schema())
    yield
    assert client.scan(TableName=name)["Count"] <= 1


def stored_items(client) -> list[dict]:
    return client.scan(TableName=os.environ["TABLE_NAME"])["Items"]


@HANDLER_SETTINGS
@given(body=create_bodies)
@example(body={"name": "  Intro to Python ", "level": "beginner"})
@example(body={"name": "\x1fabc", "level": "beginner"})
@example(body={"name": "\ud800", "level": "beginner"})
@example(body={"name": "a/b", "level": "beginner"})
@example(body={"name": "\u00a0%41+b\u2003", "level": "advanced"})
@example(body={"name": "Cafe\u0301 .", "level": "advanced"})
@example(body={"name": "..", "level": "advanced"})
@example(body=[])
def test_create_handler_gives_201_with_the_trimmed_course_or_422_and_writes_nothing(table, invoke, body):
    with fresh_table(table):
        reply = invoke("POST", "/courses", body=json.dumps(body))
        assert reply.status != 500, reply.body
        assert reply.headers["content-type"] == "application/json"
        expected = expected_create(body)
        event("accepted" if expected else "rejected")  # see: pytest --hypothesis-show-statistics
        if expected is None:
            assert reply.status == 422, (reply.status, reply.body)
            assert reply.body["message"] == "Request is invalid"
            assert reply.body["detail"] and all(set(item) == {"loc", "type"} for item in reply.body["detail"])
            assert stored_items(table) == []
            return
        name, level = expected
        assert reply.status == 201, (reply.status, reply.body)
        assert set(reply.body) == COURSE_FIELDS
        assert (reply.body["name"], reply.body["level"]) == (name, level)
        assert urljoin("/courses", reply.headers["location"]) == course_path(name)
        read = invoke("GET", "/courses/{name}", urljoin("/courses", reply.headers["location"]))
        assert (read.status, read.body, read.headers["etag"]) == (200, reply.body, reply.headers["etag"])


@HANDLER_SETTINGS
@given(name=st.one_of(st.just("Intro to Python"), valid_names), body=update_bodies)
@example(name="Intro to Python", body={"level": "advanced"})
@example(name="Intro to Python", body={"level": "ADVANCED"})
@example(name="Intro to Python", body={"level": None})
@example(name="Intro to Python", body={"level": "advanced", "name": "other"})
def test_update_handler_gives_200_with_the_new_level_or_422_and_changes_nothing(table, invoke, name, body):
    with fresh_table(table):
        created = invoke("POST", "/courses", body={"name": name, "level": "beginner"})
        assert created.status == 201, created.body
        reply = invoke(
            "PUT",
            "/courses/{name}",
            course_path(name),
            body=json.dumps(body),
            headers={"If-Match": created.headers["etag"]},
        )
        assert reply.status != 500, reply.body
        read = invoke("GET", "/courses/{name}", course_path(name))
        valid = isinstance(body, dict) and set(body) == {"level"} and expected_level(body["level"]) is not None
        event("accepted" if valid else "rejected")
        if not valid:
            assert reply.status == 422, (reply.status, reply.body)
            assert reply.body["detail"] and all(set(item) == {"loc", "type"} for item in reply.body["detail"])
            assert (read.body, read.headers["etag"]) == (created.body, created.headers["etag"])
            return
        assert reply.status == 200, (reply.status, reply.body)
        assert set(reply.body) == COURSE_FIELDS
        assert (reply.body["name"], reply.body["level"]) == (name, body["level"])
        assert reply.body["created_at"] == created.body["created_at"]
        assert reply.headers["etag"] != created.headers["etag"]
        assert (read.status, read.body, read.headers["etag"]) == (200, reply.body, reply.headers["etag"])


@pytest.mark.parametrize("value", [None, True, 1, 1.5, "", " beginner", "Beginner", [], {}, ["beginner"]])
def test_the_oracle_rejects_levels_the_contract_rejects(value):
    """The oracle itself must be able to say no (else the properties above could not fail)."""
    assert expected_create({"name": "x", "level": value}) is None


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        1,
        "",
        " \t\u3000",
        "a/b",
        "\x1fx",
        "x\x00",
        "x\x85y",
        "\ud800",
        "x" * 101,
        ["x"],
        ".",
        " .. ",
        "\u0301x",
        "x\u200bx",
        "x\ufe0f",
        "\u3164",
        "x\ue000",
        "x\u0378",
        "x\u2028y",
        "x\U000e0041",
    ],
)
def test_the_oracle_rejects_names_the_contract_rejects(value):
    assert expected_create({"name": value, "level": "beginner"}) is None
    assert expected_create({"name": "x", "level": "beginner", "id": 1}) is None
    assert expected_create({"name": " \u2003x\n", "level": "beginner"}) == ("x", "beginner")
    assert expected_create({"name": "Cafe\u0301\u00a0x", "level": "beginner"}) == ("Caf\u00e9 x", "beginner")


# --- any body at all ----------------------------------------------------------------------------

# Text that looks like JSON around numbers, constants, escapes and nesting: where Python's parser
# raises something other than a JSON error, or accepts what is not I-JSON.
JSON_PIECES = st.sampled_from(
    [
        '{"name": ',
        '"level": ',
        '"beginner"',
        "}",
        "{",
        "[",
        "]",
        ",",
        ":",
        '"',
        "\\u",
        "d800",
        "dc00",
        "ffff",
        "NaN",
        "Infinity",
        "-",
        "1e",
        "999",
        "9" * 400,
        "0",
        ".5",
        "E+",
        "true",
        "null",
        " ",
        "\ufeff",
    ]
)
body_texts = st.one_of(
    st.text(max_size=60),
    st.lists(JSON_PIECES, max_size=12).map("".join),
    st.builds(
        lambda digits, exponent: f'{{"name": "x", "level": "beginner", "n": {digits}{exponent}}}',
        st.text("0123456789", min_size=1, max_size=5000),
        st.sampled_from(["", "e308", "e309", "e-999", ".5e400"]),
    ),
)


@SCHEMA_SETTINGS
@given(body_texts)
@example("9" * 5000)
@example("[" * 100_000)
@example('{"a": NaN}')
def test_parse_json_returns_json_or_raises_a_json_error_only(text):
    with suppress(json.JSONDecodeError):
        parse_json(text)


@HANDLER_SETTINGS
@given(body=st.one_of(body_texts, st.binary(max_size=80), st.binary(max_size=80).map(b'{"name": "%s"}'.__mod__)))
@example(body=b'{"name": "caf\xe9", "level": "beginner"}')
@example(body="9" * 5000)
def test_any_body_is_read_or_refused_never_a_500(table, invoke, body):
    with fresh_table(table):
        reply = invoke("POST", "/courses", body=body)
        assert reply.status in (201, 413, 422), (reply.status, reply.body)
        assert reply.headers["content-type"] == "application/json"
