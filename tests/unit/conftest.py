"""Fixtures for the unit tests (moto), on top of tests/conftest.py's ``handlers``, ``invoke`` and
``table``.

``api`` is ``invoke`` plus the checks every response of the contract must pass, so that every
request a unit test makes also checks them: JSON with ``Content-Type: application/json``, no
stack trace, library name, table name or AWS identifier anywhere in the body or the headers, and
a status and headers that openapi.json declares for the operation.
"""

import io
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ReadTimeoutError
from moto import mock_aws
from moto.core.models import botocore_stubber as moto_backend

from course_service.common import observability
from course_service.core import write_decisions
from course_service.edge.paths import course_path
from course_service.store.models import CourseItem
from localdev.runtime import LambdaContext
from tests import openapi_document
from tests.unit.support import (
    CLOCK_START,
    FORBIDDEN_IN_RESPONSES,
    IDEMPOTENCY_TABLE_NAME,
    TABLE_NAME,
    logs_and_metrics,
    plain_response,
)

NO_BODY = (204, 304)


def assert_clean_json(reply) -> None:
    if reply.status in NO_BODY:  # no content at all: no body, no Content-Type or Content-Length to describe one
        assert not reply.raw.get("body") and not {"content-type", "content-length"} & set(reply.headers), reply.raw
        leaked = [word for word in FORBIDDEN_IN_RESPONSES if word.lower() in json.dumps(reply.headers).lower()]
        assert not leaked, f"the response contains {leaked}: {reply.raw}"
        return
    content_type = reply.headers.get("content-type", "")
    assert content_type.split(";")[0].strip() == "application/json", f"Content-Type is {content_type!r}"
    assert isinstance(reply.body, dict), f"the body is not a JSON object: {reply.raw.get('body')!r}"
    text = (reply.raw["body"] + json.dumps(reply.headers, ensure_ascii=False)).lower()
    leaked = [word for word in FORBIDDEN_IN_RESPONSES if word.lower() in text]
    assert not leaked, f"the response contains {leaked}: {reply.raw}"


def assert_declared(method: str, resource: str, reply) -> None:
    """The status is one openapi.json documents for the operation, and every header it carries (but
    the message's and the browser's, openapi_document.NOT_DECLARED) is declared there, the
    required ones present. The docs' own routes are outside the document."""
    operation = openapi_document.operation(method, resource)
    if operation is not None:
        assert not openapi_document.header_problems(operation, reply.status, reply.headers), reply.raw


@pytest.fixture
def api(invoke):
    """``invoke``, checking that the response is clean JSON and as declared (see the module docstring)."""

    def call(method: str, resource: str, *args, **kwargs):
        reply = invoke(method, resource, *args, **kwargs)
        assert_clean_json(reply)
        assert_declared(method, resource, reply)
        return reply

    return call


@pytest.fixture
def create(api, table):
    """Creates a course through the handler (asserting the 201) and returns the reply."""

    def create_course(name: str, level: str = "beginner"):
        reply = api("POST", "/courses", body={"name": name, "level": level})
        assert reply.status == 201, reply.body
        return reply

    return create_course


@pytest.fixture
def get(api):
    """Reads a course through the handler, by its name (percent-encoded into the path here)."""
    return lambda name, **options: api("GET", "/courses/{name}", course_path(name), **options)


@pytest.fixture
def put(api):
    """Changes a course's level through the handler."""

    def put_course(name: str, level: str, if_match: str | None = None, **options):
        headers = {"If-Match": if_match} if if_match is not None else None
        return api("PUT", "/courses/{name}", course_path(name), body={"level": level}, headers=headers, **options)

    return put_course


@pytest.fixture
def delete(api):
    """Deletes a course through the handler."""

    def delete_course(name: str, if_match: str | None = None, **options):
        headers = {"If-Match": if_match} if if_match is not None else None
        return api("DELETE", "/courses/{name}", course_path(name), headers=headers, **options)

    return delete_course


@pytest.fixture
def stored(table):
    """What the table holds, read with boto3 behind the service's back: {name: item}."""
    deserializer = TypeDeserializer()

    def items() -> dict[str, dict]:
        rows = table.scan(TableName=TABLE_NAME, ConsistentRead=True)["Items"]
        return {row["name"]["S"]: {k: deserializer.deserialize(v) for k, v in row.items()} for row in rows}

    return items


