"""``python -m bench.overhead_split``: where a warm GET /courses/{name} spends its time over the floor.

DynamoDB answered from a recorded reply (as ``make bench``'s overhead), in one process, each step
adding one layer over the one before, 10 interleaved blocks of 300 requests each:
  floor: the floor's ``GetItem`` with botocore alone;
  service client: the same ``GetItem`` on the service's own client (PynamoDB's, with the retry
    policy's hooks), called directly;
  pynamodb dispatch: the same read through PynamoDB's connection (``dispatch``), the raw item;
  store: ``store.reads.course``, the same call through PynamoDB's table connection, the item read
    as a response shows it (``reads.shown``);
  core: ``core.courses.get``, the core's own ``Course`` from the stored item;
  edge route: the route's answer built (``edge.answers.read_answer``);
  direct: the function's handler without its entry point, routing and writing the answer
    (``edge.direct``: how GET answers since it does without the resolver);
  handler: the whole Lambda entry point (deadline, logs, metrics, headers) around it;
  and, beside the chain, resolver: the same route on Powertools' resolver with its OpenAPI
    validation (functions/get_course/openapi.py: how GET answered before).
Runs the layer's source with this Python (``make bench`` measures the built artifact with python3.13).
"""

import contextlib
import os
import statistics
import time
from collections.abc import Callable

from bench.worker import Recorder
from localdev.__main__ import local_environment
from localdev.dynamodb import Dynalite, client, ensure_tables
from localdev.runtime import LambdaContext, api_event, load_module, put_layers_on_path
from localdev.template import route

TABLE = "courses-overhead-split"
NAME = "Overhead"
BLOCKS, PER_BLOCK, WARMUP = 10, 300, 300


class UnhurriedContext(LambdaContext):
    """A context whose deadline never nears: the steps run far longer than one invocation."""

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


def serve_from(dynalite: Dynalite, table: str) -> None:
    """The functions' environment pointed at ``table`` (created) on ``dynalite``, the layer on the path."""
    os.environ.update(local_environment(), TABLE_NAME=table, DYNAMODB_ENDPOINT=dynalite.endpoint)
    os.environ.update(IDEMPOTENCY_TABLE_NAME=f"{table}-idempotency", POWERTOOLS_METRICS_DISABLED="false")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")  # dynalite takes any
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    ensure_tables(dynalite.endpoint, table)
    put_layers_on_path()


def interleaved_medians(
    steps: dict[str, Callable[[], object]], blocks: int, per_block: int, warmup: int
) -> dict[str, float]:
    """Each step's median time in µs: ``warmup`` calls each, then ``blocks`` rounds of ``per_block``
    calls of each step in turn, so that the machine's drift hits every step alike.

    A new deadline before each run of calls: the steps below the handler do not start one.
    """
    from course_service.common import deadline

    times: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():
        deadline.start(UnhurriedContext())
        for _ in range(warmup):
            step()
    for _ in range(blocks):
        for name, step in steps.items():
            deadline.start(UnhurriedContext())
            for _ in range(per_block):
                started = time.perf_counter_ns()
                step()
                times[name].append((time.perf_counter_ns() - started) / 1000)
    return {name: statistics.median(measured) for name, measured in times.items()}


def main() -> int:
    recorder = Recorder()  # before any client exists: it records, then replays, every reply
    with Dynalite() as dynalite:
        serve_from(dynalite, TABLE)
        floor_client = client(dynalite.endpoint)
        get = route("GET", "/courses/{name}")
        module = load_module(get.code_uri, get.handler)
        declared = load_module(get.code_uri, "openapi.app")
        from course_service.common import deadline
        from course_service.core import courses
        from course_service.edge.answers import read_answer
        from course_service.edge.direct import course_handler
        from course_service.edge.request_checks import merged_headers
        from course_service.edge.resolver import for_powertools
        from course_service.store import reads
        from course_service.store.client import connected, dynamodb_client, table

        event = api_event("GET", f"/courses/{NAME}", route=get)
        context = UnhurriedContext()
        courses_create = load_module(route("POST", "/courses").code_uri, "app.lambda_handler").lambda_handler
        body = '{"name": "Overhead", "level": "beginner"}'
        headers = {"Content-Type": "application/json"}
        assert courses_create(api_event("POST", "/courses", headers=headers, body=body), context)["statusCode"] == 201
        key = {"name": {"S": NAME}}
        direct = course_handler("GET", module.get_course)
        connected()  # the service's client, with its retry policy, as the store uses it
        service_client = dynamodb_client()
        steps: dict[str, Callable[[], object]] = {
            "floor": lambda: floor_client.get_item(TableName=TABLE, Key=key, ConsistentRead=True),
            "service client": lambda: service_client.get_item(
                TableName=TABLE, Key=key, ConsistentRead=True, ReturnConsumedCapacity="TOTAL"
            ),
            "pynamodb dispatch": lambda: table().get_item(NAME, consistent_read=True),
            "store": lambda: reads.course(NAME),
            "core": lambda: courses.get(NAME),
            "edge route": lambda: read_answer(courses.get(NAME), None),
            "direct": lambda: direct(event, context),
            "handler": lambda: module.lambda_handler(event, context),
            "resolver": lambda: declared.app.resolve(for_powertools(event, merged_headers(event)), context),
        }
        deadline.start(context)
        for step in steps.values():  # each client's reply recorded once, then answered from it
            step()
        recorder.replay = True
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):  # each request's metrics
            medians = interleaved_medians(steps, BLOCKS, PER_BLOCK, WARMUP)
    print("| step | p50 µs | over the step before | over the floor |\n| --- | ---: | ---: | ---: |")
    names = list(medians)
    for before, name in zip(names, names[1:], strict=False):
        before = "edge route" if name == "resolver" else before  # beside the chain: over the route's answer
        median = medians[name]
        print(f"| {name} | {median:.0f} | {median - medians[before]:+.0f} | {median - medians['floor']:+.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
