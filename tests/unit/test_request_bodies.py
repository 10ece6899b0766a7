"""Bodies that cannot be accepted give 422 with ``detail`` items (``loc``, ``type``) naming the
offending fields, and write nothing; a body that is not sent as JSON gives 415."""

import json

import pytest

from localdev import template
from localdev.runtime import LambdaContext, api_event

# Bodies that are not a JSON object at all, for POST and PUT alike.
NOT_AN_OBJECT = {
    "malformed JSON": '{"name": "Intro", ',
    "trailing garbage": '{"name": "Intro", "level": "beginner"} x',
    "empty string": "",
    "only whitespace": "  \n ",
    "no body": None,
    "JSON null": "null",
    "empty JSON array": "[]",
    "JSON array of strings": '["Intro", "beginner"]',
    "JSON string": '"Intro"',
    "JSON number": "5",
    "JSON boolean": "true",
    "form-encoded text": "name=Intro&level=beginner",
    # Deeper than Python's JSON parser recurses: it raises RecursionError, not a JSON error.
    "arrays nested 5,000 deep": "[" * 5000 + "]" * 5000,
    "objects nested 2,000 deep": '{"a":' * 2000 + "1" + "}" * 2000,
}

# JSON objects with offending fields, and which fields must be named.
BAD_CREATES = {
    "empty object": ({}, {"name", "level"}),
    "missing name": ({"level": "beginner"}, {"name"}),
    "missing level": ({"name": "Intro"}, {"level"}),
    "extra field": ({"name": "Intro", "level": "beginner", "teacher": "Ada"}, {"teacher"}),
    "timestamps are not the client's": (
        {"name": "Intro", "level": "beginner", "created_at": "2024-01-01T00:00:00Z"},
        {"created_at"},
    ),
    "name is a number": ({"name": 5, "level": "beginner"}, {"name"}),
    "name is null": ({"name": None, "level": "beginner"}, {"name"}),
    "name is a boolean": ({"name": True, "level": "beginner"}, {"name"}),
    "name is a list": ({"name": ["Intro"], "level": "beginner"}, {"name"}),
    "name is an object": ({"name": {"text": "Intro"}, "level": "beginner"}, {"name"}),
    "level is null": ({"name": "Intro", "level": None}, {"level"}),
    "level is a number": ({"name": "Intro", "level": 1}, {"level"}),
    "level is a list": ({"name": "Intro", "level": ["beginner"]}, {"level"}),
    "both invalid": ({"name": "a/b", "level": "expert"}, {"name", "level"}),
    "empty name": ({"name": "", "level": "beginner"}, {"name"}),
}

BAD_UPDATES = {
    "empty object": ({}, {"level"}),
    "level is null": ({"level": None}, {"level"}),
    "level is a number": ({"level": 2}, {"level"}),
    "unknown level": ({"level": "expert"}, {"level"}),
    "capitalised level": ({"level": "Advanced"}, {"level"}),
    "the name cannot change": ({"level": "advanced", "name": "Other"}, {"name"}),
    "the version is not the client's": ({"level": "advanced", "version": 9}, {"version"}),
    "timestamps are not the client's": ({"level": "advanced", "updated_at": "2030-01-01T00:00:00Z"}, {"updated_at"}),
}


def assert_is_422_naming(reply, fields: set[str] | None) -> None:
    """A 422 whose ``detail`` items all have a ``loc`` in the body and a ``type``; with ``fields``,
    exactly those fields are named."""
    assert reply.status == 422, reply.body
    assert isinstance(reply.body["message"], str) and reply.body["message"]
    detail = reply.body["detail"]
    assert detail, "detail names no field"
    for item in detail:
        assert isinstance(item["loc"], list) and item["loc"][0] == "body", item
        assert isinstance(item["type"], str) and item["type"], item
    if fields is not None:
        assert {item["loc"][1] for item in detail} == fields, detail


@pytest.fixture
def physics(create, stored) -> dict:
    """Creates the course "Physics" (at /courses/Physics); returns the table's items then."""
    create("Physics", "beginner")
    return stored()


