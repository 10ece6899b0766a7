"""When a DynamoDB request may be sent again: the service's one retry policy.

For every call of the service's botocore client (courses through PynamoDB, Idempotency-Key records
through Powertools, on the same client).

botocore, left to itself, resends a request whose reply was late, cut off or a 5xx. DynamoDB may
have applied the first one, and the copy, arriving after other clients' writes, can apply again, or
to the course created since under the same name. So botocore's own retries are off
(``CourseItem.Meta.max_retry_attempts = 0``) and this
policy decides instead, on the two botocore events the boto3 Extensibility guide documents for this
(``needs-retry``, ``before-call``):

- a read is sent again after any passing failure (throttling, 5xx, timeout, cut connection);
- a write only when DynamoDB cannot have applied it: it throttled (refused before any work), or the
  connection was refused or never opened (the request never left);
- at most ``settings.max_retry_attempts`` times, with jittered exponential backoff;
- and no attempt starts that could end after the request's deadline (course_service.common.deadline):
  the first is refused before it is sent (OutOfTime), later ones are not made.

A write failure that leaves the outcome open (read timeout, cut connection, 5xx) goes up to the
caller, which finds out with one consistent read and sends the write again only when its condition
pins the course it was meant for (course_service.store.conditional_writes,
course_service.store.idempotency_records).
"""

import random
import weakref
from typing import Any

from course_service.common import deadline, settings
from course_service.store.failures import Failure, OutOfTime, classify, classify_answer

# Operations that change nothing: sent again after any passing failure.
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable"})
BASE_DELAY_SECONDS = 0.025
MAX_DELAY_SECONDS = 0.5


def attempt_seconds() -> float:
    """The longest one attempt can take: connecting, then waiting for the reply."""
    return settings.current.connect_timeout_seconds + settings.current.read_timeout_seconds


def _failure(response: Any, caught_exception: BaseException | None) -> Failure | None:
    if caught_exception is not None:
        return classify(caught_exception)
    http, parsed = response
    return classify_answer(parsed) if http.status_code >= 300 else None


def needs_retry(
    attempts: int, operation: Any, response: Any = None, caught_exception: BaseException | None = None, **_: Any
) -> float | None:
    """botocore's ``needs-retry``: the delay before sending the request again, or None not to."""
    failure = _failure(response, caught_exception)
    if failure not in (Failure.NOT_APPLIED, Failure.AMBIGUOUS):
        return None
    if failure is Failure.AMBIGUOUS and operation.name not in READS:
        return None  # a write that may have been applied: the caller finds out
    if attempts > settings.current.max_retry_attempts:
        return None
    delay = random.uniform(0, min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempts - 1)))
    if deadline.seconds_left() < delay + attempt_seconds():
        return None
    return delay


def refuse_when_out_of_time(**_: Any) -> None:
    """botocore's ``before-call``: a call that could not end before the deadline is not sent."""
    if deadline.seconds_left() < attempt_seconds():
        raise OutOfTime()


_installed: "weakref.WeakSet[Any]" = weakref.WeakSet()


def install(client: Any) -> Any:
    """Puts the policy on a botocore DynamoDB client, once, and returns the client.

    Called before each use: PynamoDB makes a new client when its credentials went missing.
    """
    if client not in _installed:
        events = client.meta.events
        events.register_first("needs-retry.dynamodb", needs_retry, unique_id="course-service-retry-policy")
        events.register_first("before-call.dynamodb", refuse_when_out_of_time, unique_id="course-service-deadline")
        _installed.add(client)
    return client
