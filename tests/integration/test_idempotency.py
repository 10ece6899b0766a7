"""POST /courses with Idempotency-Key over HTTP, against dynalite: no TTL, and no item returned with a
refused conditional put (``ReturnValuesOnConditionCheckFailure`` is ignored), so Powertools reads the
record instead; parallel requests with one key through the local server's instance processes.
(tests/unit/test_create_course_idempotency_key.py: the whole contract under moto; test_late_replies.py: late replies.)
"""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from localdev.dynamodb import client
from tests.integration.http_support import path_of

IDEMPOTENCY_TABLE = "courses-it-idempotency"  # beside the server's courses-it (settings.py's default)
PARALLEL = 8


def new_course() -> dict:
    return {"name": f"keyed {uuid.uuid4().hex[:8]}", "level": "beginner"}


def keyed(server, body: dict, key: str):
    return server.request("POST", "/courses", body, {"Idempotency-Key": key})


@pytest.fixture
def records(dynalite):
    """The ids of the idempotency records dynalite holds, read behind the service's back."""
    dynamodb = client(dynalite.endpoint)

    def ids() -> set[str]:
        return {item["id"]["S"] for item in dynamodb.scan(TableName=IDEMPOTENCY_TABLE, ConsistentRead=True)["Items"]}

    ids.client = dynamodb
    return ids


def test_a_retry_with_the_key_answers_the_first_response_read_back_from_dynalite(server):
    body, key = new_course(), str(uuid.uuid4())
    first = keyed(server, body, key)
    server.request("PUT", path_of(body["name"]), {"level": "advanced"})

    again = keyed(server, body, key)

    assert first.status == again.status == 201, first.raw
    assert again.raw == first.raw
    assert (again.headers["location"], again.headers["etag"]) == (first.headers["location"], first.headers["etag"])


def test_the_same_key_with_another_body_is_422_and_writes_nothing(server):
    body, key = new_course(), str(uuid.uuid4())
    assert keyed(server, body, key).status == 201
    other = {**body, "name": body["name"] + " bis"}

    reply = keyed(server, other, key)

    assert reply.status == 422
    assert reply.body["detail"] == [{"loc": ["header", "Idempotency-Key"], "type": "idempotency_key_reused"}]
    assert server.request("GET", path_of(other["name"])).status == 404


def test_parallel_requests_with_one_key_create_one_course_and_never_fail(server):
    body, key = new_course(), str(uuid.uuid4())
    start = threading.Barrier(PARALLEL)

    def one(_):
        start.wait()
        return keyed(server, body, key)

    with ThreadPoolExecutor(PARALLEL) as pool:
        replies = list(pool.map(one, range(PARALLEL)))

    assert {r.status for r in replies} <= {201, 409}, [r.raw for r in replies]
    created = [r for r in replies if r.status == 201]
    assert created and all(r.raw == created[0].raw for r in created)
    assert all(int(r.headers["retry-after"]) > 0 for r in replies if r.status == 409)
    read = server.request("GET", path_of(body["name"]))
    assert read.headers["etag"] == created[0].headers["etag"]  # one course, written once
    # The creating request answered only once its record was complete: a client told 409 (in
    # progress) that retries now gets the first 201.
    assert keyed(server, body, key).raw == created[0].raw


def test_a_record_past_its_24_hours_is_replaced_although_dynalite_has_no_ttl(server, records):
    """Powertools' put overwrites a record whose expiry has passed (its condition), so the window
    holds without TTL; TTL only clears the table in AWS."""
    key, first = str(uuid.uuid4()), new_course()
    before = records()
    assert keyed(server, first, key).status == 201
    [record_id] = records() - before
    records.client.update_item(
        TableName=IDEMPOTENCY_TABLE,
        Key={"id": {"S": record_id}},
        UpdateExpression="SET expiration = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )

    later = keyed(server, new_course(), key)  # another body: no longer the same request

    assert later.status == 201, later.raw
    assert records() - before == {record_id}  # the same record, replaced
