"""Creates with an ``Idempotency-Key``: Powertools' idempotency utility, its records in their own table.

A keyed create runs once per key: its 201 is stored for 24 hours (settings.IDEMPOTENCY_WINDOW_SECONDS)
and a retry with the same key and body gets it again, whatever happened to the course since. The same
key with another body is IdempotencyKeyReused (nothing written); while the first request runs, a retry
is CreateInProgress. Only a 201 is remembered: when the create fails, Powertools deletes its record and
a retry with the key tries again.

A keyed create costs three DynamoDB calls (record in progress, course, record completed); a replay one
(two on dynalite, which does not return the refused record: Powertools then reads it). botocore does
not resend writes whose reply was lost (course_service.retry_policy); what became of them is found out:
- the record's PutItem: one read of the record; ours (same status, body hash and expiries): the create
  goes on; absent: 503 "retry later", the key unused; unreadable: our record is removed (conditionally,
  so only ours) before that 503, so that the key stays unused;
- the course's PutItem: course_service.repository reads the course; its ``created_by`` is this
  request's token: 201 with the course as this request created it, even if it was changed since;
- a first attempt that answered 503 (outcome unknown) may have created the course, and its record is
  gone: the write token of a keyed create is derived from the key and the body, so the retry
  recognises the course as its own (one read) and answers 201, however it was changed since;
- removing the record after a failed create: sent again, conditionally on the record being ours;
- the record's completion failed after the course was created: 201 all the same; the key then answers
  409 (in progress) until the record's in-progress expiry (the Lambda's time left), then 201 as above.
The course's write gets the request's deadline less one call's time (course_service.deadline), so
that the record can always be completed or removed before the function's timeout.

Import this module only for a keyed request: Powertools' utility and the boto3 it brings are ~55 ms
of cold start that requests without a key do not pay (docs/PERFORMANCE.md).
"""

import hashlib
import json
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NamedTuple

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import (
    DataRecord,
)
from aws_lambda_powertools.utilities.idempotency.serialization.custom_dict import (
    CustomDictSerializer,
)
from botocore.exceptions import BotoCoreError, ClientError

from course_service import courses, deadline, retry_policy, settings
from course_service.entry import logger
from course_service.errors import (
    CreateInProgress,
    IdempotencyKeyReused,
    StoreUnavailable,
)
from course_service.models import Course
from course_service.retry_policy import Failure
from course_service.schemas import CourseCreate

# Records are "<prefix>#<sha256 of the key>": the prefix, not the function's name (Powertools'
# default), so a renamed or redeployed function still finds the records of its keys.
KEY_PREFIX = "POST /courses"


class Created(NamedTuple):
    course: Course
    replayed: bool  # True: the stored response of an earlier request with the same key


class _RecordStore(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB store, knowing that a write's reply can be lost (botocore does not resend
    writes: course_service.retry_policy). ``_put_record``, ``_get_record`` and ``_delete_record`` are
    the methods Powertools documents for custom stores.
    """

    # The record this request put, in progress: the only one it may remove.
    _ours: ContextVar[DataRecord | None] = ContextVar("idempotency_record", default=None)

    def _put_record(self, data_record: DataRecord) -> None:
        try:
            super()._put_record(data_record)
        except IdempotencyItemAlreadyExistsError:
            raise
        except Exception as error:
            if retry_policy.classify(error) is not Failure.AMBIGUOUS:
                raise
            self._settle_lost_put(data_record, error)
        self._ours.set(data_record)

    def _settle_lost_put(self, ours: DataRecord, error: Exception) -> None:
        """The put's reply was lost: one read tells whether it was applied. Returns if it was (ours,
        the create goes on); re-raises ``error`` if it was not (503, the key unused); raises
        IdempotencyItemAlreadyExistsError if another request's record is there (Powertools reads it)."""
        try:
            stored = self._get_record(ours.idempotency_key)
        except IdempotencyItemNotFoundError:
            raise error from None
        except Exception:
            with suppress(ClientError, BotoCoreError):  # unknown: make sure the key stays unused
                self._remove_if_ours(ours)
            raise error from None
        if self._identity(stored) != self._identity(ours):
            raise IdempotencyItemAlreadyExistsError() from error

    @staticmethod
    def _identity(record: DataRecord) -> tuple[Any, ...]:
        return (record.status, record.payload_hash, record.expiry_timestamp, record.in_progress_expiry_timestamp)

    def _delete_record(self, data_record: DataRecord) -> None:
        """Removes this request's record after its create failed, so that a retry is a new attempt;
        always conditional on the record being the one it put, so it can be sent again safely."""
        ours = self._ours.get()
        if ours is None or ours.idempotency_key != data_record.idempotency_key:
            super()._delete_record(data_record)  # not this request's record: Powertools' own delete
            return
        try:
            self._remove_if_ours(ours)
        except Exception as error:
            if retry_policy.classify(error) is not Failure.AMBIGUOUS:
                raise
            self._remove_if_ours(ours)  # its reply was lost; conditional, so safe to send again

    def _remove_if_ours(self, ours: DataRecord) -> None:
        """Deletes the record if it is still ``ours`` in progress (gone or another's: nothing to do)."""
        try:
            self.client.delete_item(
                TableName=self.table_name,
                Key=self._get_key(ours.idempotency_key),
                ConditionExpression="#status = :in_progress AND #in_progress_expiry = :ours",
                ExpressionAttributeNames={
                    "#status": self.status_attr,
                    "#in_progress_expiry": self.in_progress_expiry_attr,
                },
                ExpressionAttributeValues={
                    ":in_progress": {"S": ours.status},
                    ":ours": {"N": str(ours.in_progress_expiry_timestamp)},
                },
            )
        except ClientError as error:
            if retry_policy.classify(error) is not Failure.REFUSED:
                raise


