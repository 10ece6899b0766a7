"""Logs and metrics: an unexpected error is logged with the API Gateway request id (the correlation
id); each outcome is counted as a CloudWatch metric (embedded metric format on stdout)."""

import io
import json

import pytest

from course_service import courses, entry
from course_service.errors import StoreUnavailable
from localdev import template
from localdev.runtime import LambdaContext, api_event


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
    monkeypatch.setattr(entry.logger.registered_handler, "stream", log)
    route = template.route(method, resource)
    event = api_event(method, path, route=route)

    reply = handlers[route.function](event, LambdaContext(function_name=route.function))

    assert reply["statusCode"] == 500
    records = [json.loads(line) for line in log.getvalue().splitlines()]
    errors = [record for record in records if record["level"] == "ERROR"]
    assert [record["correlation_id"] for record in errors] == [event["requestContext"]["requestId"]]
    assert "kaboom" in errors[0]["exception"]


def metric_names(stdout: str) -> list[str]:
    """The names of the metrics flushed in embedded metric format (one JSON object per line)."""
    names = []
    for line in stdout.splitlines():
        document = json.loads(line) if line.startswith("{") else {}
        for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
            names += [metric["Name"] for metric in directive["Metrics"]]
    return names


@pytest.mark.parametrize(
    "request_args, metrics",
    [
        (("POST", "/courses", None, {"name": "Biology", "level": "beginner"}), ["CourseCreated"]),
        (("POST", "/courses", None, {"name": "Chemistry", "level": "beginner"}), ["CourseConflict"]),
        (("POST", "/courses", None, {"name": "Biology"}), ["ValidationFailed"]),
        (("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}), ["CourseUpdated"]),
        (
            ("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}, {"If-Match": '"9"'}),
            ["CourseConflict"],
        ),
        (("GET", "/courses/{name}", "/courses/Chemistry"), []),
        (("GET", "/courses"), []),
        (("GET", "/courses", "/courses?limit=0"), ["ValidationFailed"]),
    ],
    ids=["created", "duplicate", "invalid", "updated", "stale If-Match", "read", "list", "invalid list"],
)
def test_each_outcome_is_counted(api, create, capsys, request_args, metrics):
    create("Chemistry")
    capsys.readouterr()

    api(*request_args)

    assert metric_names(capsys.readouterr().out) == metrics


def _raise(error: Exception):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.mark.parametrize(
    "function, method, resource, path",
    [("get", "GET", "/courses/{name}", "/courses/Chemistry"), ("check_store", "GET", "/health", "/health")],
    ids=["through the resolver (get)", "without one (health)"],
)
@pytest.mark.parametrize(
    "error, status, metric",
    [(RuntimeError("kaboom"), 500, "UnexpectedError"), (StoreUnavailable(), 503, "StoreUnavailable")],
    ids=["unexpected error: 500", "DynamoDB unavailable: 503"],
)
def test_500s_and_503s_are_each_counted_for_their_own_alarm(
    handlers, table, monkeypatch, capsys, function, method, resource, path, error, status, metric
):
    """Handler-caught 500s are not Lambda errors, and 503s are not bugs: each has its metric and alarm."""
    monkeypatch.setattr(courses, function, _raise(error))
    route = template.route(method, resource)
    capsys.readouterr()

    reply = handlers[route.function](api_event(method, path, route=route), LambdaContext(function_name=route.function))

    assert reply["statusCode"] == status
    assert metric_names(capsys.readouterr().out) == [metric]
