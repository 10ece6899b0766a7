"""``python -m ops.smoke <API URL>`` (`make smoke API=<url>`): does a running API keep its contract?

A short check, run after each deploy (.github/workflows/deploy.yml, with the stack's ``ApiUrl``) and
by ``make test`` against the local server: health, create, read, conditional update, and the 4xx
answers (404, 409, 412, 413, 415, 422). Requests are signed with SigV4 for ``execute-api``
(botocore's signer, credentials from the usual AWS chain: environment, profile, SSO, role), so that
IAM-authorized routes accept them; with no credentials configured they go unsigned (the local server).

Every course it creates is named ``smoke-`` plus a random suffix: names with that prefix are reserved
for it. Its last steps delete what it made; against a stack deployed before ``DELETE /courses/{name}``
existed (405 or 403) they say what stays behind instead of failing.
"""

import json
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest
from botocore.httpsession import URLLib3Session

from ops import put_layer_on_path

put_layer_on_path()
from course_service.edge.paths import course_path  # noqa: E402  (the service's own: one home for the URL)

PREFIX = "smoke-"
TIMEOUT_SECONDS = 10
MAX_BODY_BYTES = 16 * 1024  # the API's limit (course_service.common.settings): one byte more is 413
STRONG_ETAG = re.compile(r'"[^"\s]+"')  # opaque to clients: only its form is checked
EXECUTE_API_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")


class SmokeFailure(AssertionError):
    pass


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or None when the body is not JSON

    def expect(self, status: int, what: str) -> "Answer":
        if self.status != status:
            raise SmokeFailure(f"{what}: expected {status}, got {self.status} {self.body!r}")
        if self.headers.get("content-type", "").split(";")[0] != "application/json" or not isinstance(self.body, dict):
            raise SmokeFailure(f"{what}: not a JSON object ({self.headers.get('content-type')!r})")
        if self.headers.get("x-content-type-options") != "nosniff":
            raise SmokeFailure(f"{what}: no X-Content-Type-Options: nosniff")
        return self