def _client() -> Any:
    """The botocore client PynamoDB uses for courses: the same endpoint, timeouts and retry policy
    (settings.py, course_service.retry_policy), and no second client to create (most of a cold
    start's first response)."""
    return retry_policy.install(Course._get_connection().connection.client)


_CONFIG = IdempotencyConfig(
    event_key_jmespath="key",
    payload_validation_jmespath="course",  # the same key with another body: IdempotencyValidationError
    raise_on_no_idempotency_key=True,
    expires_after_seconds=settings.IDEMPOTENCY_WINDOW_SECONDS,
    hash_function="sha256",
)
_STORE = _RecordStore(table_name=settings.current.idempotency_table_name, boto3_client=_client())


def _stored_response(created: Created) -> dict[str, Any]:
    return created.course.to_simple_dict()


def _replayed(stored: dict[str, Any]) -> Created:
    course = Course()
    course.from_simple_dict(stored)
    return Created(course, replayed=True)


@dataclass
class _Attempt:
    """What the create itself ended with, for when Powertools then fails to record it."""

    created: Created | None = None
    failed: Exception | None = None


@idempotent_function(
    data_keyword_argument="request",
    persistence_store=_STORE,
    config=_CONFIG,
    output_serializer=CustomDictSerializer(to_dict=_stored_response, from_dict=_replayed),
    key_prefix=KEY_PREFIX,
)
def _create_once(request: dict[str, Any], new: CourseCreate, attempt: _Attempt) -> Created:
    try:
        # The record must be completed or removed after this: one call's time is kept for it.
        with deadline.reserving(retry_policy.attempt_seconds()):
            attempt.created = Created(courses.create(new, write_token=_write_token(request)), replayed=False)
    except Exception as error:
        attempt.failed = error
        raise
    return attempt.created


def _write_token(request: dict[str, Any]) -> str:
    """The same for every attempt of one request (key and body): an attempt recognises the course
    an earlier one created, whose answer was lost. Distinct from the random tokens (32 hex digits)."""
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


def create(new: CourseCreate, key: str, lambda_context: Any) -> Created:
    """Creates ``new`` once for ``key`` (see the module docstring); ``lambda_context`` gives the time
    left, after which a record still in progress (its Lambda died) no longer blocks the key."""
    _CONFIG.register_lambda_context(lambda_context)
    attempt = _Attempt()
    try:
        created: Created = _create_once(request={"key": key, "course": new.model_dump()}, new=new, attempt=attempt)
        return created
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    except (IdempotencyAlreadyInProgressError, IdempotencyInconsistentStateError):
        raise CreateInProgress() from None
    except IdempotencyPersistenceLayerError as error:
        # Powertools wraps what the record's table raised; anything but a passing fault is a bug.
        if retry_policy.classify(error.__cause__) not in (Failure.NOT_APPLIED, Failure.AMBIGUOUS):
            raise
        if attempt.created is not None:  # the course is created; only completing its record failed
            logger.warning("Idempotency record not completed", exc_info=error)
            return attempt.created
        if attempt.failed is not None:  # the create failed, then deleting its record did too
            raise attempt.failed from None
        raise StoreUnavailable() from error  # before the create: nothing written
