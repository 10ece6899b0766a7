"""The benchmark's floor (bench/baseline/app.py) makes the same DynamoDB calls as the functions.

``make bench`` compares each function with a handler that makes its DynamoDB call with botocore
alone; for the difference to be the function's own cost, DynamoDB must be asked the same thing:
the same operations, item attributes, expressions and options. Values (names' hashes, times,
tokens) may differ, their types may not.
"""

import importlib.util
import json

import pytest

from localdev import template
from localdev.runtime import LambdaContext, api_event
from tests.root import ROOT

BODY = {"Content-Type": "application/json"}
# Each row: what is sent, to the function and to the floor, after the course "Seeded" was created
# (by the function, or by the floor: each against its own state).
REQUESTS = {
    "create": ("POST", "/courses", "/courses", BODY, {"name": "Another", "level": "beginner"}),
    "keyed create": (
        "POST",
        "/courses",
        "/courses",
        {**BODY, "Idempotency-Key": "key-0001"},
        {"name": "Keyed", "level": "advanced"},
    ),
    "get": ("GET", "/courses/{name}", "/courses/Seeded", {}, None),
    "update": ("PUT", "/courses/{name}", "/courses/Seeded", BODY, {"level": "advanced"}),
    "delete": ("DELETE", "/courses/{name}", "/courses/Seeded", {}, None),
    "list": ("GET", "/courses", "/courses", {}, None),
    "health": ("GET", "/health", "/health", {}, None),
}


def shape(value):
    """``value`` with each DynamoDB attribute value reduced to its type."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in {"S", "N", "B", "BOOL", "NULL"}:
            return next(iter(value))
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return value


@pytest.fixture
def floor(table):
    """The floor's handler, its client created inside moto, and the calls it makes."""
    spec = importlib.util.spec_from_file_location("bench_floor", ROOT / "bench" / "baseline" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []
    make_api_call = module.client._make_api_call

    def recording(operation, params):
        calls.append((operation, json.loads(json.dumps(params))))
        return make_api_call(operation, params)

    module.client._make_api_call = recording
    return module.lambda_handler, calls


def emptied(client) -> None:
    """Deletes every item of the courses and Idempotency-Key tables."""
    for name in client.list_tables()["TableNames"]:
        keys = [part["AttributeName"] for part in client.describe_table(TableName=name)["Table"]["KeySchema"]]
        for item in client.scan(TableName=name)["Items"]:
            client.delete_item(TableName=name, Key={key: item[key] for key in keys})


def _event(method, resource, path, headers, body):
    text = None if body is None else json.dumps(body)
    return api_event(method, path, route=template.route(method, resource), headers=headers, body=text)


@pytest.mark.parametrize("request_name", REQUESTS)
def test_the_floor_makes_the_same_dynamodb_calls_as_the_function(request_name, floor, handlers, dynamodb, table):
    floor_handler, floor_calls = floor
    seed = _event("POST", "/courses", "/courses", BODY, {"name": "Seeded", "level": "beginner"})
    method, resource, path, headers, body = REQUESTS[request_name]
    function = handlers[template.route(method, resource).function]

    assert handlers[template.route("POST", "/courses").function](seed, LambdaContext())["statusCode"] == 201
    dynamodb.calls.clear()
    answered = function(_event(method, resource, path, headers, body), LambdaContext())["statusCode"]
    service_calls = list(dynamodb.calls)
    emptied(table)  # the floor starts from the same state, its own
    floor_handler(seed, LambdaContext())
    floor_calls.clear()
    floor_answered = floor_handler(_event(method, resource, path, headers, body), LambdaContext())["statusCode"]

    assert answered == floor_answered
    assert [operation for operation, _ in floor_calls] == [operation for operation, _ in service_calls]
    assert [shape(params) for _, params in floor_calls] == [shape(params) for _, params in service_calls]
