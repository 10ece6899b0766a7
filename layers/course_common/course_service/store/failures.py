"""What a failed DynamoDB call means for what it asked.

The one rule every store module follows: the courses' writes and reads, the Idempotency-Key records,
the retry policy.
"""

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

CONDITION_FAILED = "ConditionalCheckFailedException"
# DynamoDB refused the request before doing anything: sending it again is safe.
THROTTLED = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
# DynamoDB failed while handling it (5xx): it may or may not have been applied.
SERVER_FAULTS = frozenset({"InternalServerError", "ServiceUnavailable"})


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


class Unavailable(Exception):
    """DynamoDB throttled, failed or did not answer, and nothing was applied: retry later."""


def classify(error: BaseException | None) -> Failure:
    """What ``error`` says about the request it failed.

    As botocore raised it, or wrapped by PynamoDB (which keeps botocore's error as ``cause``) or
    Powertools (as ``__cause__``).
    """
    while error is not None and not isinstance(error, (ClientError, BotoCoreError)):
        error = error.__cause__ or getattr(error, "cause", None)
    if isinstance(error, ClientError):
        return classify_answer(error.response)
    if isinstance(error, NEVER_SENT):
        return Failure.NOT_APPLIED
    if isinstance(error, ParamValidationError):
        return Failure.PERMANENT  # refused before signing: a request of ours botocore cannot send
    if isinstance(error, BotoCoreError):
        return Failure.AMBIGUOUS
    return Failure.PERMANENT


def is_transient(error: BaseException | None) -> bool:
    """True for a passing failure (throttled, failing, out of reach), False for a bug or a refusal."""
    return classify(error) in (Failure.NOT_APPLIED, Failure.AMBIGUOUS)


def classify_answer(response: Any) -> Failure:
    """What an error answer from DynamoDB (botocore's parsed response) says about the request."""
    code = response.get("Error", {}).get("Code")
    if code == CONDITION_FAILED:
        return Failure.REFUSED
    if code in THROTTLED:
        return Failure.NOT_APPLIED
    if code in SERVER_FAULTS or response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
        return Failure.AMBIGUOUS
    return Failure.PERMANENT


def error_code(error: BaseException | None) -> str:
    """What DynamoDB, or the connection to it, said, in one word.

    DynamoDB's error code (``ThrottlingException``, ...) or botocore's error class
    (``EndpointConnectionError``, ...), the first along the chain of causes. Never their text, which
    can quote a key (a course name).
    """
    cause = error
    for _ in range(10):  # a chain is a few links long; a cycle must not hang a request
        if cause is None:
            break
        if isinstance(cause, ClientError):
            return str(cause.response.get("Error", {}).get("Code") or "ClientError")
        if isinstance(cause, BotoCoreError):
            return type(cause).__name__
        cause = cause.__cause__ or cause.__context__ or getattr(cause, "cause", None)
    return "unknown"