@pytest.fixture
def idempotency_records(table):
    """What the idempotency table holds, read with boto3 behind the service's back: {id: item}."""
    deserializer = TypeDeserializer()

    def items() -> dict[str, dict]:
        rows = table.scan(TableName=IDEMPOTENCY_TABLE_NAME, ConsistentRead=True)["Items"]
        return {row["id"]["S"]: {k: deserializer.deserialize(v) for k, v in row.items()} for row in rows}

    return items


@pytest.fixture
def clock(monkeypatch) -> list[datetime]:
    """The service's clock: CLOCK_START (2024-05-01T12:00:00Z), one second later at every reading.

    Returns the list of the times handed out so far, oldest first.
    """
    ticks = (CLOCK_START + timedelta(seconds=n) for n in itertools.count())
    issued: list[datetime] = []

    def now() -> datetime:
        issued.append(next(ticks))
        return issued[-1]

    monkeypatch.setattr(write_decisions, "now", now)
    return issued


def service_clients() -> list:
    """The service's DynamoDB clients, each once: PynamoDB's, and the Idempotency-Key records' (the
    same one, unless a test gave PynamoDB a new connection after the records' store was made)."""
    from course_service.core import idempotency

    clients = [CourseItem._get_connection().connection.client, idempotency.STORE.client]
    return list({id(client): client for client in clients}.values())


class DynamoDBSpy:
    """Stands in front of the service's DynamoDB clients: records every call in the order made, can
    make some fail."""

    def __init__(self, clients):
        self.calls: list[tuple[str, dict]] = []
        self._failures: dict[tuple[str, str | None], Exception] = {}
        self._real_calls = {id(client): client._make_api_call for client in clients}

    def attached_to(self, client):
        real_call = self._real_calls[id(client)]

        def call(operation: str, params: dict):
            return self(operation, params, real_call)

        return call

    def fail(self, operation: str, error: Exception, table: str | None = None) -> None:
        """From now on, every ``operation`` call (on ``table`` only, if given) raises ``error``
        instead of reaching DynamoDB."""
        self._failures[(operation, table)] = error

    def heal(self) -> None:
        """The fault clears: calls reach DynamoDB again."""
        self._failures.clear()

    @property
    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]

    def __call__(self, operation: str, params: dict, real_call):
        self.calls.append((operation, params))
        for rule in ((operation, params.get("TableName")), (operation, None)):
            if rule in self._failures:
                raise self._failures[rule]
        return real_call(operation, params)


@pytest.fixture
def dynamodb(monkeypatch) -> DynamoDBSpy:
    """A spy on the service's botocore clients (under PynamoDB's and Powertools' own error handling,
    above botocore's retries: an injected error is what botocore raises after them)."""
    clients = service_clients()
    spy = DynamoDBSpy(clients)
    for client in clients:
        monkeypatch.setattr(client, "_make_api_call", spy.attached_to(client))
    return spy


