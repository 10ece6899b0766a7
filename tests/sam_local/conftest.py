"""`sam local` tests: `make test-sam-local` (python -m tests.sam_local) runs them inside the private
namespaces of its container engine; `make test` leaves this folder out (pyproject.toml).

They use what docs/LOCAL.md tells a developer to use: the shipped env-vars file, `make dynamodb`'s
command on the engine's bridge, `--add-host host.docker.internal:host-gateway`, and this machine's
architecture as the template parameter.
"""

import os
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from localdev.dynamodb import ensure_tables, server_command
from localdev.processes import first_line, stop_process
from localdev.runtime import load_handler
from localdev.template import routes
from tests.root import ROOT
from tests.sam_local.sam_cli import SAM_ENV_VARS, SamCli

TEMPLATE = os.environ.get("SAM_LOCAL_TEMPLATE")
IN_PROCESS_TABLE = "courses-in-process"  # the handlers run here, beside the containers' table


def pytest_collection_modifyitems(config, items):
    if TEMPLATE:
        return
    skip = pytest.mark.skip(reason="needs the container engine `make test-sam-local` starts")
    for item in items:
        if Path(__file__).parent in item.path.parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def sam() -> SamCli:
    assert TEMPLATE, "set by make test-sam-local"  # without it, every test here is skipped
    return SamCli(TEMPLATE)


def _bridge_address() -> str:
    """docker0's address: where `host.docker.internal:host-gateway` leads from a container."""
    shown = subprocess.run(
        ["ip", "-4", "-o", "address", "show", "docker0"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    return shown.split(" inet ")[1].split("/")[0]


@pytest.fixture(scope="session")
def dynamodb():
    """`make dynamodb` on the bridge, at the port and table the env-vars file names; its endpoint."""
    port = urlsplit(SAM_ENV_VARS["DYNAMODB_ENDPOINT"]).port
    host = _bridge_address()
    command = server_command(host, port, SAM_ENV_VARS["TABLE_NAME"])
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        ready = first_line(process)  # once the table exists; its errors go to stderr
        assert "Ctrl-C stops it" in ready, ready
        yield f"http://{host}:{port}"
    finally:
        stop_process(process, signal.SIGINT, timeout=15)


@pytest.fixture(scope="session")
def in_process(dynamodb):
    """Every function's handler loaded in this process (as `make run` runs them), on the same
    DynamoDB, in a table of its own; settings are read at import, so set before loading."""
    os.environ.update(DYNAMODB_ENDPOINT=dynamodb, TABLE_NAME=IN_PROCESS_TABLE)
    os.environ.pop("IDEMPOTENCY_TABLE_NAME", None)  # then <TABLE_NAME>-idempotency
    ensure_tables(dynamodb, IN_PROCESS_TABLE)
    return {r.function: load_handler(r.code_uri, r.handler) for r in routes()}
