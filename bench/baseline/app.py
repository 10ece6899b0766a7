"""The floor: each route's DynamoDB call made with botocore alone, answered with JSON (a create with
an Idempotency-Key: the three calls of Powertools' idempotency record around the create).

The same calls as the functions, parameter for parameter: the same item attributes (the write
tokens included), condition, update and projection expressions, and PynamoDB's
``ReturnConsumedCapacity``, so that DynamoDB (dynalite here) does the same work for both and the
difference is the function's own (tests/unit/test_bench_floor.py compares the calls).
No framework, no validation, no model: what any Python handler making those calls has to import and
run. It is loaded exactly like the real functions (same Python, same botocore, same environment).
"""

import hashlib
import json
import os
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import unquote

import botocore.session
from botocore.config import Config

TABLE = os.environ["TABLE_NAME"]
IDEMPOTENCY_TABLE = os.environ.get("IDEMPOTENCY_TABLE_NAME") or f"{TABLE}-idempotency"
CATALOGUE = "courses"  # course_service.store.models.CATALOGUE: what puts a course in the list of all courses
TOTAL = {"ReturnConsumedCapacity": "TOTAL"}  # PynamoDB asks it on every call on the courses table
NO_TOKEN = "-"  # course_service.store.models.NO_TOKEN
# Created once per instance, with the service's timeouts and retries.
client = botocore.session.get_session().create_client(
    "dynamodb",
    region_name=os.environ.get("AWS_REGION", "us-east-1"),
    endpoint_url=os.environ.get("DYNAMODB_ENDPOINT") or None,
    config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 3, "mode": "standard"}),
)


def _now() -> str:
    # The format the service's model stores, so either can read what the other wrote.
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def _course(item: dict) -> dict:
    return {k: item[k]["S"] for k in ("name", "level", "created_at", "updated_at")}


def lambda_handler(event: dict, context) -> dict:
    method, path = event["httpMethod"], event["path"]
    if path == "/health":
        client.describe_table(TableName=TABLE)
        return _json(200, {"status": "ok"})
    if path == "/courses" and method == "GET":
        # The first page: one Query on the index of all courses, one course more than the page of 20.
        page = client.query(
            TableName=TABLE,
            IndexName="courses-by-name",
            KeyConditionExpression="#0 = :0",
            ProjectionExpression="#1, #2, #3, #4, #5",
            ExpressionAttributeNames={
                "#0": "catalogue",
                "#1": "name",
                "#2": "level",
                "#3": "created_at",
                "#4": "updated_at",
                "#5": "version",
            },
            ExpressionAttributeValues={":0": {"S": CATALOGUE}},
            Limit=21,
            **TOTAL,
        )
        items = [_course(item) for item in page["Items"][:20]]
        return _json(200, {"items": items, "next_cursor": items[-1]["name"] if len(page["Items"]) > 20 else None})
    if method == "POST":
        return _create(json.loads(event["body"]), (event.get("headers") or {}).get("Idempotency-Key"))
    name = unquote(path.rsplit("/", 1)[1])
    if method == "DELETE":
        client.delete_item(
            TableName=TABLE,
            Key={"name": {"S": name}},
            ConditionExpression="(attribute_exists (#0) AND #1 < :0)",
            ExpressionAttributeNames={"#0": "name", "#1": "updated_at"},
            ExpressionAttributeValues={":0": {"S": _now()}},
            **TOTAL,
        )
        return {"statusCode": 204, "headers": {}, "body": "", "isBase64Encoded": False}
    if method == "GET":
        item = client.get_item(TableName=TABLE, Key={"name": {"S": name}}, ConsistentRead=True, **TOTAL)["Item"]
    else:
        now = _now()
        item = client.update_item(
            TableName=TABLE,
            Key={"name": {"S": name}},
            ConditionExpression="(attribute_exists (#0) AND #1 < :0)",
            ReturnValues="ALL_NEW",
            UpdateExpression="SET #2 = :1, #1 = :2, #3 = :3, #4 = if_not_exists (#3, :4), #5 = if_not_exists (#4, :5), "
            "#6 = if_not_exists (#5, :6) ADD #7 :7",
            ExpressionAttributeNames={
                "#0": "name",
                "#1": "updated_at",
                "#2": "level",
                "#3": "write_token",
                "#4": "write_token_1",
                "#5": "write_token_2",
                "#6": "write_token_3",
                "#7": "version",
            },
            ExpressionAttributeValues={
                ":0": {"S": now},
                ":1": {"S": json.loads(event["body"])["level"]},
                ":2": {"S": now},
                ":3": {"S": uuid.uuid4().hex},
                ":4": {"S": NO_TOKEN},
                ":5": {"S": NO_TOKEN},
                ":6": {"S": NO_TOKEN},
                ":7": {"N": "1"},
            },
            **TOTAL,
        )["Attributes"]
    return _json(200, _course(item))


def _create(course: dict, key: str | None) -> dict:
    record_key = {"id": {"S": f"POST /courses#{hashlib.sha256(key.encode()).hexdigest()}"}} if key else {}
    now = time.time()
    if key:
        client.put_item(
            TableName=IDEMPOTENCY_TABLE,
            Item={
                **record_key,
                "expiration": {"N": str(int(now) + 86_400)},
                "status": {"S": "INPROGRESS"},
                "in_progress_expiration": {"N": str(int(now * 1000) + 14_000)},
                "validation": {"S": hashlib.sha256(json.dumps(course).encode()).hexdigest()},
            },
            ConditionExpression="attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND "
            "attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)",
            ExpressionAttributeNames={
                "#id": "id",
                "#expiry": "expiration",
                "#in_progress_expiry": "in_progress_expiration",
                "#status": "status",
            },
            ExpressionAttributeValues={
                ":now": {"N": str(int(now))},
                ":now_in_millis": {"N": str(int(now * 1000))},
                ":inprogress": {"S": "INPROGRESS"},
            },
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    stamp, token = _now(), uuid.uuid4().hex
    client.put_item(
        TableName=TABLE,
        Item={
            "name": {"S": course["name"]},
            "catalogue": {"S": CATALOGUE},
            "created_at": {"S": stamp},
            "created_by": {"S": token},
            "level": {"S": course["level"]},
            "updated_at": {"S": stamp},
            "write_token": {"S": token},
            "version": {"N": "1"},
        },
        ConditionExpression="(attribute_not_exists (#0) AND attribute_not_exists (#1))",
        ExpressionAttributeNames={"#0": "name", "#1": "version"},
        **TOTAL,
    )
    body = {"name": course["name"], "level": course["level"], "created_at": stamp, "updated_at": stamp}
    if key:
        client.update_item(
            TableName=IDEMPOTENCY_TABLE,
            Key=record_key,
            UpdateExpression="SET #response_data = :response_data, #expiry = :expiry, #status = :status, "
            "#validation_key = :validation_key",
            ExpressionAttributeNames={
                "#expiry": "expiration",
                "#response_data": "data",
                "#status": "status",
                "#validation_key": "validation",
            },
            ExpressionAttributeValues={
                ":expiry": {"N": str(int(now) + 86_400)},
                ":response_data": {"S": json.dumps({"body": body, "status": 201})},
                ":status": {"S": "COMPLETED"},
                ":validation_key": {"S": hashlib.sha256(json.dumps(course).encode()).hexdigest()},
            },
        )
    return _json(201, body)


def _json(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