class Client:
    """HTTP to the API at ``base_url``, each request signed when the AWS chain has credentials."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        session = botocore.session.get_session()
        credentials = session.get_credentials()
        host = urlsplit(self.base_url).hostname or ""
        deployed = EXECUTE_API_HOST.match(host)
        region = deployed.group(1) if deployed else session.get_config_variable("region") or "us-east-1"
        self.signing = SigV4Auth(credentials, "execute-api", region) if credentials else None
        self._http = URLLib3Session(timeout=TIMEOUT_SECONDS)

    def prepare(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> AWSPreparedRequest:
        data = body if body is None or isinstance(body, str) else json.dumps(body)
        all_headers = (
            {"Content-Type": "application/json", **(headers or {})} if data is not None else dict(headers or {})
        )
        request = AWSRequest(method=method, url=self.base_url + path, data=data, headers=all_headers)
        if self.signing:
            self.signing.add_auth(request)
        return request.prepare()

    def send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Answer:
        response = self._http.send(self.prepare(method, path, body, headers))
        try:
            parsed = json.loads(response.content)
        except ValueError:
            parsed = None
        return Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()}, parsed)


def check(client: Client, say: Callable[[str], None]) -> None:
    """The contract, step by step; raises SmokeFailure at the first step that does not hold."""
    name = f"{PREFIX}{uuid.uuid4().hex[:12]}"
    path = course_path(name)

    def step(what: str, answer: Answer) -> Answer:
        say(f"ok    {answer.status} {what}")
        return answer

    health = client.send("GET", "/health").expect(200, "GET /health")
    if health.body != {"status": "ok"}:
        raise SmokeFailure(f"GET /health: {health.body!r}")
    step("GET /health", health)

    created = client.send("POST", "/courses", {"name": name, "level": "beginner"}).expect(201, "POST /courses")
    if created.body.get("name") != name or created.body.get("level") != "beginner":
        raise SmokeFailure(f"POST /courses: answered {created.body!r}")
    first = created.headers.get("etag", "")
    if urljoin("/courses", created.headers.get("location", "")) != path or not STRONG_ETAG.fullmatch(first):
        raise SmokeFailure(f"POST /courses: Location {created.headers.get('location')!r}, ETag {first!r}")
    step(f"POST /courses ({name}): Location and a strong ETag", created)

    read = client.send("GET", path).expect(200, "GET /courses/{name}")
    if read.body != created.body or read.headers.get("etag") != first:
        raise SmokeFailure("GET /courses/{name}: not the course just created")
    step("GET /courses/{name}: the course as created, same ETag", read)

    updated = client.send("PUT", path, {"level": "advanced"}, {"If-Match": first}).expect(200, "PUT If-Match")
    current = updated.headers.get("etag", "")
    if updated.body.get("level") != "advanced" or not STRONG_ETAG.fullmatch(current) or current == first:
        raise SmokeFailure(f"PUT If-Match: answered {updated.body!r}, ETag {current!r}")
    step("PUT /courses/{name} If-Match <its ETag>: a new ETag", updated)

    step(
        "PUT /courses/{name}, stale If-Match: nothing changed",
        client.send("PUT", path, {"level": "beginner"}, {"If-Match": first}).expect(412, "stale If-Match"),
    )
    if client.send("GET", path).expect(200, "GET after 412").body.get("level") != "advanced":
        raise SmokeFailure("a refused (412) update changed the course")
    step(
        "POST /courses, same name again",
        client.send("POST", "/courses", {"name": name, "level": "beginner"}).expect(409, "duplicate create"),
    )
    invalid = client.send("POST", "/courses", {"name": name, "level": "expert"}).expect(422, "invalid level")
    if not any(item.get("loc") == ["body", "level"] for item in invalid.body.get("detail", [])):
        raise SmokeFailure(f"422 without the offending field: {invalid.body!r}")
    step("POST /courses, invalid level: detail names it", invalid)
    step(
        "POST /courses, a text/plain body",
        client.send("POST", "/courses", "hello", {"Content-Type": "text/plain"}).expect(415, "text/plain body"),
    )
    oversized = json.dumps({"name": name, "level": "beginner", "pad": "x" * MAX_BODY_BYTES})
    step("POST /courses, a body over 16 KiB", client.send("POST", "/courses", oversized).expect(413, "oversized body"))
    missing = course_path(f"{name}-missing")
    step("GET /courses/{a missing name}", client.send("GET", missing).expect(404, "GET of a missing course"))
    step(
        "PUT /courses/{a missing name}: never creates",
        client.send("PUT", missing, {"level": "advanced"}).expect(404, "PUT of a missing course"),
    )

    # Last: delete what it made, conditionally, so that only its own course can go.
    stale = client.send("DELETE", path, headers={"If-Match": first})
    if stale.status in (405, 403):  # no such route: a stack deployed before DELETE existed
        say(
            f"note  cleanup skipped: DELETE answered {stale.status}; {name} stays "
            f"(names starting with {PREFIX!r} are the smoke check's)"
        )
        return
    step("DELETE /courses/{name}, stale If-Match: still there", stale.expect(412, "DELETE with a stale If-Match"))
    deleted = client.send("DELETE", path, headers={"If-Match": current})
    if deleted.status != 204:
        raise SmokeFailure(f"DELETE /courses/{{name}} If-Match: expected 204, got {deleted.status} {deleted.body!r}")
    client.send("GET", path).expect(404, "GET after DELETE")
    say(f"ok    {deleted.status} DELETE /courses/{{name}} If-Match <its ETag>: gone (GET: 404)")


def run(base_url: str, say: Callable[[str], None] = print) -> int:
    client = Client(base_url)
    say(f"smoke: {base_url} ({'signed with SigV4' if client.signing else 'unsigned: no AWS credentials'})")
    try:
        check(client, say)
    except SmokeFailure as failure:
        say(f"FAILED {failure}")
        return 1
    except Exception as error:  # cannot connect, TLS, ...: also a failed check
        say(f"FAILED {type(error).__name__}: {error}")
        return 1
    say("smoke: passed")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].startswith(("http://", "https://")):
        print("usage: python -m ops.smoke <API base URL, e.g. the stack's ApiUrl>", file=sys.stderr)
        return 2
    return run(argv[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
