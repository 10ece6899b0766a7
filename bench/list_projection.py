"""``python -m bench.list_projection``: a page of 20 against dynalite, its Query projected or not.

What the projection (store/reads.SHOWN_ATTRIBUTES) takes off a page's latency: DynamoDB sends,
and botocore parses, five attributes of each course instead of all of them (a course the service
created carries its write tokens too). Not visible in ``make bench``'s stubbed overhead, where the
floor and the function parse one recorded reply. In one process against one dynalite, 40 courses
created through the function, 10 interleaved blocks of 200 pages each after 200 warm-up pages:
  floor, floor projected: the floor's ``Query`` with botocore alone, without and with the projection;
  store, store unprojected: ``store.reads.list_page`` as it is, and with PynamoDB asked for every attribute.
Runs the layer's source with this Python.
"""

import contextlib
import os
from collections.abc import Callable

from bench.overhead_split import interleaved_medians, serve_from
from localdev.dynamodb import Dynalite, client
from localdev.runtime import LambdaContext, api_event, load_module
from localdev.template import route

TABLE = "courses-list-projection"
BLOCKS, PER_BLOCK, WARMUP = 10, 200, 200


def main() -> int:
    with Dynalite() as dynalite:
        serve_from(dynalite, TABLE)
        floor_client = client(dynalite.endpoint)
        create = load_module(route("POST", "/courses").code_uri, "app.lambda_handler").lambda_handler
        from course_service.store import reads
        from course_service.store.models import CourseItem

        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):  # each create's metric
            for i in range(40):
                body = f'{{"name": "Course {i:03d}", "level": "beginner"}}'
                event = api_event("POST", "/courses", headers={"Content-Type": "application/json"}, body=body)
                assert create(event, LambdaContext())["statusCode"] == 201

        query = {
            "TableName": TABLE,
            "IndexName": "courses-by-name",
            "KeyConditionExpression": "catalogue = :c",
            "ExpressionAttributeValues": {":c": {"S": "courses"}},
            "Limit": 21,
        }
        names = {f"#{i}": name for i, name in enumerate(reads.SHOWN_ATTRIBUTES)}
        projection = {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}

        def unprojected() -> object:
            found = next(CourseItem.by_name.query("courses", page_size=21).page_iter)
            return [reads.shown(item) for item in found["Items"][:20]]

        steps: dict[str, Callable[[], object]] = {
            "floor": lambda: floor_client.query(**query),
            "floor projected": lambda: floor_client.query(**query, **projection),
            "store": lambda: reads.list_page(None, None, 20),
            "store unprojected": unprojected,
        }
        medians = interleaved_medians(steps, BLOCKS, PER_BLOCK, WARMUP)
    print("| step | p50 µs | over the floor |\n| --- | ---: | ---: |")
    for name, median in medians.items():
        print(f"| {name} | {median:.0f} | {median - medians['floor']:+.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
