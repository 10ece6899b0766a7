"""POST /courses with ``Idempotency-Key``: a retry with the same key and body answers the first
response again, whatever happened to the course since; the same key with another body is 422 and
writes nothing; a request whose key is still in flight is 409 with Retry-After; never two courses.
Without the header nothing changes. Late DynamoDB replies (``late_replies``) do not change the answer.
"""

import json
import os
import string
import subprocess
import sys
import time
from urllib.parse import urljoin

import pytest

from course_service.core import courses
from course_service.core.errors import CreateInProgress
from course_service.edge.answers import created_record
from course_service.edge.paths import course_path
from localdev import template
from localdev.runtime import LambdaContext, api_event
from tests.root import ROOT
from tests.unit.support import IDEMPOTENCY_TABLE_NAME, TABLE_NAME, TRANSIENT_ERRORS, client_error

KEY = "4f9c1b0e-8d2a-4c6e-9a57-0c3d2b1e6f48"
CHEMISTRY = {"name": "Chemistry", "level": "beginner"}
UNKNOWN_OUTCOME = "The write may or may not have been applied; read the course to find out"
RETRY_LATER = "Service temporarily unavailable, retry later"
IN_PROGRESS = "A request with this Idempotency-Key is still in progress; retry after Retry-After seconds"
KEY_REUSED = {
    "message": "Request is invalid",
    "detail": [{"loc": ["header", "Idempotency-Key"], "type": "idempotency_key_reused"}],
}


@pytest.fixture
def keyed(api, table):
    """POST /courses with an Idempotency-Key (KEY unless told), through the handler."""

    def post(body=CHEMISTRY, key=KEY):
        return api("POST", "/courses", body=body, headers={"Idempotency-Key": key})

    return post


def tables_called(dynamodb) -> list[tuple[str, str]]:
    return [(operation, params["TableName"]) for operation, params in dynamodb.calls]


def same_response(reply, first) -> bool:
    return (reply.status, reply.body, reply.headers["location"], reply.headers["etag"]) == (
        first.status,
        first.body,
        first.headers["location"],
        first.headers["etag"],
    )


# The contract


def test_a_keyed_create_answers_201_and_its_retry_answers_the_same_response(keyed, stored, get):
    first = keyed()
    again = keyed()

    assert first.status == 201, first.body
    assert urljoin("/courses", first.headers["location"]) == course_path("Chemistry")
    assert same_response(again, first)
    assert list(stored()) == ["Chemistry"]
    assert stored()["Chemistry"]["version"] == 1
    assert get("Chemistry").headers["etag"] == first.headers["etag"]


def test_two_callers_sending_one_key_share_its_first_201(handlers, table, stored):
    """Keys belong to the service, not to a caller (docs/DECISIONS.md): the caller's identity is not part of them."""
    route = template.route("POST", "/courses")
    replies = []
    for caller in ("arn:aws:iam::111111111111:user/first", "arn:aws:iam::222222222222:user/second"):
        event = api_event(
            "POST", "/courses", route=route, headers={"Content-Type": "application/json", "Idempotency-Key": KEY}
        )
        event["body"] = json.dumps(CHEMISTRY)
        event["requestContext"]["identity"] = {"userArn": caller, "accountId": caller.split(":")[4]}
        replies.append(handlers[route.function](event, LambdaContext(function_name=route.function)))

    assert [reply["statusCode"] for reply in replies] == [201, 201]
    assert replies[1]["body"] == replies[0]["body"]
    assert list(stored()) == ["Chemistry"]


def test_a_retry_answers_the_first_response_even_after_the_course_changed(keyed, put, get):
    first = keyed()
    assert put("Chemistry", "advanced").status == 200

    again = keyed()

    assert same_response(again, first)
    assert again.body["level"] == "beginner"  # the first response, not the course as it is now
    assert get("Chemistry").body["level"] == "advanced"


def test_bodies_are_compared_as_validated_so_a_name_with_surrounding_spaces_is_the_same_body(keyed):
    first = keyed()

    assert same_response(keyed({"level": "beginner", "name": "  Chemistry "}), first)


@pytest.mark.parametrize(
    "other",
    [{"name": "Chemistry", "level": "advanced"}, {"name": "Biology", "level": "beginner"}],
    ids=["another level", "another name"],
)
def test_the_same_key_with_another_body_is_422_naming_the_header_and_writes_nothing(
    keyed, stored, idempotency_records, other
):
    keyed()
    before = (stored(), idempotency_records())

    reply = keyed(other)

    assert reply.status == 422
    assert reply.body == KEY_REUSED
    assert (stored(), idempotency_records()) == before


