"""Plain helpers and constants shared by the unit tests (fixtures live in conftest.py)."""

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from course_service.common import settings
from course_service.core.courses import Course
from course_service.edge.conditional import etag

TABLE_NAME = os.environ["TABLE_NAME"]  # set by pyproject.toml's [tool.pytest_env]
# Not set for the tests: the default, derived from TABLE_NAME, as localdev derives it too.
IDEMPOTENCY_TABLE_NAME = settings.current.idempotency_table_name
COURSE_FIELDS = {"name", "level", "created_at", "updated_at"}
LEVELS = ("beginner", "intermediate", "advanced")

# What no response may ever contain (compared case-insensitively): stack traces, library names,
# the table's name, AWS identifiers.
FORBIDDEN_IN_RESPONSES = (
    "Traceback",
    "pynamodb",
    "botocore",
    "boto3",
    "pydantic",
    TABLE_NAME,
    "arn:aws",
    "write_token",
    "created_by",
)

# Injected DynamoDB errors carry internals in their text, so a response that leaks them is caught.
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE_NAME}"
ENDPOINT = "https://dynamodb.us-east-1.amazonaws.com"


# The first time the ``clock`` fixture hands out, and the ETag of a course created then.
CLOCK_START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
FIRST_ETAG = etag(Course("any", "beginner", CLOCK_START, CLOCK_START, version=1))


def timestamp(value: str) -> datetime:
    """A response timestamp, parsed (ISO 8601; raises if it is not)."""
    return datetime.fromisoformat(value)


def client_error(code: str, operation: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"{code}: botocore says no to {TABLE_ARN}"},
            "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": {"x-amzn-requestid": "REQ123"}},
        },
        operation,
    )


def _client_error_factory(code):
    return lambda operation: client_error(code, operation)


# DynamoDB throttling or unavailability: each maker builds the error for a given operation name.
TRANSIENT_ERRORS = {
    **{
        code: _client_error_factory(code)
        for code in (
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
            "InternalServerError",
            "ServiceUnavailable",
        )
    },
    "EndpointConnectionError": lambda _: EndpointConnectionError(endpoint_url=ENDPOINT),
    "ConnectTimeoutError": lambda _: ConnectTimeoutError(endpoint_url=ENDPOINT),
    "ReadTimeoutError": lambda _: ReadTimeoutError(endpoint_url=ENDPOINT),
    "ConnectionClosedError": lambda _: ConnectionClosedError(endpoint_url=ENDPOINT),
    "NoCredentialsError": lambda _: NoCredentialsError(),  # raised while signing: never sent
}

# DynamoDB errors that retrying will not cure: unexpected, so a plain 500.
PERMANENT_ERRORS = {
    **{
        code: _client_error_factory(code)
        for code in ("ValidationException", "AccessDeniedException", "ResourceNotFoundException")
    },
    "ParamValidationError": lambda _: ParamValidationError(report="a parameter botocore refuses"),  # a bug of ours
}


def metric_names(stdout: str) -> list[str]:
    """The names of the metrics flushed in embedded metric format (one JSON object per line)."""
    names = []
    for line in stdout.splitlines():
        document = json.loads(line) if line.startswith("{") else {}
        for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
            names += [metric["Name"] for metric in directive["Metrics"]]
    return names


def plain_response(response: dict) -> dict:
    """A proxy response as a plain dictionary (Powertools' headers are a defaultdict)."""
    return {**response, **{k: dict(v) for k, v in response.items() if k in ("headers", "multiValueHeaders")}}


def logs_and_metrics(stdout: str) -> list:
    """Log lines (level, message, error code) and metrics flushed, without their times and ids."""
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return [
        sorted(m["Name"] for d in line["_aws"]["CloudWatchMetrics"] for m in d["Metrics"])
        if "_aws" in line
        else (line.get("level"), line.get("message"), line.get("error_code"))
        for line in lines
    ]


def restorer(table, names: tuple[str, ...] = (TABLE_NAME,)) -> Callable[[], None]:
    """A function that puts tables (the courses', unless named) back as they are now, item for item."""
    items = {name: table.scan(TableName=name, ConsistentRead=True)["Items"] for name in names}
    keys = {
        name: [k["AttributeName"] for k in table.describe_table(TableName=name)["Table"]["KeySchema"]] for name in names
    }

    def restore() -> None:
        for name in names:
            for row in table.scan(TableName=name, ConsistentRead=True)["Items"]:
                table.delete_item(TableName=name, Key={key: row[key] for key in keys[name]})
            for item in items[name]:
                table.put_item(TableName=name, Item=item)

    return restore