@pytest.fixture
def atomic_items(monkeypatch):
    """DynamoDB applies each request to an item atomically: its condition is checked and the write
    made as one step, and its answer shows that step. moto checks, then writes, without a lock, so
    two conditional writes can both pass; serialising moto's item operations restores DynamoDB's
    guarantee (and only that one)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    # The request handlers too: an answer built from the item after the lock was released (moto's
    # UpdateItem reads ALL_NEW so) could show a later write's values.
    for owner in (DynamoDBBackend, DynamoHandler):
        for name in ("put_item", "update_item", "get_item", "delete_item"):
            original = getattr(owner, name)

            def atomic(*args, _original=original, **kwargs):
                with lock:
                    return _original(*args, **kwargs)

            monkeypatch.setattr(owner, name, atomic)


@pytest.fixture
def no_table():
    """moto with no courses table at all."""
    with mock_aws():
        yield


class LateReplies:
    """Loses DynamoDB's replies after DynamoDB applied the request, as a read timeout does (or,
    with ``applied=False``, loses the request on its way: a connection reset after it was sent).

    Below botocore's retries (a ``before-send`` handler, run before moto's), so botocore and the
    service see exactly what a real timeout gives them.
    """

    def __init__(self, clients):
        self._clients = clients
        self._lost: dict[tuple[str, str | None], int] = {}
        self._meanwhile: dict[tuple[str, str | None], Callable[[], object] | None] = {}
        self._applied: dict[tuple[str, str | None], bool] = {}
        self.registered: list[str] = []
        self.sent: list[str] = []  # every request of those operations as it went on the wire, resends too

    def lose(
        self,
        operation: str,
        replies: int = 1,
        meanwhile: Callable[[], object] | None = None,
        table: str | None = None,
        applied: bool = True,
    ) -> None:
        """The next ``replies`` ``operation`` requests (to ``table`` only, if given) are applied
        (unless ``applied`` is False), then their replies time out.

        ``meanwhile()`` runs after each of them is applied, before the service learns of the
        timeout: another client's write, inside the window.
        """
        self._lost[(operation, table)] = replies
        self._meanwhile[(operation, table)] = meanwhile
        self._applied[(operation, table)] = applied
        event = f"before-send.dynamodb.{operation}"
        if event not in self.registered:
            for client in self._clients:
                client.meta.events.register_first(event, self._send, unique_id=f"late-replies-{operation}")
            self.registered.append(event)

    def heal(self) -> None:
        """Replies arrive again."""
        self._lost.clear()

    def _send(self, request, event_name: str, **kwargs):
        operation = event_name.rsplit(".", 1)[-1]
        self.sent.append(operation)
        table = json.loads(request.body).get("TableName")
        rule = next((r for r in ((operation, table), (operation, None)) if self._lost.get(r)), None)
        if rule is None:
            return None  # moto answers
        self._lost[rule] -= 1
        if self._applied[rule]:
            moto_backend(event_name=event_name, request=request, **kwargs)  # DynamoDB applies it...
        if (meanwhile := self._meanwhile[rule]) is not None:
            meanwhile()
        raise ReadTimeoutError(endpoint_url=request.url)  # ...and its reply never arrives

    def remove(self) -> None:
        for event in self.registered:
            for client in self._clients:
                client.meta.events.unregister(event, unique_id=f"late-replies-{event.rsplit('.', 1)[-1]}")


@pytest.fixture
def late_replies(table) -> Iterator[LateReplies]:
    """Lose DynamoDB's replies to chosen operations after they were applied (see LateReplies)."""
    late = LateReplies(service_clients())
    yield late
    late.remove()


# What answered_both_ways returns: (reference, function, event, fault, faulted operations) -> answer.
BothWays = Callable[[Callable, Callable, dict, Exception | None, tuple[str, ...]], dict]


@pytest.fixture
def answered_both_ways(dynamodb, capsys, monkeypatch) -> Callable[[Callable[[], None]], BothWays]:
    """For the functions that answer without Powertools' resolver (tests/unit/test_direct_routes.py,
    test_plain_routes.py): answers an event through the route declared on the resolver and through
    the function, each from the same table (``restore`` puts it back), clock and faults, and asserts
    that the answers, the log lines and the metrics are the same; returns the answer."""
    log = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", log)
    start = datetime.now(UTC) + timedelta(days=1)  # after every course's stamp so far
    ticks = itertools.count()
    monkeypatch.setattr(write_decisions, "now", lambda: start + timedelta(microseconds=next(ticks)))

    def with_table(restore: Callable[[], None]) -> BothWays:
        def answer(reference, function, event, fault, operations):
            nonlocal ticks
            answers, outputs = [], []
            for handler in (reference, function):
                restore()
                ticks = itertools.count()
                capsys.readouterr()
                log.seek(0)
                log.truncate()
                dynamodb.heal()
                if fault is not None:
                    for operation in operations:
                        dynamodb.fail(operation, fault(operation))
                answers.append(plain_response(handler(json.loads(json.dumps(event)), LambdaContext())))
                outputs.append(logs_and_metrics(log.getvalue() + capsys.readouterr().out))
            dynamodb.heal()
            assert answers[1] == answers[0], event
            assert outputs[1] == outputs[0], event
            return answers[0]

        return answer

    return with_table
