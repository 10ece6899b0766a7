"""Creates with an ``Idempotency-Key``, once per key.

Powertools' idempotency utility, its records in their own table
(course_service.store.idempotency_records).

A keyed create runs once per key: its answer (status, headers and body, as the edge built it) is
stored for 24 hours (settings.IDEMPOTENCY_WINDOW_SECONDS) and a retry with the same key and body gets
it again, whatever happened to the course since. The same key with another body is
IdempotencyKeyReused (nothing written); while the first request runs, a retry is CreateInProgress.
Only a created course's answer is remembered: when the create fails, its record is deleted and a
retry with the key tries again.

A keyed create costs three DynamoDB calls (record in progress, course, record completed); a replay one
(two on dynalite, which does not return the refused record: Powertools then reads it). What became of
a write whose reply was lost is found out:
- the record's PutItem: course_service.store.idempotency_records;
- the course's PutItem: the course's ``created_by`` is this request's token (derived from the key and
  the body): 201 with the course as this request created it, even if it was changed since; so a
  retry after a 503 (outcome unknown, record gone) recognises the course as its own too;
- the record's completion failed after the course was created: 201 all the same; the key then answers
  409 (in progress) until the record's in-progress expiry (the Lambda's time left), then 201 as above.
The course's write gets the request's deadline less one call's time (course_service.common.deadline),
so that the record can always be completed or removed before the function's timeout.

Import this module only for a keyed request: Powertools' utility and the boto3 it brings are a
part of a cold start that requests without a key do not pay (docs/PERFORMANCE.md).
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.serialization.custom_dict import CustomDictSerializer

from course_service.common import deadline, settings
from course_service.common.observability import logger
from course_service.core import courses
from course_service.core.errors import CreateInProgress, IdempotencyKeyReused, StoreUnavailable
from course_service.store import retry_policy
from course_service.store.failures import error_code, is_transient
from course_service.store.idempotency_records import record_store

# Records are "<prefix>#<sha256 of the key>": the prefix, not the function's name (Powertools'
# default), so a renamed or redeployed function still finds the records of its keys.
KEY_PREFIX = "POST /courses"

# The answer to a create as the edge builds it, and as its record stores it: JSON values only.
Answer = dict[str, Any]

_CONFIG = IdempotencyConfig(
    event_key_jmespath="key",
    payload_validation_jmespath="course",  # the same key with another body: IdempotencyValidationError
    raise_on_no_idempotency_key=True,
    expires_after_seconds=settings.IDEMPOTENCY_WINDOW_SECONDS,
    hash_function="sha256",
)
STORE = record_store()


@dataclass
class _Attempt:
    """What this request's create ended with, for when Powertools then fails to record it."""

    answer: Callable[[courses.Course], Answer]
    created: Answer | None = None
    failed: Exception | None = None


def _as_stored(answer: Answer) -> Answer:
    return answer


def _replayed(stored: Answer) -> Answer:
    """A stored answer, marked as replayed (Powertools reads one only to replay it)."""
    return {**stored, "replayed": True}


@idempotent_function(
    data_keyword_argument="request",
    persistence_store=STORE,
    config=_CONFIG,
    output_serializer=CustomDictSerializer(to_dict=_as_stored, from_dict=_replayed),
    key_prefix=KEY_PREFIX,
)
def _create_once(request: dict[str, Any], attempt: _Attempt) -> Answer:
    try:
        # The record must be completed or removed after this: one call's time is kept for it.
        with deadline.reserving(retry_policy.attempt_seconds()):
            new = request["course"]
            attempt.created = attempt.answer(
                courses.create(new["name"], new["level"], write_token=_write_token(request))
            )
    except Exception as error:
        attempt.failed = error
        raise
    return attempt.created


def _write_token(request: dict[str, Any]) -> str:
    """The write token of every attempt of one request (key and body).

    An attempt recognises the course an earlier one created, whose answer was lost. Distinct from
    the random tokens (32 hex digits).
    """
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


def create(
    name: str, level: str, key: str, lambda_context: Any, answer: Callable[[courses.Course], Answer]
) -> tuple[Answer, bool]:
    """Creates the course (its name already canonical) once for ``key`` (see the module docstring).

    Returns the answer ``answer`` built for the created course, and whether it is a replay of an
    earlier request's. ``lambda_context`` gives the time left, after which a record still in
    progress (its Lambda died) no longer blocks the key.
    """
    _CONFIG.register_lambda_context(lambda_context)
    attempt = _Attempt(answer)
    try:
        created = _create_once(request={"key": key, "course": {"name": name, "level": level}}, attempt=attempt)
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    except (IdempotencyAlreadyInProgressError, IdempotencyInconsistentStateError):
        raise CreateInProgress() from None
    except IdempotencyPersistenceLayerError as error:
        # Powertools wraps what the record's table raised; anything but a passing fault is a bug.
        if not is_transient(error.__cause__):
            raise
        if attempt.created is not None:  # the course is created; only completing its record failed
            logger.warning("Idempotency record not completed", exc_info=error)
            return attempt.created, False
        if attempt.failed is not None:  # the create failed, then deleting its record did too
            raise attempt.failed from None
        raise StoreUnavailable(error_code(error)) from error  # before the create: nothing written
    replayed = bool(created.pop("replayed", False))
    return created, replayed