def test_a_key_first_used_for_a_body_that_was_refused_is_free_for_another_body(keyed, create, stored):
    create("Chemistry")  # without a key
    assert keyed().status == 409  # only 201s are remembered

    assert keyed({"name": "Biology", "level": "beginner"}).status == 201
    assert set(stored()) == {"Chemistry", "Biology"}


@pytest.mark.parametrize(
    "key",
    ["", " ", "a b", " padded", "x" * 256, "caf\u00e9", "tab\there", "\x7f", "\u200bzero-width", "newline\n"],
    ids=[
        "empty",
        "a space",
        "inner space",
        "leading space",
        "256 characters",
        "non-ASCII",
        "tab",
        "DEL",
        "zero-width space",
        "trailing newline",
    ],
)
def test_a_key_that_is_not_1_to_255_visible_ascii_characters_is_422_naming_the_header(api, table, stored, key):
    reply = api("POST", "/courses", body=CHEMISTRY, headers={"Idempotency-Key": key})

    assert reply.status == 422, reply.body
    assert [item["loc"] for item in reply.body["detail"]] == [["header", "Idempotency-Key"]]
    assert stored() == {}


@pytest.mark.parametrize(
    "key",
    ["a", "x" * 255, string.punctuation, KEY, '"quoted"'],
    ids=["1 character", "255 characters", "punctuation", "a UUID", "quotes are characters too"],
)
def test_any_1_to_255_visible_ascii_characters_are_a_key(keyed, key):
    first = keyed(key=key)

    assert first.status == 201, first.body
    assert same_response(keyed(key=key), first)


def test_the_header_name_is_case_insensitive(api, keyed):
    first = keyed()

    again = api("POST", "/courses", body=CHEMISTRY, headers={"idempotency-key": KEY})

    assert same_response(again, first)


def test_two_idempotency_key_lines_are_422(handlers, table, stored):
    route = template.route("POST", "/courses")
    event = api_event(
        "POST",
        "/courses",
        route=route,
        body=json.dumps(CHEMISTRY),
        headers={"Content-Type": "application/json", "Idempotency-Key": "b"},
    )
    event["multiValueHeaders"]["Idempotency-Key"] = ["a", "b"]

    reply = handlers[route.function](event, LambdaContext(function_name=route.function))

    assert reply["statusCode"] == 422
    assert [item["loc"] for item in json.loads(reply["body"])["detail"]] == [["header", "Idempotency-Key"]]
    assert stored() == {}


def test_two_keys_are_two_requests(keyed, stored):
    assert keyed(key="one").status == 201
    assert keyed({"name": "Biology", "level": "advanced"}, key="two").status == 201
    assert keyed(key="three").status == 409  # a new request for a name that exists
    assert set(stored()) == {"Chemistry", "Biology"}


# What it costs


def test_a_keyed_create_makes_three_dynamodb_calls(keyed, dynamodb):
    keyed()

    assert tables_called(dynamodb) == [
        ("PutItem", IDEMPOTENCY_TABLE_NAME),  # the record, in progress
        ("PutItem", TABLE_NAME),  # the course
        ("UpdateItem", IDEMPOTENCY_TABLE_NAME),  # the record, completed with the response
    ]