@pytest.mark.parametrize("body", NOT_AN_OBJECT.values(), ids=NOT_AN_OBJECT.keys())
def test_create_with_a_body_that_is_not_an_object_is_422_and_writes_nothing(api, stored, body):
    reply = api("POST", "/courses", body=body)

    assert_is_422_naming(reply, None)
    assert stored() == {}


@pytest.mark.parametrize("body, fields", BAD_CREATES.values(), ids=BAD_CREATES.keys())
def test_create_with_bad_fields_is_422_naming_them_and_writes_nothing(api, stored, body, fields):
    reply = api("POST", "/courses", body=body)

    assert_is_422_naming(reply, fields)
    assert stored() == {}


@pytest.mark.parametrize("body", NOT_AN_OBJECT.values(), ids=NOT_AN_OBJECT.keys())
def test_update_with_a_body_that_is_not_an_object_is_422_and_changes_nothing(api, physics, stored, body):
    reply = api("PUT", "/courses/{name}", "/courses/Physics", body=body)

    assert_is_422_naming(reply, None)
    assert stored() == physics


@pytest.mark.parametrize("body, fields", BAD_UPDATES.values(), ids=BAD_UPDATES.keys())
def test_update_with_bad_fields_is_422_naming_them_and_changes_nothing(api, physics, stored, body, fields):
    reply = api("PUT", "/courses/{name}", "/courses/Physics", body=body, headers={"If-Match": '"1"'})

    assert_is_422_naming(reply, fields)
    assert stored() == physics


@pytest.mark.parametrize(
    "method, resource, path, valid_body",
    [
        ("POST", "/courses", None, {"name": "Intro", "level": "beginner"}),
        ("PUT", "/courses/{name}", "/courses/Physics", {"level": "advanced"}),
    ],
    ids=["create", "update"],
)
@pytest.mark.parametrize("make_array", [lambda body: [body], lambda body: [body, 42]], ids=["[body]", "[body, 42]"])
def test_an_array_holding_a_valid_body_is_422_and_writes_nothing(
    api, physics, stored, method, resource, path, valid_body, make_array
):
    reply = api(method, resource, path, body=make_array(valid_body))

    assert_is_422_naming(reply, None)
    assert stored() == physics


def test_422_detail_does_not_echo_the_body(api, table):
    reply = api("POST", "/courses", body={"name": "Secret Name", "level": "wizard-level"})

    assert reply.status == 422
    assert "Secret Name" not in reply.raw["body"]
    assert "wizard-level" not in reply.raw["body"]


NOT_JSON = [
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=XyZ",
    "multipart/form-data",
    # Not application/json, though they start with it.
    "application/jsonp",
    "application/json5",
    "application/json-patch+json",
    "application/jsonl",
    # Structured +json types: JSON syntax with semantics of their own, which this API does not have.
    "application/merge-patch+json",
    "application/problem+json",
    "application/vnd.api+json",
    # JSON in another character set.
    "application/json; charset=latin-1",
    "application/json; charset=utf-16",
    "application/json; charset=utf8",
    'application/json; charset="ISO-8859-1"',
    "application/json; charset=utf-8; charset=latin-1",
    # Not a media type.
    "json",
    "application/",
    "application/json garbage",
    "application/json/x",
    "application/json, text/plain",
    "application/json; charset",
    "application/json\x00",
    "*/*",
    "application/*",
]


@pytest.mark.parametrize("content_type", NOT_JSON)
def test_create_not_sent_as_json_is_415_and_writes_nothing(api, stored, content_type):
    reply = api(
        "POST", "/courses", body='{"name": "Intro", "level": "beginner"}', headers={"Content-Type": content_type}
    )

    assert reply.status == 415
    assert set(reply.body) == {"message"}
    assert stored() == {}


@pytest.mark.parametrize("content_type", NOT_JSON)
def test_update_not_sent_as_json_is_415_and_changes_nothing(api, physics, stored, content_type):
    reply = api(
        "PUT",
        "/courses/{name}",
        "/courses/Physics",
        body='{"level": "advanced"}',
        headers={"Content-Type": content_type},
    )

    assert reply.status == 415
    assert set(reply.body) == {"message"}
    assert stored() == physics


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/json ; charset=utf-8 ",
        "APPLICATION/JSON",
        "application/json;",
        "application/json; version=1",  # a parameter without meaning here is ignored
    ],
)
def test_json_content_types_are_accepted(api, table, content_type):
    reply = api(
        "POST", "/courses", body='{"name": "Intro", "level": "beginner"}', headers={"Content-Type": content_type}
    )

    assert reply.status == 201


