"""With TracingEnabled=true, traces hold timings and errors, never what a handler returned.

Powertools' Tracer records every decorated function's return value as X-Ray metadata unless
POWERTOOLS_TRACER_CAPTURE_RESPONSE is false, which the template sets for every function. The tests
run the create and get handlers in a child process set up as a traced Lambda instance, with the
template's value of that variable (and, to show the check can fail, with Powertools' default), and
reads what the X-Ray SDK sends to its daemon: a UDP socket of this test on 127.0.0.1.
"""

import json
import os
import socket
import subprocess
import sys

import pytest

from localdev.template import function_environment
from tests.root import ROOT

NAME = "Secret Seminar 7f3a"
# One traced Lambda instance per value of POWERTOOLS_TRACER_CAPTURE_RESPONSE given as arguments (Tracer
# reads it when it decorates, so each loads the handlers anew), each under a trace id of its own.
INSTANCES = f"""
import json, os, sys
from moto import mock_aws
import boto3
from localdev import template
from localdev.runtime import LambdaContext, api_event, load_handler

routes = {{(r.method, r.resource): r for r in template.routes()}}
with mock_aws():
    boto3.client("dynamodb").create_table(TableName="courses-traced", BillingMode="PAY_PER_REQUEST",
                                          **template.table_key_schema())
    for number, capture_response in enumerate(sys.argv[1:], start=1):
        os.environ["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] = capture_response
        os.environ["_X_AMZN_TRACE_ID"] = f"Root=1-5759e988-{{number:024x}};Parent=53995c3f42cd8ad8;Sampled=1"
        name = f"{NAME} {{number}}"
        for method, resource, path, body in [
            ("POST", "/courses", "/courses", json.dumps({{"name": name, "level": "beginner"}})),
            ("GET", "/courses/{{name}}", "/courses/" + name.replace(" ", "%20"), None),
        ]:
            route = routes[(method, resource)]
            handler = load_handler(route.code_uri, route.handler)
            event = api_event(method, path, route=route, body=body, headers={{"Content-Type": "application/json"}})
            assert handler(event, LambdaContext(function_name=route.function))["statusCode"] in (200, 201)
"""


@pytest.fixture(scope="module")
def traces() -> dict[str, list[dict]]:
    """{capture setting: what the X-Ray SDK sent while create and get ran traced with it}, for the
    template's setting and Powertools' default ("true")."""
    settings = [function_environment()["POWERTOOLS_TRACER_CAPTURE_RESPONSE"], "true"]
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(0.5)
    env = {
        **os.environ,
        # The X-Ray SDK and Tracer act as in Lambda (Tracer turns itself off outside it).
        "AWS_LAMBDA_FUNCTION_NAME": "traced",
        "LAMBDA_TASK_ROOT": str(ROOT),
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}",
        "POWERTOOLS_TRACE_DISABLED": "false",
        "TABLE_NAME": "courses-traced",
    }
    try:
        result = subprocess.run(
            [sys.executable, "-c", INSTANCES, *settings], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stderr[-3000:]
        documents = []
        for _ in range(10_000):  # bounded: stops at the first quiet half second
            try:
                datagram = daemon.recv(65536).decode()
            except TimeoutError:
                break
            documents.append(json.loads(datagram.split("\n", 1)[1]))  # after the daemon protocol header
    finally:
        daemon.close()
    by_trace: dict[str, list[dict]] = {}
    for document in documents:
        by_trace.setdefault(document["trace_id"], []).append(document)
    ordered = [by_trace[trace] for trace in sorted(by_trace)]
    assert len(ordered) == len(settings)
    return {"template": ordered[0], "default": ordered[1]}


def names(documents: list[dict]) -> set[str]:
    found = set()
    for document in documents:
        found.add(document["name"])
        found |= names(document.get("subsegments", []))
    return found


def test_traces_record_the_handlers_and_routes_but_no_return_value(traces):
    documents = traces["template"]
    traced = names(documents)  # tracing was on: the handler, each route (as module.function), DynamoDB
    assert {"## lambda_handler", "dynamodb"} <= traced
    assert {"create_course", "get_course"} <= {name.rsplit(".", 1)[-1] for name in traced}
    sent = json.dumps(documents)
    assert NAME not in sent and "beginner" not in sent


def test_with_powertools_default_the_traces_would_hold_the_course(traces):
    """The check above can fail: by default Tracer records what each route returned."""
    assert NAME in json.dumps(traces["default"])