def test_a_replay_makes_one_dynamodb_call_when_the_refused_put_returns_the_record(keyed, dynamodb):
    keyed()
    dynamodb.calls.clear()

    keyed()

    # DynamoDB (and moto) return the item with the refusal (ReturnValuesOnConditionCheckFailure);
    # dynalite does not, and Powertools reads it instead (tests/integration/test_idempotency.py).
    assert tables_called(dynamodb) == [("PutItem", IDEMPOTENCY_TABLE_NAME)]
    assert dynamodb.calls[0][1]["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"


def test_a_keyed_create_of_an_existing_name_is_409_in_four_calls(keyed, create, dynamodb, idempotency_records):
    create("Chemistry")  # without a key
    dynamodb.calls.clear()

    assert keyed().status == 409

    # The refused course may be this request's own (an earlier attempt's): one read tells. The
    # record is then deleted: only 201s are remembered.
    assert tables_called(dynamodb) == [
        ("PutItem", IDEMPOTENCY_TABLE_NAME),
        ("PutItem", TABLE_NAME),
        ("GetItem", TABLE_NAME),
        ("DeleteItem", IDEMPOTENCY_TABLE_NAME),
    ]
    assert idempotency_records() == {}


def test_a_replay_is_not_counted_as_a_created_course_and_in_progress_is_a_conflict(keyed, capsys, monkeypatch):
    from course_service.core import idempotency
    from tests.unit.support import metric_names

    keyed()
    assert metric_names(capsys.readouterr().out) == ["CourseCreated"]
    keyed()
    assert metric_names(capsys.readouterr().out) == []

    def still_in_progress(*args, **kwargs):
        raise CreateInProgress()

    monkeypatch.setattr(idempotency, "create", still_in_progress)
    assert keyed().status == 409
    assert metric_names(capsys.readouterr().out) == ["CourseConflict"]


def test_records_expire_after_24_hours_and_hold_no_key_in_clear(keyed, idempotency_records):
    keyed(key="my-secret-looking-key")

    [(record_id, record)] = idempotency_records().items()
    assert "my-secret-looking-key" not in json.dumps(record, default=str) + record_id
    assert abs(int(record["expiration"]) - (time.time() + 24 * 3600)) < 600  # a clock reading, not a speed
    assert record["status"] == "COMPLETED"


def test_a_record_holds_the_answer_to_replay_and_nothing_of_the_stored_item(keyed, idempotency_records):
    first = keyed()

    [record] = idempotency_records().values()
    data = json.loads(record["data"])
    assert data == {
        "status": 201,
        "headers": {"ETag": first.headers["etag"], "Location": first.headers["location"]},
        "body": first.body,
    }
    for internal in ("write_token", "created_by", "catalogue", "version"):
        assert internal not in record["data"]


def test_without_the_header_nothing_changes_one_call_and_a_duplicate_is_409(api, table, dynamodb, idempotency_records):
    assert api("POST", "/courses", body=CHEMISTRY).status == 201
    assert tables_called(dynamodb) == [("PutItem", TABLE_NAME)]
    dynamodb.calls.clear()

    assert api("POST", "/courses", body=CHEMISTRY).status == 409
    assert tables_called(dynamodb) == [("PutItem", TABLE_NAME)]
    assert idempotency_records() == {}


def test_without_the_header_the_idempotency_utility_is_not_even_imported():
    """Requests without a key do not pay for it: Powertools' idempotency utility and the boto3 it
    brings are ~55 ms of cold start (docs/PERFORMANCE.md). They load with the first keyed request,
    which loads neither Powertools' event handler nor Pydantic, and whose records go through the
    client the courses' calls made: one client per instance.
    (moto needs boto3 in the probe, so boto3 itself is not checked here; make bench counts modules.)"""
    route = template.route("POST", "/courses")
    probe = f"""
import json, sys
from pathlib import Path
import boto3
from moto import mock_aws
from localdev import template
from localdev.runtime import LambdaContext, api_event, load_handler
handler = load_handler(Path({str(route.code_uri)!r}), {route.handler!r})
from course_service.common import settings
loaded = {{}}
with mock_aws():
    client = boto3.client("dynamodb")
    for name, table in ((settings.current.table_name, "CoursesTable"), (settings.current.idempotency_table_name, "IdempotencyTable")):
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **template.table_key_schema(logical_id=table))
    import botocore.session
    create_client, created = botocore.session.Session.create_client, []
    botocore.session.Session.create_client = lambda *args, **kwargs: created.append(1) or create_client(*args, **kwargs)
    for step, headers in (("without", {{}}), ("with", {{"Idempotency-Key": "k"}})):
        body = json.dumps({{"name": "Course " + step, "level": "beginner"}})
        event = api_event("POST", "/courses", headers={{"Content-Type": "application/json", **headers}}, body=body)
        status = handler(event, LambdaContext())["statusCode"]
        modules = [m for m in sys.modules if m.startswith("aws_lambda_powertools.utilities.idempotency")]
        resolver = [m for m in sys.modules if m.startswith(("aws_lambda_powertools.event_handler", "pydantic"))]
        loaded[step] = [status, sorted(modules), resolver, len(created)]
print(json.dumps(loaded))
"""
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=os.environ, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])

    assert loaded["without"] == [201, [], [], 1]
    status, modules, resolver, clients = loaded["with"]
    assert (status, resolver, clients) == (201, [], 1)
    assert "aws_lambda_powertools.utilities.idempotency" in modules  # the probe can see it


# Requests in flight at the same time