# --- what the JSON parser must not let through (I-JSON, RFC 7493) ---------------------------------

HUGE = "9" * 5000  # more digits than Python converts to an int (4,300): its parser raises ValueError

# Bodies Python's json module would accept, or fail on with something other than a JSON error,
# but which are not I-JSON: each is 422 json_invalid, wherever the offending part is.
NOT_I_JSON = {
    "5,000-digit number as the name": f'{{"name": {HUGE}, "level": "beginner"}}',
    "5,000-digit number in an extra field": f'{{"name": "Intro", "level": "beginner", "x": {HUGE}}}',
    "5,000-digit negative number in a list": f'{{"name": "Intro", "level": "beginner", "x": [1, -{HUGE}]}}',
    "5,000-digit number alone": HUGE,
    "integer a double cannot hold": '{"name": "Intro", "level": "beginner", "x": 1%s}' % ("0" * 309),
    "exponent past a double": '{"name": "Intro", "level": "beginner", "x": 1e999}',
    "negative exponent past a double": '{"name": "Intro", "level": "beginner", "x": -1.5E+400}',
    "huge exponent": '{"name": "Intro", "level": "beginner", "x": 1e99999999999999999999}',
    "NaN": '{"name": "Intro", "level": "beginner", "x": NaN}',
    "Infinity": '{"name": "Intro", "level": "beginner", "x": Infinity}',
    "-Infinity as the level": '{"name": "Intro", "level": -Infinity}',
    "lone high surrogate in the name": '{"name": "Intro\\ud800", "level": "beginner"}',
    "lone low surrogate in a key": '{"name": "Intro", "level": "beginner", "\\udc00": 1}',
    "reversed surrogate pair": '{"name": "\\ude80\\ud83d", "level": "beginner"}',
    "lone surrogate deep in a list": '{"name": "Intro", "level": "beginner", "x": [[["\\ud83d"]]]}',
    "noncharacter U+FFFF": '{"name": "Intro\\uffff", "level": "beginner"}',
    "noncharacter U+FDD0": '{"name": "Intro\ufdd0", "level": "beginner"}',
    "noncharacter U+10FFFE": '{"name": "Intro\\udbff\\udffe", "level": "beginner"}',
    "a key given twice": '{"name": "Intro", "name": "Other", "level": "beginner"}',
    "a key given twice in a nested object": '{"name": "Intro", "level": "beginner", "x": {"a": 1, "a": 1}}',
    "byte order mark": '\ufeff{"name": "Intro", "level": "beginner"}',
}


@pytest.mark.parametrize("body", NOT_I_JSON.values(), ids=NOT_I_JSON.keys())
def test_create_with_a_body_that_is_not_i_json_is_422_json_invalid_and_writes_nothing(api, stored, body):
    reply = api("POST", "/courses", body=body)

    assert_is_422_naming(reply, None)
    assert [item["type"] for item in reply.body["detail"]] == ["json_invalid"]
    assert stored() == {}


# Nesting the service reads no further than (RFC 8259, section 9, lets a parser set that limit):
# Python 3.11's parser stops near 1,000 levels and 3.13's goes far deeper, so without a limit of
# its own the same body gave make run (the developer's Python) and Lambda (3.13) different answers.
TOO_DEEP = {
    "arrays nested 65 deep": "[" * 65 + "]" * 65,
    "objects nested 65 deep in an extra field": (
        '{"name": "Intro", "level": "beginner", "x": ' + '{"a":' * 64 + "1" + "}" * 64 + "}"
    ),
    "arrays nested 1,000 deep": "[" * 1000 + "]" * 1000,
    "arrays opened 1,000 deep, never closed": "[" * 1000,
}


