"""Logs: JSON, the API Gateway request id on every line, never a request body or a credential; an
unexpected error is logged with the request id (the correlation id) and what was raised."""

import base64
import io
import json

import pytest
from botocore.exceptions import ClientError

from course_service import entry
from course_service.common import observability
from course_service.core import courses
from localdev import template
from localdev.runtime import LambdaContext, api_event
from tests.unit.support import TRANSIENT_ERRORS

SECRET_NAME = "Course-name-nobody-should-see-in-logs"
# A cursor holds a course name (base64 is no secret): it stays out of the logs like the name itself.
CURSOR = (
    base64.urlsafe_b64encode(
        json.dumps({"v": 1, "after": SECRET_NAME, "level": "beginner"}, separators=(",", ":")).encode()
    )
    .decode()
    .rstrip("=")
)
CREDENTIAL = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/execute-api/aws4_request, Signature=feedface"


@pytest.mark.parametrize(
    "method, resource, path, body",
    [
        ("POST", "/courses", "/courses", {"name": SECRET_NAME, "level": "beginner"}),
        ("POST", "/courses", "/courses", {"name": SECRET_NAME, "level": "expert"}),  # 422
        ("PUT", "/courses/{name}", "/courses/" + SECRET_NAME, {"level": "advanced"}),  # 404
        ("GET", "/courses/{name}", "/courses/" + SECRET_NAME, None),
        ("GET", "/health", "/health", None),
        ("GET", "/courses", "/courses?level=beginner&cursor=" + CURSOR, None),
        ("GET", "/courses", "/courses?level=advanced&cursor=" + CURSOR, None),  # 422: another level's cursor
    ],
)
def test_every_log_line_is_json_with_the_request_id_and_no_body_or_credential(
    handlers, table, monkeypatch, method, resource, path, body
):
    log = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", log)
    level = observability.logger.log_level
    observability.logger.setLevel("DEBUG")  # every line the service can write, as with LogLevel=DEBUG
    route = template.route(method, resource)
    headers = {"Content-Type": "application/json", "Authorization": CREDENTIAL, "X-Amz-Security-Token": "tok-secret"}
    event = api_event(method, path, route=route, headers=headers, body=json.dumps(body) if body else None)
    try:
        handlers[route.function](event, LambdaContext(function_name=route.function))
    finally:
        observability.logger.setLevel(level)

    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    assert lines, "a request leaves at least one log line"
    request_id = event["requestContext"]["requestId"]
    assert all(line["correlation_id"] == request_id for line in lines)
    assert any(line["message"] == "Request handled" and line["route"] == resource for line in lines)
    text = json.dumps(lines)
    for secret in (SECRET_NAME, CURSOR, "Signature=feedface", "AKIDEXAMPLE", "tok-secret"):
        assert secret not in text


@pytest.mark.parametrize(
    "function, method, resource, path",
    [("get", "GET", "/courses/{name}", "/courses/Chemistry"), ("check_store", "GET", "/health", "/health")],
    ids=["through the resolver (get)", "without one (health)"],
)
def test_an_unexpected_error_is_logged_with_the_request_id(
    handlers, table, monkeypatch, function, method, resource, path
):
    def explode(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(courses, function, explode)
    log = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", log)
    route = template.route(method, resource)
    event = api_event(method, path, route=route)

    reply = handlers[route.function](event, LambdaContext(function_name=route.function))

    assert reply["statusCode"] == 500
    records = [json.loads(line) for line in log.getvalue().splitlines()]
    errors = [record for record in records if record["level"] == "ERROR"]
    assert [record["correlation_id"] for record in errors] == [event["requestContext"]["requestId"]]
    assert "kaboom" in errors[0]["exception"]


@pytest.mark.parametrize("make_error", TRANSIENT_ERRORS.values(), ids=TRANSIENT_ERRORS.keys())
@pytest.mark.parametrize(
    "method, resource, path, operation",
    [
        ("GET", "/courses/{name}", "/courses/" + SECRET_NAME, "GetItem"),
        ("PUT", "/courses/{name}", "/courses/" + SECRET_NAME, "UpdateItem"),
        ("GET", "/health", "/health", "DescribeTable"),
    ],
    ids=["read (resolver)", "write (resolver)", "health (no resolver)"],
)
def test_dynamodb_unavailable_is_one_warning_line_with_its_error_code_and_no_stack_trace(
    handlers, table, dynamodb, monkeypatch, method, resource, path, operation, make_error
):
    """An expected, classified failure (throttled, failing, out of reach): one structured line that
    says which, the stack traces are for the unexpected (above)."""
    error = make_error(operation)
    dynamodb.fail(operation, error)
    log = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", log)
    route = template.route(method, resource)
    body = json.dumps({"level": "advanced"}) if method == "PUT" else None
    event = api_event(method, path, route=route, headers={"Content-Type": "application/json"}, body=body)

    reply = handlers[route.function](event, LambdaContext(function_name=route.function))

    assert reply["statusCode"] == 503
    [line] = [json.loads(text) for text in log.getvalue().splitlines()]
    code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
    assert (line["level"], line["message"], line["error_code"]) == ("WARNING", "DynamoDB unavailable", code)
    # A write that was sent and got no usable answer may have been applied; one refused or never
    # sent was not (course_service.store.retry_policy).
    maybe_applied = code in {"ReadTimeoutError", "ConnectionClosedError", "InternalServerError", "ServiceUnavailable"}
    assert line["error"] == ("WriteOutcomeUnknown" if method == "PUT" and maybe_applied else "StoreUnavailable")
    assert line["correlation_id"] == event["requestContext"]["requestId"]
    assert "exception" not in line and "Traceback" not in log.getvalue()
    assert SECRET_NAME not in log.getvalue()


@pytest.mark.parametrize(
    "request_context",
    [{"requestId": "id-1"}, {"requestId": 7}, {"requestId": None}, {}, None, [], "id-1", [{"requestId": "x"}]],
    ids=repr,
)
def test_the_correlation_id_is_what_powertools_reads_at_api_gateways_path(request_context):
    # entry.request_id stands for inject_lambda_context's correlation_id_path, whatever the event holds.
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.jmespath_utils import query

    event = {} if request_context is None else {"requestContext": request_context}

    assert entry.request_id(event) == query(envelope=correlation_paths.API_GATEWAY_REST, data=event)


def test_a_request_without_an_id_logs_none_not_the_id_of_the_request_before(handlers, table, monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", log)
    route = template.route("GET", "/courses/{name}")
    first = api_event("GET", "/courses/Missing", route=route)
    second = {
        key: value
        for key, value in api_event("GET", "/courses/Missing", route=route).items()
        if key != "requestContext"
    }

    level = observability.logger.log_level
    observability.logger.setLevel("DEBUG")  # "Request handled", one line a request
    try:
        for event in (first, second):
            assert handlers[route.function](event, LambdaContext(function_name=route.function))["statusCode"] == 404
    finally:
        observability.logger.setLevel(level)

    ids = [json.loads(line).get("correlation_id") for line in log.getvalue().splitlines()]
    assert ids == [first["requestContext"]["requestId"], None]