def test_a_request_whose_key_is_in_flight_is_409_with_retry_after_and_creates_nothing(api, table, stored, monkeypatch):
    from course_service.core import idempotency

    create_course = courses.create
    arrived = []

    def create_while_a_retry_arrives(*args, **kwargs):
        if not arrived:  # the client's retry arrives while the first request is still creating
            arrived.append(api("POST", "/courses", body=CHEMISTRY, headers={"Idempotency-Key": KEY}))
        return create_course(*args, **kwargs)

    monkeypatch.setattr(courses, "create", create_while_a_retry_arrives)

    answer, replayed = idempotency.create("Chemistry", "beginner", KEY, LambdaContext(), created_record)

    [retry] = arrived
    assert retry.status == 409
    assert retry.body == {"message": IN_PROGRESS}
    assert int(retry.headers["retry-after"]) > 0
    assert (answer["status"], answer["body"]["name"], replayed) == (201, "Chemistry", False)
    assert list(stored()) == ["Chemistry"]
    later = api("POST", "/courses", body=CHEMISTRY, headers={"Idempotency-Key": KEY})
    assert later.status == 201
    assert later.headers["etag"] == api("GET", "/courses/{name}", course_path("Chemistry")).headers["etag"]


def test_racing_requests_with_one_key_create_one_course_and_the_others_are_replayed_or_in_progress(
    atomic_items, table, stored
):
    from course_service.core import idempotency

    def one_request() -> str:
        try:
            answer, replayed = idempotency.create("Chemistry", "beginner", KEY, LambdaContext(), created_record)
        except CreateInProgress:
            return "in progress"
        assert answer["body"]["name"] == "Chemistry"
        return "replayed" if replayed else "created"

    outcomes = in_parallel(one_request)

    assert outcomes.count("created") == 1, outcomes
    assert set(outcomes) <= {"created", "replayed", "in progress"}
    assert list(stored()) == ["Chemistry"]


# Late DynamoDB replies: each caller still gets the outcome of its own request


def test_a_lost_reply_to_the_records_put_is_recognised_and_the_create_answers_201(
    keyed, late_replies, stored, idempotency_records
):
    late_replies.lose("PutItem", table=IDEMPOTENCY_TABLE_NAME)

    first = keyed()

    # botocore's retry met the record its first attempt wrote: ours, not another request in progress.
    assert first.status == 201, first.body
    assert list(stored()) == ["Chemistry"]
    assert [r["status"] for r in idempotency_records().values()] == ["COMPLETED"]
    assert same_response(keyed(), first)


def test_a_lost_reply_to_the_course_put_is_recognised_by_its_write_token(keyed, late_replies, stored, dynamodb):
    late_replies.lose("PutItem", table=TABLE_NAME)

    first = keyed()

    assert first.status == 201, first.body
    assert stored()["Chemistry"]["version"] == 1
    assert tables_called(dynamodb) == [
        ("PutItem", IDEMPOTENCY_TABLE_NAME),
        ("PutItem", TABLE_NAME),
        ("GetItem", TABLE_NAME),
        ("UpdateItem", IDEMPOTENCY_TABLE_NAME),
    ]
    assert same_response(keyed(), first)


def lose_the_course_put_and_every_read_that_would_tell(late_replies):
    """The course's PutItem is applied, its reply lost, and so are the replies of the reads after it:
    the create's outcome cannot be known (503), and Powertools removes the record."""
    late_replies.lose("PutItem", replies=99, table=TABLE_NAME)
    late_replies.lose("GetItem", replies=99, table=TABLE_NAME)


def test_after_a_503_whose_create_was_applied_a_retry_with_the_key_answers_201_with_that_course(
    keyed, late_replies, stored, get, dynamodb
):
    lose_the_course_put_and_every_read_that_would_tell(late_replies)
    first = keyed()
    assert first.status == 503, first.body
    assert first.body == {"message": UNKNOWN_OUTCOME}
    assert list(stored()) == ["Chemistry"]  # what the 503 warned of: the first attempt was applied
    late_replies.heal()
    dynamodb.calls.clear()

    again = keyed()

    assert again.status == 201, again.body
    assert again.body == get("Chemistry").body
    assert again.headers["etag"] == get("Chemistry").headers["etag"]
    assert stored()["Chemistry"]["version"] == 1
    # Powertools deleted its record when the first attempt failed, so the retry creates again; its
    # write token (derived from the key and the body) recognises the course: one read more.
    assert tables_called(dynamodb)[:3] == [
        ("PutItem", IDEMPOTENCY_TABLE_NAME),
        ("PutItem", TABLE_NAME),
        ("GetItem", TABLE_NAME),
    ]