@pytest.mark.parametrize("body", TOO_DEEP.values(), ids=TOO_DEEP.keys())
def test_json_nested_deeper_than_64_is_422_json_invalid_on_every_python(api, stored, body):
    reply = api("POST", "/courses", body=body)

    assert_is_422_naming(reply, None)
    assert reply.body["detail"] == [{"loc": ["body", 0], "type": "json_invalid"}]
    assert stored() == {}


def test_json_nested_64_deep_is_read(api, stored):
    reply = api("POST", "/courses", body='{"name": "Intro", "level": "beginner", "x": ' + "[" * 63 + "]" * 63 + "}")

    assert [item["type"] for item in reply.body["detail"]] == ["extra_forbidden"]


def test_brackets_inside_strings_do_not_count_as_nesting(api, stored):
    text = '\\"[' * 100 + "{" * 100  # escaped quotes and backslashes do not end the string early
    reply = api("POST", "/courses", body=json.dumps({"name": "Intro", "level": "beginner", "x": text}))

    assert [item["type"] for item in reply.body["detail"]] == ["extra_forbidden"]


@pytest.mark.parametrize(
    "body",
    [
        f'{{"level": {HUGE}}}',
        '{"level": NaN}',
        '{"level": "advanced", "level": "beginner"}',
        '{"level": "advanced", "x": "\\udfff"}',
    ],
    ids=["5,000-digit level", "NaN level", "level twice", "lone surrogate"],
)
def test_update_with_a_body_that_is_not_i_json_is_422_and_changes_nothing(api, physics, stored, body):
    reply = api("PUT", "/courses/{name}", "/courses/Physics", body=body)

    assert_is_422_naming(reply, None)
    assert [item["type"] for item in reply.body["detail"]] == ["json_invalid"]
    assert stored() == physics


@pytest.mark.parametrize(
    "extra",
    [
        "1" * 309,
        "-1.7976931348623157e308",
        "1e-400",
        "0.1",
        "-0",
        "12345678901234567890",
        '"\\ud83d\\ude80"',
        '"\\ufffd"',
    ],
)
def test_numbers_a_double_holds_and_paired_surrogates_parse_then_fail_as_an_extra_field(api, stored, extra):
    reply = api("POST", "/courses", body=f'{{"name": "Intro", "level": "beginner", "x": {extra}}}')

    assert_is_422_naming(reply, {"x"})
    assert [item["type"] for item in reply.body["detail"]] == ["extra_forbidden"]
    assert stored() == {}


def test_a_surrogate_pair_escape_is_the_character_it_encodes(api, stored):
    reply = api("POST", "/courses", body='{"name": "\\ud83d\\ude80 launch", "level": "beginner"}')

    assert (reply.status, reply.body["name"]) == (201, "\U0001f680 launch")
    assert list(stored()) == ["\U0001f680 launch"]


# --- the size limit counts bytes as received ------------------------------------------------------

LIMIT = 16 * 1024
VALID = '{"name": "Intro", "level": "beginner"}'


def padded(body: str, size: int) -> str:
    """``body`` followed by spaces (valid JSON whitespace) up to ``size`` UTF-8 bytes."""
    return body + " " * (size - len(body.encode()))


def test_a_body_of_exactly_16_kib_is_read(api, stored):
    assert api("POST", "/courses", body=padded(VALID, LIMIT)).status == 201
    assert list(stored()) == ["Intro"]


def test_a_body_one_byte_over_16_kib_is_413(api, stored):
    reply = api("POST", "/courses", body=padded(VALID, LIMIT + 1))

    assert (reply.status, set(reply.body)) == (413, {"message"})
    assert stored() == {}


@pytest.mark.parametrize("char", ["\U0001f600", "日", "é"], ids=["4-byte emoji", "3-byte CJK", "2-byte accent"])
def test_multibyte_characters_count_as_their_utf8_bytes(api, stored, char):
    # Fewer characters than the limit, more bytes.
    count = LIMIT // len(char.encode()) + 1
    body = json.dumps({"name": "Intro", "level": "beginner", "x": char * count}, ensure_ascii=False)
    assert len(body) < LIMIT < len(body.encode())

    reply = api("POST", "/courses", body=body)

    assert reply.status == 413
    assert stored() == {}


