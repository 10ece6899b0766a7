"""The docs page's "Try it out" calls the API that served the page, on any port and under any stage
or base path: what its Content-Security-Policy allows (connect-src 'self'), and the API the reader
is looking at. Swagger UI's own bundle (the copy the page loads, pinned with Powertools) runs the
page's own initializer in Node (try_it_out.js): what a browser runs, less the rendering."""

import json
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from localdev import template
from localdev.runtime import LambdaContext, api_event
from tests.root import ROOT

TRY_IT_OUT = Path(__file__).with_name("try_it_out.js")
BUNDLE = resources.files("aws_lambda_powertools.event_handler.openapi") / "swagger_ui" / "swagger-ui-bundle.min.js"
INITIALIZER = ROOT / "functions" / "api_docs" / "swagger-initializer.js"
DEFAULT_PORT = 3000  # make run's


def try_it_out(page_url: str, method: str, path: str, document: Path | None = None) -> dict:
    """What the page at ``page_url`` fetched to load the document and to execute ``method path``,
    and the answer's status; with ``document``, nothing is sent (see try_it_out.js)."""
    node = shutil.which("node")
    assert node, "Node.js is needed (make install: dynalite runs on it too)"
    command = [node, str(TRY_IT_OUT), str(BUNDLE), str(INITIALIZER), page_url, method, path]
    done = subprocess.run(
        [*command, *([str(document)] if document else [])], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def origin(url: str) -> tuple[str, str]:
    return urlsplit(url)[:2]


def test_on_a_port_other_than_the_default_try_it_out_calls_the_server_that_served_the_page(server):
    assert server.port != DEFAULT_PORT
    page = f"{server.url}/docs"

    result = try_it_out(page, "get", "/health")

    assert result["fetched"] == [f"{server.url}/openapi.json", f"{server.url}/health"]
    assert result["status"] == 200
    assert {origin(url) for url in result["fetched"]} == {origin(page)}  # all the page's policy allows


@pytest.mark.parametrize(
    "api_url",
    [
        "https://abc123defg.execute-api.eu-west-1.amazonaws.com/Prod",  # the stage's invoke URL
        "https://courses.example.com/v1",  # a custom domain's base path mapping
    ],
)
def test_deployed_try_it_out_stays_under_the_stage_that_served_the_page(handlers, tmp_path, api_url):
    route = template.route("GET", "/openapi.json")
    event = api_event("GET", "/openapi.json", route=route, stage="Prod")
    served = handlers[route.function](event, LambdaContext(function_name=route.function))
    assert served["statusCode"] == 200
    document = tmp_path / "openapi.json"
    document.write_text(served["body"])

    result = try_it_out(f"{api_url}/docs", "get", "/courses", document)

    assert result["fetched"] == [f"{api_url}/openapi.json", f"{api_url}/courses"]
