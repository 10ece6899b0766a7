"""Parallel requests: 16 creates of one name give exactly one 201 and fifteen 409; 16 PUTs with the
same If-Match give exactly one 200 and fifteen 412.

Each request goes to its own warm instance of the function, as Lambda runs concurrent requests.
(The HTTP integration tests repeat this through the local server against a real DynamoDB-compatible
server.)"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from unit_support import ROUTES

from localdev.runtime import LambdaContext, api_event, load_handler

PARALLEL = 16


@pytest.fixture
def atomic_items(monkeypatch):
    """DynamoDB applies each request to an item atomically: its condition is checked and the write
    made as one step. moto checks, then writes, without a lock, so two conditional writes can both
    pass; serialising moto's item operations restores DynamoDB's guarantee (and only that one)."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "get_item"):
        original = getattr(DynamoDBBackend, name)

        def atomic(*args, _original=original, **kwargs):
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, atomic)


def in_parallel(method: str, resource: str, path: str, body: dict, headers: dict | None = None) -> list[int]:
    """Sends PARALLEL copies of one request at once, each to a new instance; returns the statuses."""
    route = ROUTES[(method, resource)]
    instances = [load_handler(route.code_uri, route.handler) for _ in range(PARALLEL)]
    start = threading.Barrier(PARALLEL)

    def send(handler) -> int:
        event = api_event(
            method,
            path,
            route=route,
            headers={"Content-Type": "application/json", **(headers or {})},
            body=json.dumps(body),
        )
        start.wait()
        return handler(event, LambdaContext(function_name=route.function))["statusCode"]

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(send, instances))


def test_parallel_creates_of_one_name_give_one_201_and_409s(table, atomic_items, stored):
    statuses = in_parallel("POST", "/courses", "/courses", {"name": "Race", "level": "beginner"})

    assert sorted(statuses) == [201] + [409] * (PARALLEL - 1)
    assert list(stored()) == ["Race"]


def test_parallel_puts_with_the_same_if_match_give_one_200_and_412s(create, atomic_items, stored):
    etag = create("Race", "beginner").headers["etag"]

    statuses = in_parallel(
        "PUT", "/courses/{name}", "/courses/Race", {"level": "advanced"}, headers={"If-Match": etag}
    )

    assert sorted(statuses) == [200] + [412] * (PARALLEL - 1)
    assert stored()["Race"]["level"] == "advanced"