def test_after_a_503_a_retry_with_the_key_answers_201_even_if_the_course_was_changed_since(
    keyed, late_replies, put, get, stored
):
    """The course keeps the token of the create that made it (``created_by``) whatever is written
    since: the retry answers 201 with the course as that create made it; GET shows it as it is."""
    lose_the_course_put_and_every_read_that_would_tell(late_replies)
    assert keyed().status == 503
    late_replies.heal()
    assert put("Chemistry", "advanced").status == 200

    again = keyed()

    assert again.status == 201, again.body
    assert again.body["level"] == "beginner"
    assert again.headers["etag"].endswith('-1"')
    assert get("Chemistry").body["level"] == "advanced"
    assert list(stored()) == ["Chemistry"]


def test_when_every_reply_to_the_records_put_is_lost_the_create_finds_its_record_and_answers_201(
    keyed, late_replies, stored, idempotency_records, dynamodb
):
    """The record's PutItem was applied and its replies lost (botocore does not send it again): one
    read finds the record is this request's, and the create goes on: four calls."""
    late_replies.lose("PutItem", replies=99, table=IDEMPOTENCY_TABLE_NAME)

    first = keyed()

    assert first.status == 201, first.body
    assert late_replies.sent.count("PutItem") == 2  # the record's once, the course's once
    assert tables_called(dynamodb) == [
        ("PutItem", IDEMPOTENCY_TABLE_NAME),
        ("GetItem", IDEMPOTENCY_TABLE_NAME),
        ("PutItem", TABLE_NAME),
        ("UpdateItem", IDEMPOTENCY_TABLE_NAME),
    ]
    assert list(stored()) == ["Chemistry"]
    assert [r["status"] for r in idempotency_records().values()] == ["COMPLETED"]
    late_replies.heal()
    assert same_response(keyed(), first)


def test_after_a_503_retry_later_with_nothing_created_a_retry_with_the_key_is_a_new_attempt(
    keyed, late_replies, dynamodb, stored, idempotency_records
):
    """The record's PutItem was applied, its reply lost, and the read that would tell throttled:
    503 "retry later" (the course was never sent), and the record this request may have left is
    removed (conditionally: only if it is this request's, in progress), so the key stays unused."""
    late_replies.lose("PutItem", replies=99, table=IDEMPOTENCY_TABLE_NAME)
    dynamodb.fail("GetItem", client_error("ThrottlingException", "GetItem"), table=IDEMPOTENCY_TABLE_NAME)

    first = keyed()

    assert (first.status, first.body) == (503, {"message": RETRY_LATER})
    assert stored() == {} and idempotency_records() == {}
    late_replies.heal()
    dynamodb.heal()
    again = keyed()
    assert again.status == 201, again.body  # not 409 "in progress": nothing is
    assert list(stored()) == ["Chemistry"]


def test_a_keyed_create_whose_connection_was_refused_answers_retry_later_and_leaves_the_key_unused(
    keyed, dynamodb, stored, idempotency_records
):
    dynamodb.fail("PutItem", TRANSIENT_ERRORS["EndpointConnectionError"]("PutItem"), table=TABLE_NAME)

    first = keyed()

    assert (first.status, first.body) == (503, {"message": RETRY_LATER})
    assert stored() == {} and idempotency_records() == {}
    dynamodb.heal()
    assert keyed().status == 201


def test_a_lost_reply_to_the_records_completion_still_answers_201_and_retries_replay_it(keyed, late_replies, stored):
    late_replies.lose("UpdateItem", replies=99, table=IDEMPOTENCY_TABLE_NAME)

    first = keyed()

    assert first.status == 201, first.body  # the course was created; only the bookkeeping is unsure
    late_replies.heal()
    assert same_response(keyed(), first)  # DynamoDB had applied the completion
    assert list(stored()) == ["Chemistry"]


