"""Every request ends, answered, before the function's timeout, however slow DynamoDB is: the deadline
comes from the Lambda context's remaining time (course_service.common.deadline), and the retry policy starts
no attempt that could end after it (course_service.store.retry_policy).

Time is simulated: each DynamoDB request whose reply is lost takes the longest an attempt can take
(connect and read timeouts), on the clock the deadline is read on; the check is that the last
attempt ended before the deadline, and that an answer came.
"""

import json

import pytest

from course_service.common import deadline
from course_service.store import retry_policy
from localdev import template
from localdev.runtime import LambdaContext, api_event
from tests.conftest import Reply
from tests.unit.support import IDEMPOTENCY_TABLE_NAME, TABLE_NAME

OPERATIONS = ("PutItem", "GetItem", "UpdateItem", "DeleteItem")
TIMEOUT_SECONDS = 15.0  # template.yaml's function timeout


class SimulatedClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SimulatedContext(LambdaContext):
    """A Lambda context whose remaining time runs on the simulated clock."""

    clock: SimulatedClock
    started: float

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - self.clock()) * 1000))


@pytest.fixture
def clock(monkeypatch) -> SimulatedClock:
    simulated = SimulatedClock()
    monkeypatch.setattr(deadline, "clock", simulated)
    monkeypatch.setattr(retry_policy, "BASE_DELAY_SECONDS", 0)  # botocore's sleeps take no simulated time
    return simulated


@pytest.fixture
def slow_dynamodb(late_replies, clock):
    """Loses the replies of the chosen calls, each after the longest an attempt can take."""

    def lose(*tables_operations: tuple[str, str]) -> None:
        for table, operation in tables_operations:
            late_replies.lose(
                operation, replies=99, table=table, meanwhile=lambda: setattr(clock, "now", clock.now + attempt())
            )

    return lose


def attempt() -> float:
    return retry_policy.attempt_seconds()


def every(*tables: str) -> list[tuple[str, str]]:
    return [(table, operation) for table in tables for operation in OPERATIONS]


def post(handlers, clock, headers) -> Reply:
    route = template.route("POST", "/courses")
    event = api_event(
        "POST",
        "/courses",
        route=route,
        headers={"Content-Type": "application/json", **headers},
        body=json.dumps({"name": "Chemistry", "level": "beginner"}),
    )
    context = SimulatedContext(function_name=route.function, timeout_seconds=TIMEOUT_SECONDS)
    context.clock, context.started = clock, clock()
    return Reply(handlers[route.function](event, context))


SCENARIOS = {
    "every reply lost": every(TABLE_NAME, IDEMPOTENCY_TABLE_NAME),
    "the record's put answers, nothing else": every(TABLE_NAME)
    + [(IDEMPOTENCY_TABLE_NAME, op) for op in ("GetItem", "UpdateItem", "DeleteItem")],
    "the course's calls only": every(TABLE_NAME),
    "the record's completion only": [(IDEMPOTENCY_TABLE_NAME, "UpdateItem")],
}


@pytest.mark.parametrize("lost", SCENARIOS.values(), ids=SCENARIOS.keys())
@pytest.mark.parametrize("key", [None, "4f9c1b0e-8d2a-4c6e-9a57-0c3d2b1e6f48"], ids=["without a key", "keyed"])
def test_a_create_ends_answered_before_the_function_timeout_whatever_replies_are_lost(
    handlers, table, clock, slow_dynamodb, late_replies, lost, key
):
    started = clock()
    slow_dynamodb(*lost)

    reply = post(handlers, clock, {"Idempotency-Key": key} if key else {})

    assert reply.status in (201, 503), reply.body
    assert clock() - started <= TIMEOUT_SECONDS - deadline.ANSWER_SECONDS
    # The slowest requests use the time they have: up to four DynamoDB calls of a keyed create, each
    # sent at most as often as the policy sends it.
    assert len(late_replies.sent) <= 3 * 4


def test_no_attempt_starts_that_could_end_after_the_deadline(handlers, table, clock, slow_dynamodb, late_replies):
    """With every reply lost, a keyed create fills its time: its last attempt ends less than one
    attempt's time before the deadline, and the next one is not started."""
    started = clock()
    slow_dynamodb(*every(TABLE_NAME, IDEMPOTENCY_TABLE_NAME))

    reply = post(handlers, clock, {"Idempotency-Key": "k-1"})

    assert reply.status == 503
    left = TIMEOUT_SECONDS - deadline.ANSWER_SECONDS - (clock() - started)
    assert 0 <= left < attempt()
