"""API fuzzing with schemathesis, from the committed openapi.json, through the local server."""

import re

import requests
import schemathesis
from hypothesis import assume, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from localdev.gateway import MAX_URL_CHARS
from localdev.openapi import OPENAPI_FILE

# What no response may show: stack traces, exception or library names, AWS identifiers, hosts.
LEAKS = re.compile(
    r"Traceback|Exception|Error:|pynamodb|botocore|pydantic|powertools|arn:aws|courses-it|127\.0\.0\.1",
    re.IGNORECASE,
)
MAX_EXAMPLES = 40  # per operation and generation mode; bounded so `make test` stays quick


# Loaded eagerly: the base URL is given per call. (schemathesis.pytest.from_fixture fails under
# pytest 9 here with "'Function' object has no attribute '_nodeid'".)
schema = schemathesis.openapi.from_path(OPENAPI_FILE)
# Header values holding NUL, vertical tab or form feed are not HTTP (RFC 9110 5.5): the edge refuses
# them with 400 before any function runs, a status the document of the API behind it cannot list.
# The fuzzer leaves them out; tests/integration/test_edges.py sends such requests byte by byte.
schema.config.generation.update(exclude_header_characters="\r\n\x00\x0b\x0c")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None)
def test_no_5xx_and_every_response_conforms_to_the_document(case, server):
    base_url = f"http://127.0.0.1:{server.port}"
    # Likewise a URL over API Gateway's 8192 characters is refused at the edge (414) before any
    # function runs: a cursor within its 1024 characters can be 12 times longer percent-encoded.
    # test_edges.py::test_a_hostile_request_gets_a_json_error_and_the_server_keeps_serving sends one.
    sent = case.as_transport_kwargs(base_url=base_url)
    target = requests.Request(sent["method"], sent["url"], params=sent.get("params")).prepare().path_url
    assume(len(target) <= MAX_URL_CHARS)
    response = case.call_and_validate(
        base_url=base_url,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
    assert not LEAKS.search(response.text), response.text
