"""The Idempotency-Key records: Powertools' DynamoDB store, on their own table.

Through the courses' client (course_service.store.client), under the same retry policy and
failure rule: one client per instance, created once (with SnapStart, before the snapshot), one pool
of connections. A client of their own was a second client to create on the first keyed request
of an instance (docs/PERFORMANCE.md). Powertools adds its idempotency mark to that client's User-Agent, so the
courses' calls carry it too once a keyed request was made.

botocore does not resend writes whose reply was lost (course_service.store.retry_policy); what
became of a record's write is found out here:

- the record's PutItem: one read of the record; ours (same status, body hash and expiries): the
  request goes on; absent: Unavailable-like, the original error is raised and the key is unused;
  unreadable: our record is removed (conditionally, so only ours) before that, so that the key
  stays unused;
- removing the record after a failed create: sent again, conditionally on the record being ours.
"""

from contextlib import suppress
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from botocore.exceptions import BotoCoreError, ClientError

from course_service.common import settings
from course_service.store.client import connected, dynamodb_client
from course_service.store.failures import Failure, classify


class RecordStore(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB store, knowing that a write's reply can be lost.

    ``_put_record`` and ``_delete_record`` are the methods Powertools documents for custom stores to
    implement.
    """

    # The record this request put, in progress: the only one it may remove.
    _ours: ContextVar[DataRecord | None] = ContextVar("idempotency_record", default=None)

    def _put_record(self, data_record: DataRecord) -> None:
        try:
            super()._put_record(data_record)
        except IdempotencyItemAlreadyExistsError:
            raise
        except Exception as error:
            if classify(error) is not Failure.AMBIGUOUS:
                raise
            self._settle_lost_put(data_record, error)
        self._ours.set(data_record)

    def _settle_lost_put(self, ours: DataRecord, error: Exception) -> None:
        """The put's reply was lost: one read tells whether it was applied.

        Returns if it was (ours, the create goes on); re-raises ``error`` if it was not (503, the
        key unused); raises IdempotencyItemAlreadyExistsError if another request's record is there
        (Powertools reads it).
        """
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
        """Removes this request's record after its create failed, so that a retry is a new attempt.

        Always conditional on the record being the one it put, so it can be sent again safely.
        """
        ours = self._ours.get()
        if ours is None or ours.idempotency_key != data_record.idempotency_key:
            super()._delete_record(data_record)  # not this request's record: Powertools' own delete
            return
        try:
            self._remove_if_ours(ours)
        except Exception as error:
            if classify(error) is not Failure.AMBIGUOUS:
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
            if classify(error) is not Failure.REFUSED:
                raise


def record_store() -> RecordStore:
    """The store of this instance's Idempotency-Key records, on ``settings.idempotency_table_name``."""
    connected()
    return RecordStore(table_name=settings.current.idempotency_table_name, boto3_client=dynamodb_client())