def test_64_kb_of_emoji_in_the_name_is_413(api, stored):
    body = json.dumps({"name": "\U0001f600" * 16_000, "level": "beginner"}, ensure_ascii=False)

    reply = api("POST", "/courses", body=body)

    assert reply.status == 413
    assert stored() == {}


# --- bodies API Gateway base64-encodes (binary media types) ---------------------------------------


def test_a_base64_encoded_json_body_is_read(api, stored):
    reply = api("POST", "/courses", body='{"name": "Café", "level": "advanced"}'.encode())

    assert (reply.status, reply.body["name"]) == (201, "Café")
    assert list(stored()) == ["Café"]


def test_the_limit_counts_the_decoded_bytes_of_a_base64_body(api, stored):
    body = padded(VALID, LIMIT).encode()  # base64 makes it a third longer: still 16 KiB as received
    assert api("POST", "/courses", body=body).status == 201
    assert api("POST", "/courses", body=padded(VALID, LIMIT + 1).encode()).status == 413


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "caf\xe9", "level": "beginner"}',
        b'{"name": "\xed\xa0\x80", "level": "beginner"}',
        b"\xff\xfe{}",
        '{"name": "Intro", "level": "beginner"}'.encode("utf-16"),
    ],
    ids=["Latin-1 byte", "UTF-8-encoded surrogate", "bytes no UTF-8 has", "UTF-16"],
)
def test_a_base64_body_that_is_not_utf8_is_422_and_writes_nothing(api, stored, raw):
    reply = api("POST", "/courses", body=raw)

    assert_is_422_naming(reply, None)
    assert stored() == {}


def test_a_body_flagged_base64_that_is_not_base64_is_422(handlers, table, stored):
    route = template.route("POST", "/courses")
    event = api_event("POST", "/courses", route=route, headers={"Content-Type": "application/json"}, body=VALID)
    event["isBase64Encoded"] = True  # but the body is plain JSON text

    reply = handlers[route.function](event, LambdaContext(function_name=route.function))

    assert reply["statusCode"] == 422
    assert [item["type"] for item in json.loads(reply["body"])["detail"]] == ["json_invalid"]
    assert stored() == {}


@pytest.mark.parametrize("content_type", [None, "", "  "], ids=["no Content-Type", "empty", "blank"])
def test_a_body_without_a_content_type_is_read_as_json(api, stored, content_type):
    reply = api("POST", "/courses", body={"name": "Intro", "level": "beginner"}, headers={"Content-Type": content_type})

    assert reply.status == 201
    assert list(stored()) == ["Intro"]


def test_each_offending_field_is_one_detail_item_with_its_loc_and_type(api, stored):
    reply = api("POST", "/courses", body={"name": "", "level": "expert", "x": 1})

    assert (reply.status, reply.body) == (
        422,
        {
            "message": "Request is invalid",
            "detail": [
                {"loc": ["body", "name"], "type": "string_too_short"},
                {"loc": ["body", "level"], "type": "literal_error"},
                {"loc": ["body", "x"], "type": "extra_forbidden"},
            ],
        },
    )
    assert stored() == {}


@pytest.mark.parametrize(
    "method, resource, path, body",
    [("POST", "/courses", None, "hello"), ("PUT", "/courses/{name}", "/courses/Physics", "hello")],
    ids=["create", "update"],
)
def test_a_body_not_sent_as_json_is_415_saying_content_type_must_be_application_json(
    api, physics, method, resource, path, body
):
    reply = api(method, resource, path, body=body, headers={"Content-Type": "text/plain"})

    assert (reply.status, reply.body) == (415, {"message": "Content-Type must be application/json"})


@pytest.mark.parametrize(
    "method, resource, path, body",
    [("POST", "/courses", None, VALID), ("PUT", "/courses/{name}", "/courses/Physics", '{"level": "advanced"}')],
    ids=["create", "update"],
)
def test_a_body_over_16_kib_is_413_saying_request_body_too_large(api, physics, stored, method, resource, path, body):
    reply = api(method, resource, path, body=padded(body, LIMIT + 1))

    assert (reply.status, reply.body) == (413, {"message": "Request body too large"})
    assert stored() == physics
