"""Bodies that cannot be accepted give 422 with ``detail`` items (``loc``, ``type``) naming the
offending fields, and write nothing; a body that is not sent as JSON gives 415."""

import pytest

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
        "PUT", "/courses/{name}", "/courses/Physics", body='{"level": "advanced"}', headers={"Content-Type": content_type}
    )

    assert reply.status == 415
    assert set(reply.body) == {"message"}
    assert stored() == physics


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"]
)
def test_json_content_types_are_accepted(api, table, content_type):
    reply = api(
        "POST", "/courses", body='{"name": "Intro", "level": "beginner"}', headers={"Content-Type": content_type}
    )

    assert reply.status == 201
