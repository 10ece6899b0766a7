"""HTTP integration: the local server (`python -m localdev`, what `make run` starts) in a child
process, in front of a real DynamoDB-compatible server (dynalite) on 127.0.0.1."""

import pytest

from localdev.dynamodb import Dynalite
from localdev.server_process import LocalServer
from testing.fault_proxy import FaultProxy


@pytest.fixture(scope="session")
def dynalite():
    with Dynalite() as server:
        yield server


@pytest.fixture(scope="session")
def server(dynalite):
    local = LocalServer({"DYNAMODB_ENDPOINT": dynalite.endpoint, "TABLE_NAME": "courses-it"})
    yield local
    local.stop()


@pytest.fixture(scope="module")
def proxy(dynalite):
    """A loopback proxy in front of dynalite that can hold DynamoDB's replies (a module's own)."""
    with FaultProxy(dynalite.port) as fault_proxy:
        yield fault_proxy
