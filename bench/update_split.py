"""``python -m bench.update_split``: where update_course's warm time goes, dynalite's side or ours.

One process, one dynalite, 20 interleaved blocks of 50 requests each of:
  floor: the floor's ``UpdateItem`` (bench/baseline/app.py), sent with botocore;
  service's UpdateItem: the request the update handler sends (captured from the handler, then sent
    with the same botocore client as the floor's, with a new time and write token each time);
  handler: the update handler itself, through its PynamoDB client.
The service's request over the floor's is what dynalite does more for it (its condition and write
tokens); the handler over the service's request is our own code (what ``make bench`` calls overhead).
"""

import copy
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import botocore.session

from localdev.__main__ import local_environment
from localdev.dynamodb import Dynalite, client, ensure_tables
from localdev.runtime import LambdaContext, api_event, load_handler, put_layers_on_path
from localdev.template import route

TABLE = "courses-update-split"
BLOCKS, PER_BLOCK = 20, 50
LEVELS = ("beginner", "advanced")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def _capture_update_items(sent: list[dict[str, Any]]) -> None:
    """Every client created from now on hands a copy of each UpdateItem's parameters to ``sent``."""
    create_client = botocore.session.Session.create_client

    def capturing(session, *args, **kwargs):
        created = create_client(session, *args, **kwargs)
        created.meta.events.register(
            "provide-client-params.dynamodb.UpdateItem", lambda params, **_: sent.append(copy.deepcopy(params))
        )
        return created

    botocore.session.Session.create_client = capturing


def main() -> int:
    sent: list[dict[str, Any]] = []
    _capture_update_items(sent)
    with Dynalite() as dynalite:
        os.environ.update(local_environment(), TABLE_NAME=TABLE, DYNAMODB_ENDPOINT=dynalite.endpoint)
        os.environ["IDEMPOTENCY_TABLE_NAME"] = f"{TABLE}-idempotency"
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")  # dynalite takes any
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        ensure_tables(dynalite.endpoint, TABLE)
        dynamodb = client(dynalite.endpoint)
        for name in ("floor", "service", "handler"):
            now = _now()
            item = {"level": "beginner", "created_at": now, "updated_at": now, "catalogue": "courses"}
            dynamodb.put_item(
                TableName=TABLE,
                Item={"name": {"S": name}, "version": {"N": "1"}, **{k: {"S": v} for k, v in item.items()}},
            )
        put_layers_on_path()
        update = route("PUT", "/courses/{name}")
        handler = load_handler(update.code_uri, update.handler)

        def handler_request(i: int) -> None:
            event = api_event(
                "PUT",
                "/courses/handler",
                route=update,
                headers={"Content-Type": "application/json"},
                body=json.dumps({"level": LEVELS[i % 2]}),
            )
            answer = handler(event, LambdaContext())
            assert answer["statusCode"] == 200, answer

        handler_request(1)
        services_request = sent[-1]

        def service_request(i: int) -> None:
            params = copy.deepcopy(services_request)
            params["Key"] = {"name": {"S": "service"}}
            values = params["ExpressionAttributeValues"]
            for placeholder, value in values.items():  # the level, the new time, the write token
                if value.get("S") in LEVELS:
                    values[placeholder] = {"S": LEVELS[i % 2]}
                elif value.get("S", "").startswith("20"):
                    values[placeholder] = {"S": _now() if placeholder != ":0" else "9999"}
                elif len(value.get("S", "")) == 32:
                    values[placeholder] = {"S": uuid.uuid4().hex}
            dynamodb.update_item(**params)

        def floor_request(i: int) -> None:
            dynamodb.update_item(
                TableName=TABLE,
                Key={"name": {"S": "floor"}},
                UpdateExpression="SET #l = :l, updated_at = :u ADD version :one",
                ConditionExpression="attribute_exists(#n)",
                ExpressionAttributeNames={"#n": "name", "#l": "level"},
                ExpressionAttributeValues={":l": {"S": LEVELS[i % 2]}, ":u": {"S": _now()}, ":one": {"N": "1"}},
                ReturnValues="ALL_NEW",
            )

        variants = {"floor": floor_request, "service's UpdateItem": service_request, "handler": handler_request}
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(BLOCKS):
            for name, send in variants.items():
                for i in range(PER_BLOCK):
                    started = time.perf_counter()
                    send(i)
                    times[name].append((time.perf_counter() - started) * 1000)
    floor = statistics.median(times["floor"])
    print("| request | p50 ms | x floor |\n| --- | ---: | ---: |")
    for name, measured in times.items():
        print(f"| {name} | {statistics.median(measured):.2f} | {statistics.median(measured) / floor:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
