"""The floor: each route's DynamoDB call made with botocore alone, answered with JSON (a create with
an Idempotency-Key: the three calls of Powertools' idempotency record around the create).

No framework, no validation, no model: what any Python handler doing that call has to import and
run. It is loaded exactly like the real functions (same Python, same botocore, same environment).
"""

import json
import os
from datetime import UTC, datetime
from urllib.parse import unquote

import botocore.session
from botocore.config import Config

TABLE = os.environ["TABLE_NAME"]
IDEMPOTENCY_TABLE = f"{TABLE}-idempotency"
CATALOGUE = "courses"  # course_service.store.models.CATALOGUE: what puts a course in the list of all courses
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
            KeyConditionExpression="catalogue = :c",
            ExpressionAttributeValues={":c": {"S": CATALOGUE}},
            # The fields a page shows, and the version, as the service asks (store/reads.LISTED_ATTRIBUTES).
            ProjectionExpression="#0, #1, #2, #3, #4",
            ExpressionAttributeNames={
                "#0": "name",
                "#1": "level",
                "#2": "created_at",
                "#3": "updated_at",
                "#4": "version",
            },
            Limit=21,
        )
        hidden = ("version",)
        items = [{k: v.get("S", v.get("N")) for k, v in item.items() if k not in hidden} for item in page["Items"][:20]]
        return _json(200, {"items": items, "next_cursor": items[-1]["name"] if len(page["Items"]) > 20 else None})
    if method == "POST":
        course = json.loads(event["body"])
        key = (event.get("headers") or {}).get("Idempotency-Key")
        if key:
            client.put_item(
                TableName=IDEMPOTENCY_TABLE,
                Item={"id": {"S": key}, "status": {"S": "INPROGRESS"}},
                ConditionExpression="attribute_not_exists(id)",
            )
        now = _now()
        client.put_item(
            TableName=TABLE,
            Item={
                "name": {"S": course["name"]},
                "level": {"S": course["level"]},
                "created_at": {"S": now},
                "updated_at": {"S": now},
                "version": {"N": "1"},
                "catalogue": {"S": CATALOGUE},
            },
            ConditionExpression="attribute_not_exists(#n)",
            ExpressionAttributeNames={"#n": "name"},
        )
        body = {"name": course["name"], "level": course["level"], "created_at": now, "updated_at": now}
        if key:
            client.update_item(
                TableName=IDEMPOTENCY_TABLE,
                Key={"id": {"S": key}},
                UpdateExpression="SET #s = :s, #d = :d",
                ExpressionAttributeNames={"#s": "status", "#d": "data"},
                ExpressionAttributeValues={":s": {"S": "COMPLETED"}, ":d": {"S": json.dumps(body)}},
            )
        return _json(201, body)
    name = unquote(path.rsplit("/", 1)[1])
    if method == "DELETE":
        client.delete_item(
            TableName=TABLE,
            Key={"name": {"S": name}},
            ConditionExpression="attribute_exists(#n)",
            ExpressionAttributeNames={"#n": "name"},
        )
        return {"statusCode": 204, "headers": {}, "body": "", "isBase64Encoded": False}
    if method == "GET":
        item = client.get_item(TableName=TABLE, Key={"name": {"S": name}}, ConsistentRead=True)["Item"]
    else:
        item = client.update_item(
            TableName=TABLE,
            Key={"name": {"S": name}},
            UpdateExpression="SET #l = :l, updated_at = :u ADD version :one",
            ConditionExpression="attribute_exists(#n)",
            ExpressionAttributeNames={"#n": "name", "#l": "level"},
            ExpressionAttributeValues={
                ":l": {"S": json.loads(event["body"])["level"]},
                ":u": {"S": _now()},
                ":one": {"N": "1"},
            },
            ReturnValues="ALL_NEW",
        )["Attributes"]
    return _json(200, {k: v.get("S", v.get("N")) for k, v in item.items() if k != "version"})


def _json(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
