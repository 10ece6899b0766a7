"""`make smoke API=<url>` (ops/smoke.py), the contract check run after each deploy, run here
against the local server so that it cannot rot; its SigV4 signing, checked without sending."""

import os
import subprocess
import sys

from ops import smoke
from tests.root import ROOT

# No credentials anywhere in the usual chain (and no instance metadata lookup): the smoke check then
# sends unsigned requests, as the local server needs.
NO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "",
    "AWS_SECRET_ACCESS_KEY": "",
    "AWS_SESSION_TOKEN": "",
    "AWS_PROFILE": "",
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def run_smoke(url: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in {**os.environ, **env}.items() if v != ""}
    return subprocess.run(
        [sys.executable, "-m", "ops.smoke", url],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_smoke_passes_against_the_local_server_and_says_what_it_left(server):
    result = run_smoke(server.url, NO_CREDENTIALS)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "unsigned" in lines[0]
    checked = " ".join(lines)
    for step in (
        "200 GET /health",
        "201 POST /courses",
        "200 PUT /courses/{name} If-Match",
        "412 PUT",
        "409 POST",
        "422 POST",
        "415 POST",
        "413 POST",
        "404 GET",
        "404 PUT",
        "412 DELETE",
    ):
        assert step in checked, step
    assert "204 DELETE" in lines[-2] and "gone" in lines[-2]  # it leaves nothing behind
    assert lines[-1].startswith("smoke: passed")


class WithoutDelete(smoke.Client):
    """The API as deployed before DELETE existed: API Gateway answers 403 for a method it lacks."""

    def send(self, method, path, body=None, headers=None):
        if method == "DELETE":
            return smoke.Answer(403, {"content-type": "application/json"}, {"message": "Missing Authentication Token"})
        return super().send(method, path, body, headers)


def test_against_an_api_without_delete_the_smoke_check_passes_and_says_what_stays(server):
    said = []
    smoke.check(WithoutDelete(server.url), said.append)

    assert "cleanup skipped" in said[-1] and "403" in said[-1] and smoke.PREFIX in said[-1]


def test_smoke_fails_with_the_failed_check_when_the_url_is_not_this_api(dynalite):
    result = run_smoke(dynalite.endpoint, NO_CREDENTIALS)  # an HTTP server, but not this API

    assert result.returncode == 1
    assert "FAILED" in result.stdout and "GET /health" in result.stdout


def test_writes_are_signed_for_execute_api_in_the_region_of_the_url_with_the_chains_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSMOKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token")
    client = smoke.Client("https://abc123.execute-api.eu-west-3.amazonaws.com/v1")

    request = client.prepare("POST", "/courses", {"name": "smoke-x", "level": "beginner"})

    assert request.url == "https://abc123.execute-api.eu-west-3.amazonaws.com/v1/courses"
    authorization = request.headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDSMOKE/")
    assert "/eu-west-3/execute-api/aws4_request" in authorization
    assert "content-type" in authorization.split("SignedHeaders=")[1]
    assert request.headers["X-Amz-Security-Token"] == "token"


def test_without_credentials_nothing_is_signed(monkeypatch):
    for name, value in NO_CREDENTIALS.items():
        monkeypatch.setenv(name, value) if value else monkeypatch.delenv(name, raising=False)
    client = smoke.Client("http://127.0.0.1:3000")

    assert client.signing is None
    assert "Authorization" not in client.prepare("POST", "/courses", {"name": "smoke-x"}).headers
