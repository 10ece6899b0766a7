"""When things go wrong: DynamoDB throttling or unavailability gives 503 with Retry-After; anything
unexpected gives 500 {"message": "Internal server error"} (logged: see test_logs.py). No
response shows what went wrong inside (the ``api`` fixture checks every body and header for that)."""

from http import HTTPStatus

import pytest

from course_service.core import courses
from course_service.core.errors import CourseError
from tests.unit.support import FIRST_ETAG, PERMANENT_ERRORS, TRANSIENT_ERRORS

# One request per DynamoDB call a request can make, against the existing course "Chemistry".
REQUESTS = {
    "create": (("POST", "/courses", None, {"name": "Biology", "level": "beginner"}), "PutItem"),
    "get": (("GET", "/courses/{name}", "/courses/Chemistry"), "GetItem"),
    "update": (("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}), "UpdateItem"),
    "update with If-Match": (
        ("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}, {"If-Match": FIRST_ETAG}),
        "UpdateItem",
    ),
    "stale If-Match, in the read after the refused write": (
        ("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}, {"If-Match": '"7"'}),
        "GetItem",
    ),
    "list": (("GET", "/courses"), "Query"),
    "list of a level": (("GET", "/courses", "/courses?level=beginner"), "Query"),
}
SECRET = "kaboom in /var/task/app.py: arn:aws:dynamodb:us-east-1:123456789012:table/courses-test"


def explode(*args, **kwargs):
    raise RuntimeError(SECRET)


@pytest.fixture
def chemistry(create, stored, clock) -> dict:
    """Creates the course "Chemistry" (its ETag: FIRST_ETAG); returns the table's items then."""
    create("Chemistry", "beginner")
    return stored()


@pytest.mark.parametrize("make_error", TRANSIENT_ERRORS.values(), ids=TRANSIENT_ERRORS.keys())
@pytest.mark.parametrize("request_args, operation", REQUESTS.values(), ids=REQUESTS.keys())
def test_dynamodb_throttling_or_unavailability_gives_503_with_retry_after(
    api, chemistry, stored, dynamodb, request_args, operation, make_error
):
    dynamodb.fail(operation, make_error(operation))

    reply = api(*request_args)

    assert reply.status == 503
    assert int(reply.headers["retry-after"]) > 0
    assert set(reply.body) == {"message"} and reply.body["message"]
    assert stored() == chemistry


@pytest.mark.parametrize("make_error", TRANSIENT_ERRORS.values(), ids=TRANSIENT_ERRORS.keys())
@pytest.mark.parametrize(
    "request_args, expected",
    [
        (("POST", "/courses", None, {"name": "Biology", "level": "beginner"}), 201),
        (("GET", "/courses/{name}", "/courses/Chemistry"), 200),
        (("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}, {"If-Match": FIRST_ETAG}), 200),
        (("GET", "/courses"), 200),
    ],
    ids=["create", "get", "update with If-Match", "list"],
)
def test_the_same_request_succeeds_once_the_fault_clears(api, chemistry, dynamodb, request_args, expected, make_error):
    for operation in ("PutItem", "GetItem", "UpdateItem", "Query"):
        dynamodb.fail(operation, make_error(operation))
    assert api(*request_args).status == 503

    dynamodb.heal()

    assert api(*request_args).status == expected


@pytest.mark.parametrize("make_error", PERMANENT_ERRORS.values(), ids=PERMANENT_ERRORS.keys())
@pytest.mark.parametrize("request_args, operation", REQUESTS.values(), ids=REQUESTS.keys())
def test_other_dynamodb_errors_give_a_bare_500(api, chemistry, dynamodb, request_args, operation, make_error):
    dynamodb.fail(operation, make_error(operation))

    reply = api(*request_args)

    assert (reply.status, reply.body) == (500, {"message": "Internal server error"})


# Each route's domain operation, made to fail in a way nobody planned for.
OPERATIONS = {
    "create": (("POST", "/courses", None, {"name": "Biology", "level": "beginner"}), "create"),
    "get": (("GET", "/courses/{name}", "/courses/Chemistry"), "get"),
    "update": (("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}), "change_level"),
    "health": (("GET", "/health"), "check_store"),
    "list": (("GET", "/courses"), "list_page"),
}


@pytest.mark.parametrize("request_args, function", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_an_unexpected_error_gives_500_without_its_text(api, chemistry, monkeypatch, request_args, function):
    monkeypatch.setattr(courses, function, explode)

    reply = api(*request_args)

    assert (reply.status, reply.body) == (500, {"message": "Internal server error"})
    assert "kaboom" not in reply.raw["body"]


def test_a_new_domain_error_answers_with_the_status_and_message_it_declares(invoke, table, monkeypatch):
    """Adding a domain error is one edit: the class names its status; no table maps it elsewhere.
    (``invoke``, not ``api``: openapi.json does not know this made-up error's 410.)"""

    class CourseArchived(CourseError):
        status = HTTPStatus.GONE
        message = "This course is archived"

    def archived(*_):
        raise CourseArchived()

    monkeypatch.setattr(courses, "get", archived)

    reply = invoke("GET", "/courses/{name}", "/courses/Chemistry")

    assert (reply.status, reply.body) == (410, {"message": "This course is archived"})
    assert reply.headers["content-type"] == "application/json"
    assert "retry-after" not in reply.headers


RETRY_LATER = "Service temporarily unavailable, retry later"
UNKNOWN_OUTCOME = "The write may or may not have been applied; read the course to find out"
WRITES = {
    "create": REQUESTS["create"],
    "update": REQUESTS["update"],
    "update with If-Match": REQUESTS["update with If-Match"],
    "delete": (("DELETE", "/courses/{name}", "/courses/Chemistry"), "DeleteItem"),
}
# DynamoDB did not apply the request: it throttled, the connection was refused or never opened, or
# botocore could not sign it.
NOT_APPLIED = (
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "EndpointConnectionError",
    "NoCredentialsError",
)
# The request was sent and no usable answer came: DynamoDB may have applied it.
MAYBE_APPLIED = ("ReadTimeoutError", "ConnectionClosedError", "InternalServerError")


@pytest.mark.parametrize(
    "request_args, operation",
    [REQUESTS[kind] for kind in ("get", "list", "list of a level")] + list(WRITES.values()),
    ids=["get", "list", "list of a level", *WRITES],
)
@pytest.mark.parametrize("error", NOT_APPLIED + ("ConnectTimeoutError",))
def test_a_request_dynamodb_did_not_apply_answers_503_retry_later(
    api, chemistry, stored, dynamodb, request_args, operation, error
):
    """Throttled, or never sent (connection refused, connect timeout): nothing was applied, and the
    answer says so; a POST whose connection was refused is not "may or may not have been applied"."""
    dynamodb.fail(operation, TRANSIENT_ERRORS[error](operation))

    reply = api(*request_args)

    assert (reply.status, reply.body) == (503, {"message": RETRY_LATER})
    assert reply.headers["retry-after"] == "1"
    assert stored() == chemistry


@pytest.mark.parametrize("request_args, operation", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("error", MAYBE_APPLIED)
def test_a_write_sent_without_a_usable_answer_that_a_read_cannot_settle_answers_503_outcome_unknown(
    api, chemistry, dynamodb, request_args, operation, error
):
    """Every send of the write fails so (the read after each one finds it not applied, so a change
    or delete is sent again, pinned to the course, up to its limit): the last send may have been
    applied later. A client reads the course to find out (docs/DECISIONS.md)."""
    dynamodb.fail(operation, TRANSIENT_ERRORS[error](operation))

    reply = api(*request_args)

    assert (reply.status, reply.body) == (503, {"message": UNKNOWN_OUTCOME})
    assert reply.headers["retry-after"] == "1"
