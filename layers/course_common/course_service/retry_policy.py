"""When a DynamoDB request may be sent again: the service's one retry policy, for every call the
shared botocore client makes (courses through PynamoDB, Idempotency-Key records through Powertools).

botocore, left to itself, resends a request whose reply was late, cut off or a 5xx. DynamoDB may
have applied the first one, and the copy, arriving after other clients' writes, can apply again, or
to the course created since under the same name. So botocore's own retries are off for the shared
client (``models.Course.Meta.max_retry_attempts = 0``) and this policy decides instead, on the two
botocore events the boto3 Extensibility guide documents for this (``needs-retry``, ``before-call``):

- a read is sent again after any passing failure (throttling, 5xx, timeout, cut connection);
- a write only when DynamoDB cannot have applied it: it throttled (refused before any work), or the
  connection was refused or never opened (the request never left);
- at most ``settings.max_retry_attempts`` times, with jittered exponential backoff;
- and no attempt starts that could end after the request's deadline (course_service.deadline): the
  first is refused before it is sent (OutOfTime), later ones are not made.

A write failure that leaves the outcome open (read timeout, cut connection, 5xx) goes up to the
caller, which finds out with one consistent read and sends the write again only when its condition
pins the course it was meant for (course_service.repository, course_service.idempotency).
"""

import random
import weakref
from enum import Enum
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
)

from course_service import deadline, settings

CONDITION_FAILED = "ConditionalCheckFailedException"
# DynamoDB refused the request before doing anything: sending it again is safe.
THROTTLED = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
# DynamoDB failed while handling it (5xx): it may or may not have been applied.
SERVER_FAULTS = frozenset({"InternalServerError", "ServiceUnavailable"})
# Operations that change nothing: sent again after any passing failure.
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable"})
BASE_DELAY_SECONDS = 0.025
MAX_DELAY_SECONDS = 0.5


class Failure(Enum):
    """What a failed DynamoDB call means for what it asked."""

    NOT_APPLIED = "not applied"  # throttled, never sent, or not started for lack of time
    AMBIGUOUS = "may have been applied"  # sent, then no usable answer: timeout, cut connection, 5xx
    REFUSED = "refused"  # its condition did not hold: not applied
    PERMANENT = "permanent"  # a bug or a misconfiguration: sending it again cannot help


class OutOfTime(BotoCoreError):  # type: ignore[misc]  # botocore is not annotated
    """Not sent: it could not end before the request's deadline."""

    fmt = "Not sent: no time left before the request's deadline"


# Raised before a byte reached DynamoDB: the connection was not made, or the request not signed.
NEVER_SENT = (
    EndpointConnectionError,
    ConnectTimeoutError,
    OutOfTime,
    NoCredentialsError,
    PartialCredentialsError,
    CredentialRetrievalError,
)


def classify(error: BaseException | None) -> Failure:
    """What ``error`` says about the request: as botocore raised it, or wrapped by PynamoDB (which
    keeps botocore's error as ``cause``) or Powertools (as ``__cause__``)."""
    while error is not None and not isinstance(error, (ClientError, BotoCoreError)):
        error = error.__cause__ or getattr(error, "cause", None)
    if isinstance(error, ClientError):
        return _classify_answer(error.response)
    if isinstance(error, NEVER_SENT):
        return Failure.NOT_APPLIED
    if isinstance(error, ParamValidationError):
        return Failure.PERMANENT  # refused before signing: a request of ours botocore cannot send
    if isinstance(error, BotoCoreError):
        return Failure.AMBIGUOUS
    return Failure.PERMANENT


def _classify_answer(response: Any) -> Failure:
    code = response.get("Error", {}).get("Code")
    if code == CONDITION_FAILED:
        return Failure.REFUSED
    if code in THROTTLED:
        return Failure.NOT_APPLIED
    if code in SERVER_FAULTS or response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
        return Failure.AMBIGUOUS
    return Failure.PERMANENT


def attempt_seconds() -> float:
    """The longest one attempt can take: connecting, then waiting for the reply."""
    return settings.current.connect_timeout_seconds + settings.current.read_timeout_seconds


def _failure(response: Any, caught_exception: BaseException | None) -> Failure | None:
    if caught_exception is not None:
        return classify(caught_exception)
    http, parsed = response
    return _classify_answer(parsed) if http.status_code >= 300 else None


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
    """Puts the policy on a botocore DynamoDB client, once, and returns the client. Called before
    each use: PynamoDB makes a new client when its credentials went missing."""
    if client not in _installed:
        events = client.meta.events
        events.register_first("needs-retry.dynamodb", needs_retry, unique_id="course-service-retry-policy")
        events.register_first("before-call.dynamodb", refuse_when_out_of_time, unique_id="course-service-deadline")
        _installed.add(client)
    return client
