"""GET /health: 200 {"status": "ok"} when the table answers, 503 {"status": "unavailable"} with
Retry-After when it does not."""

import json
import os
import subprocess
import sys

import pytest

from localdev import template
from tests.root import ROOT
from tests.unit.support import TABLE_NAME, TRANSIENT_ERRORS


def assert_unavailable(reply) -> None:
    assert (reply.status, reply.body) == (503, {"status": "unavailable"})
    assert int(reply.headers["retry-after"]) > 0


def test_health_is_ok_when_the_table_answers(api, table):
    reply = api("GET", "/health")

    assert (reply.status, reply.body) == (200, {"status": "ok"})


def test_health_is_unavailable_when_the_table_does_not_exist(api, no_table):
    assert_unavailable(api("GET", "/health"))


def test_health_asks_the_table_every_time(api, table):
    assert api("GET", "/health").status == 200

    table.delete_table(TableName=TABLE_NAME)

    assert_unavailable(api("GET", "/health"))


@pytest.mark.parametrize("make_error", TRANSIENT_ERRORS.values(), ids=TRANSIENT_ERRORS.keys())
def test_health_is_unavailable_when_dynamodb_throttles_or_fails(api, table, dynamodb, make_error):
    dynamodb.fail("DescribeTable", make_error("DescribeTable"))

    assert_unavailable(api("GET", "/health"))


def test_health_loads_neither_pydantic_nor_the_event_handler():
    """Health is probed often and reads no body: its cold start stays near the botocore floor by not
    importing what validation and routing need (docs/PERFORMANCE.md)."""
    route = template.route("GET", "/health")
    probe = (
        "import json, sys; from pathlib import Path; from localdev.runtime import load_handler; "
        "load_handler(Path(sys.argv[1]), sys.argv[2]); print(json.dumps(sorted(sys.modules)))"
    )
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", probe, str(route.code_uri), route.handler],
            cwd=ROOT,
            env=os.environ,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )

    assert {"pynamodb.models", "aws_lambda_powertools.logging.logger"} <= set(loaded)  # the handler loaded
    assert [module for module in loaded if module.split(".")[0] in {"pydantic", "pydantic_core"}] == []
    assert [module for module in loaded if module.startswith("aws_lambda_powertools.event_handler")] == []
