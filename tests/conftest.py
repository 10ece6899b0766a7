"""Shared test set-up: a fake AWS environment, the handlers loaded as Lambda would, a moto table."""

import json

import boto3
import pytest
from moto import mock_aws

from localdev import template
from localdev.runtime import LambdaContext, api_event, load_handler, put_layers_on_path

# The environment (a fake AWS account, the table's name, Powertools' switches) is set before any
# test module is imported, by pyproject.toml's [tool.pytest_env]; the layer goes on sys.path as
# /opt/python does in Lambda.
put_layers_on_path()


@pytest.fixture(scope="session")
def dynamodb_client():
    """One boto3 client for the whole run: creating one costs about 0.1 s, more than a test."""
    return boto3.client("dynamodb")


@pytest.fixture
def table(dynamodb_client):
    """Empty courses and idempotency tables in moto, with the key schemas template.yaml declares."""
    from course_service.common import settings

    tables = {settings.current.table_name: "CoursesTable", settings.current.idempotency_table_name: "IdempotencyTable"}
    with mock_aws():
        for name, logical_id in tables.items():
            dynamodb_client.create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST", **template.table_key_schema(logical_id=logical_id)
            )
        yield dynamodb_client


@pytest.fixture(scope="session")
def handlers():
    """One warm instance of every function, by logical id."""
    return {r.function: load_handler(r.code_uri, r.handler) for r in template.routes()}


class Reply:
    """A handler's proxy response, with the body parsed and headers looked up case-insensitively."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.status = raw["statusCode"]
        self.body = json.loads(raw["body"]) if raw.get("body") else None
        merged = {k.lower(): v[-1] for k, v in (raw.get("multiValueHeaders") or {}).items()}
        merged.update({k.lower(): v for k, v in (raw.get("headers") or {}).items()})
        self.headers = merged


@pytest.fixture
def invoke(handlers):
    """Calls the function behind ``method resource`` with an API Gateway event for ``path``.

    ``body``: text or bytes as sent (bytes arrive base64-encoded), else a value sent as JSON.
    ``headers``: a dict, or (name, value) lines in order to send a name on several lines; JSON's
    Content-Type is added unless one is given (``"Content-Type": None`` sends none).
    """

    def call(method: str, resource: str, path: str | None = None, body=None, headers=None, **event_options) -> Reply:
        route = template.route(method, resource)
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        lines = list(headers.items() if isinstance(headers, dict) else headers or [])
        if not any(name.lower() == "content-type" for name, _ in lines):
            lines.insert(0, ("Content-Type", "application/json"))
        headers = [(name, value) for name, value in lines if value is not None]
        event = api_event(method, path or resource, route=route, headers=headers, body=body, **event_options)
        return Reply(handlers[route.function](event, LambdaContext(function_name=route.function)))

    return call
