"""Metrics: each outcome is counted as a CloudWatch metric (embedded metric format on stdout), and
500s and 503s each have their own, for their own alarm."""

import pytest

from course_service.core import courses
from course_service.core.errors import StoreUnavailable
from localdev import template
from localdev.runtime import LambdaContext, api_event
from tests.unit.support import metric_names


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
def test_creates_updates_conflicts_and_refusals_are_each_counted_and_reads_are_not(
    api, create, capsys, request_args, metrics
):
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
