"""GET /docs (Swagger UI) and GET /openapi.json, from functions/api_docs: every file the page needs
comes from this API (no CDN), under a Content-Security-Policy that allows nothing else; the public
document names no internals."""

import json
import re
from html.parser import HTMLParser
from importlib import resources

import pytest

from localdev import template
from localdev.runtime import LambdaContext, api_event
from tests.root import ROOT

PAGE_POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
}
# What no public document may name: the store, the libraries, AWS identifiers.
INTERNALS = ("dynamodb", "pynamodb", "botocore", "boto3", "pydantic", "powertools", "arn:aws", "x-amz")


class _Page(HTMLParser):
    """The page's script and stylesheet references, and whether any script is inline."""

    def __init__(self, text: str):
        super().__init__()
        self.references: list[str] = []
        self.inline_script = False
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = True
            self.references.append(attributes["src"])
        elif tag == "link":
            self.references.append(attributes["href"])

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        self.inline_script = self.inline_script or (self._in_script and bool(data.strip()))


def policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


class Answer:
    def __init__(self, raw: dict):
        self.raw = raw
        self.status = raw["statusCode"]
        self.headers = {k.lower(): v[-1] for k, v in (raw.get("multiValueHeaders") or {}).items()}
        self.headers.update({k.lower(): v for k, v in (raw.get("headers") or {}).items()})

    @property
    def body(self):
        return json.loads(self.raw["body"])


@pytest.fixture
def docs(handlers):
    """GET ``path`` from the docs function, as API Gateway would send it."""

    def get(path: str) -> Answer:
        route = template.route("GET", "/docs/{asset}" if path.startswith("/docs/") else path)
        event = api_event("GET", path, route=route)
        return Answer(handlers[route.function](event, LambdaContext(function_name=route.function)))

    return get


def test_the_page_loads_only_files_of_this_api_under_a_policy_that_allows_nothing_else(docs):
    page = docs("/docs")
    assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert policy(page.headers["content-security-policy"]) == PAGE_POLICY
    assert page.headers["x-content-type-options"] == "nosniff"
    parsed = _Page(page.raw["body"])
    assert not parsed.inline_script  # script-src 'self' runs no inline script
    assert parsed.references and all(re.fullmatch(r"docs/[\w.-]+", ref) for ref in parsed.references)
    assert "//" not in page.raw["body"]  # no other origin, no protocol-relative URL


@pytest.mark.parametrize(
    "asset, content_type",
    [
        ("swagger-ui-bundle.min.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.min.css", "text/css; charset=utf-8"),
    ],
)
def test_swagger_ui_is_served_from_the_files_pinned_with_powertools(docs, asset, content_type):
    # Powertools ships Swagger UI inside its package, so requirements.lock's exact Powertools pins it,
    # and the layer that every function already has carries it.
    pinned = resources.files("aws_lambda_powertools.event_handler.openapi") / "swagger_ui" / asset
    reply = docs(f"/docs/{asset}")
    assert reply.status == 200
    assert reply.headers["content-type"] == content_type
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.raw["body"] == pinned.read_text(encoding="utf-8")
    assert reply.headers["cache-control"].startswith("public, max-age=")


def test_every_file_the_page_names_is_served_and_the_initializer_reads_the_document_beside_the_page(docs):
    for reference in _Page(docs("/docs").raw["body"]).references:
        assert docs(f"/{reference}").status == 200, reference
    initializer = docs("/docs/swagger-initializer.js").raw["body"]
    assert 'url: "openapi.json"' in initializer  # relative: the stage's own document
    assert "validatorUrl: null" in initializer  # no badge fetched from a public validator


@pytest.mark.parametrize("asset", ["nope.js", "app.py", "..%2Fapp.py", "openapi.json", "%2e%2e"])
def test_any_other_asset_is_404_json(docs, asset):
    reply = docs(f"/docs/{asset}")
    assert (reply.status, reply.body) == (404, {"message": "Not found"})
    assert reply.headers["content-type"] == "application/json"


def test_the_document_is_the_committed_one_and_names_no_internals(docs):
    reply = docs("/openapi.json")
    assert reply.status == 200 and reply.headers["content-type"] == "application/json"
    assert reply.raw["body"] == (ROOT / "openapi.json").read_text()
    text = json.dumps(json.loads(reply.raw["body"])).lower()
    assert not [word for word in INTERNALS if word in text]


def test_the_api_reference_names_the_swagger_ui_and_powertools_versions_the_lock_ships():
    bundle = (
        resources.files("aws_lambda_powertools.event_handler.openapi") / "swagger_ui" / "swagger-ui-bundle.min.js"
    ).read_text(encoding="utf-8")
    swagger_ui = re.search(r'PACKAGE_VERSION:"([0-9.]+)"', bundle)[1]
    powertools = re.search(r"^aws-lambda-powertools==([0-9.]+)", (ROOT / "requirements.lock").read_text(), re.M)[1]
    assert f"Swagger UI {swagger_ui} with Powertools {powertools}" in (ROOT / "docs" / "API.md").read_text()
