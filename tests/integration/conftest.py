"""HTTP integration: the local server (`python -m localdev`, what `make run` starts) in a child
process, in front of a real DynamoDB-compatible server (dynalite) on 127.0.0.1."""

import pytest

from localdev.dynamodb import Dynalite
# The server and its client live in localdev/ (the load test, `python -m localdev.load`, uses them
# too); imported here so tests keep taking them from this conftest.
from localdev.local_server import HttpReply, LocalServer  # noqa: F401


@pytest.fixture(scope="session")
def dynalite():
    with Dynalite() as server:
        yield server


@pytest.fixture(scope="session")
def server(dynalite):
    local = LocalServer({"DYNAMODB_ENDPOINT": dynalite.endpoint, "TABLE_NAME": "courses-it"})
    yield local
    local.stop()
