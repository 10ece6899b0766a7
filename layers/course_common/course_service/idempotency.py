"""Creates with an ``Idempotency-Key``: Powertools' idempotency utility, its records in their own table.

A keyed create runs once per key: its 201 is stored for 24 hours (settings.IDEMPOTENCY_WINDOW_SECONDS)
and a retry with the same key and body gets it again, whatever happened to the course since. The same
key with another body is IdempotencyKeyReused (nothing written); while the first request runs, a retry
is CreateInProgress. Only a 201 is remembered: when the create fails, Powertools deletes its record and
a retry with the key tries again.

A keyed create costs three DynamoDB calls (record in progress, course, record completed); a replay one
(two on dynalite, which does not return the refused record: Powertools then reads it). Under late
replies each caller still gets the outcome of its own request:
- the record's PutItem retried by botocore meets its own first attempt: _RecordStore recognises it;
- the course's PutItem retried: repository.create recognises the write token (one read);
- a first attempt that answered 503 may have created the course, and its record is gone: the write
  token of a keyed create is derived from the key and the body, so the retry recognises the course as
  its own (one read) and answers 201, as long as nothing wrote the course since (README, Decisions);
- the record's completion failed after the course was created: 201 all the same; the key then answers
  409 (in progress) until the record's in-progress expiry (the Lambda's time left), then 201.

Import this module only for a keyed request: Powertools' utility and the boto3 it brings are ~55 ms
of cold start that requests without a key do not pay (docs/PERFORMANCE.md).
"""

import hashlib
import json
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

from course_service import courses, settings
from course_service.entry import logger
from course_service.errors import (
    CreateInProgress,
    IdempotencyKeyReused,
    StoreUnavailable,
)
from course_service.models import Course
from course_service.repository import TRANSIENT_ERROR_CODES, was_retried
from course_service.schemas import CourseCreate

# Records are "<prefix>#<sha256 of the key>": the prefix, not the function's name (Powertools'
# default), so a renamed or redeployed function still finds the records of its keys.
KEY_PREFIX = "POST /courses"


class Created(NamedTuple):
    course: Course
    replayed: bool  # True: the stored response of an earlier request with the same key


class _RecordStore(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB store, knowing that botocore retries a PutItem whose reply was late.

    The retry then meets the record its own first attempt wrote, and Powertools would take it for
    another request in progress (409 for a create that never ran, until the record's in-progress
    expiry). A retried put refused by a record equal to the one it put is that first attempt.
    ``_put_record``/``_get_record`` are the methods Powertools documents for custom stores.
    """

    def _put_record(self, data_record: DataRecord) -> None:
        try:
            super()._put_record(data_record)
        except IdempotencyItemAlreadyExistsError as refused:
            if not (was_retried(refused.__cause__) and self._holds(data_record, refused.old_data_record)):
                raise

    def _holds(self, ours: DataRecord, stored: DataRecord | None) -> bool:
        if stored is None:  # dynalite does not return the refused item (DynamoDB does): read it
            try:
                stored = self._get_record(ours.idempotency_key)
            except IdempotencyItemNotFoundError:
                return False

        def identity(record: DataRecord) -> tuple[Any, ...]:
            return (record.status, record.payload_hash, record.expiry_timestamp, record.in_progress_expiry_timestamp)

        return identity(stored) == identity(ours)


def _client() -> Any:
    """The botocore client PynamoDB uses for courses: the same endpoint, timeouts and retries
    (settings.py), and no second client to create (most of a cold start's first response)."""
    return Course._get_connection().connection.client


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
        attempt.created = Created(courses.create(new, write_token=_write_token(request)), replayed=False)
    except Exception as error:
        attempt.failed = error
        raise
    return attempt.created


def _write_token(request: dict[str, Any]) -> str:
    """The same for every attempt of one request (key and body): an attempt recognises the course
    an earlier one created, whose answer was lost. Distinct from the random tokens (32 hex digits)."""
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


def _transient(error: BaseException | None) -> bool:
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in TRANSIENT_ERROR_CODES
    return isinstance(error, BotoCoreError)


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
        if not _transient(error.__cause__):
            raise
        if attempt.created is not None:  # the course is created; only completing its record failed
            logger.warning("Idempotency record not completed", exc_info=error)
            return attempt.created
        if attempt.failed is not None:  # the create failed, then deleting its record did too
            raise attempt.failed from None
        raise StoreUnavailable() from error  # before the create: nothing written