def test_when_the_record_cannot_be_completed_the_key_is_busy_until_its_in_progress_expiry_then_answers_201(
    keyed, dynamodb, table, idempotency_records, stored, get
):
    dynamodb.fail("UpdateItem", client_error("ThrottlingException", "UpdateItem"))
    first = keyed()
    assert first.status == 201, first.body
    dynamodb.heal()

    busy = keyed()
    assert busy.status == 409 and busy.body == {"message": IN_PROGRESS}
    assert int(busy.headers["retry-after"]) > 0

    # The record stays in progress until the Lambda's remaining time when it was written has passed.
    [record_id] = idempotency_records()
    table.update_item(
        TableName=IDEMPOTENCY_TABLE_NAME,
        Key={"id": {"S": record_id}},
        UpdateExpression="SET in_progress_expiration = :past",
        ExpressionAttributeValues={":past": {"N": "0"}},
    )

    again = keyed()
    assert again.status == 201, again.body
    assert again.body == first.body == get("Chemistry").body
    assert list(stored()) == ["Chemistry"]


# Failures of the idempotency table


@pytest.mark.parametrize("operation", ["PutItem", "GetItem"])
def test_when_the_idempotency_table_is_unavailable_before_the_create_the_answer_is_503_and_nothing_is_written(
    keyed, create, dynamodb, stored, operation
):
    if operation == "GetItem":  # the read after a refused put (dynalite's path): make the put refuse
        dynamodb.fail("PutItem", client_error("ConditionalCheckFailedException", "PutItem"))
    dynamodb.fail(operation, client_error("ThrottlingException", operation))

    reply = keyed()

    assert reply.status == 503
    assert reply.body == {"message": "Service temporarily unavailable, retry later"}
    assert int(reply.headers["retry-after"]) > 0
    assert stored() == {}


def test_a_permanent_error_of_the_idempotency_table_is_a_500(keyed, dynamodb, stored):
    dynamodb.fail("PutItem", client_error("ResourceNotFoundException", "PutItem"))

    reply = keyed()

    assert reply.status == 500
    assert reply.body == {"message": "Internal server error"}
    assert stored() == {}


def in_parallel(operation, parallel: int = 16) -> list:
    """``parallel`` copies of ``operation`` released at once, on threads; what each returned."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(parallel)

    def run(_):
        start.wait()
        return operation()

    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(run, range(parallel)))


def test_a_malformed_key_is_422_string_pattern_mismatch_at_the_header(api, table, stored):
    reply = api("POST", "/courses", body=CHEMISTRY, headers={"Idempotency-Key": "not a key"})

    assert (reply.status, reply.body) == (
        422,
        {
            "message": "Request is invalid",
            "detail": [{"loc": ["header", "Idempotency-Key"], "type": "string_pattern_mismatch"}],
        },
    )
    assert stored() == {}


@pytest.mark.parametrize("other", ["abc-KEY", '"abc-key"'], ids=["another case", "quoted"])
def test_keys_are_compared_exactly_as_sent_so_case_and_quotes_make_another_key(keyed, stored, other):
    assert keyed(key="abc-key").status == 201

    assert keyed(key=other).status == 409  # not a replay: a new create of a name that exists
    assert list(stored()) == ["Chemistry"]


def test_a_records_put_lost_before_it_arrived_answers_retry_later_and_leaves_the_key_unused(
    keyed, late_replies, stored, idempotency_records
):
    late_replies.lose("PutItem", applied=False, table=IDEMPOTENCY_TABLE_NAME)

    first = keyed()

    assert (first.status, first.body) == (503, {"message": RETRY_LATER})  # the read found no record
    assert stored() == {} and idempotency_records() == {}
    assert keyed().status == 201


def test_a_records_put_whose_reply_was_lost_meets_the_record_of_another_request_with_the_key(
    keyed, late_replies, stored
):
    """Not applied; meanwhile another request with the key created the course: this one replays it."""
    others = []
    late_replies.lose("PutItem", applied=False, table=IDEMPOTENCY_TABLE_NAME, meanwhile=lambda: others.append(keyed()))

    reply = keyed()

    [other] = others
    assert other.status == 201
    assert same_response(reply, other)
    assert list(stored()) == ["Chemistry"]


def test_removing_the_record_after_a_failed_create_is_sent_again_when_its_reply_is_lost(
    keyed, late_replies, dynamodb, stored, idempotency_records
):
    """The removal is conditional on the record being this request's, in progress: its copy finds
    it gone (the first was applied) and does nothing; the key is unused."""
    dynamodb.fail("PutItem", client_error("ThrottlingException", "PutItem"), table=TABLE_NAME)
    late_replies.lose("DeleteItem", table=IDEMPOTENCY_TABLE_NAME)

    first = keyed()

    assert (first.status, first.body) == (503, {"message": RETRY_LATER})
    assert late_replies.sent.count("DeleteItem") == 2
    assert idempotency_records() == {}
    dynamodb.heal()
    assert keyed().status == 201
