"""A short contract check through the real `sam local start-api`: the same conversation with it and
with the local server (`make run`), each answer with its documented status, and the same answers."""

import pytest

from course_service.edge.paths import course_path
from localdev.processes import free_port, stop_process, wait_for_port
from localdev.server_process import LocalServer, request
from tests.sam_local.sam_cli import Answer

NAME = "Contract ü 100% + more"  # non-ASCII, a space, a percent sign and a plus: encoded in the path
PATH = course_path(NAME)
STATUSES = [200, 404, 404, 201, 409, 200, 304, 200, 412, 422, 422, 422, 415, 412, 204, 404]


def conversation(send) -> list[Answer]:
    """Health, misses, create, reads (one conditional), conditional writes, bad bodies, delete;
    ``send(method, path, body, headers)`` makes one request. ETags are the server's own (they name
    the creation time)."""
    answers = []

    def ask(method, path, body=None, headers=None):
        answers.append(Answer.of_http(send(method, path, body, headers or {})))
        return answers[-1]

    ask("GET", "/health")
    ask("GET", PATH)
    ask("PUT", PATH, {"level": "advanced"})
    created = ask("POST", "/courses", {"name": NAME, "level": "beginner"}).headers.get("etag")
    ask("POST", "/courses", {"name": NAME, "level": "advanced"})
    ask("GET", PATH)
    ask("GET", PATH, None, {"If-None-Match": created})  # 304: no Content-Type, here as under make run
    ask("PUT", PATH, {"level": "advanced"}, {"If-Match": created})
    ask("PUT", PATH, {"level": "beginner"}, {"If-Match": created})  # stale now
    ask("PUT", PATH, {"level": "expert"})
    ask("POST", "/courses", {"name": "", "level": "expert", "x": 1})
    ask("POST", "/courses", "{not json")
    ask("POST", "/courses", "hello", {"Content-Type": "text/plain"})
    ask("DELETE", PATH, None, {"If-Match": created})
    ask("DELETE", PATH)
    ask("DELETE", PATH)
    return answers


@pytest.fixture(scope="module")
def start_api(sam, dynamodb, tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("start-api") / "sam.log"
    with log_path.open("w") as log:
        process = sam.start_api(port, log)
        try:
            try:
                wait_for_port(port, timeout=120, process=process)
            except (RuntimeError, TimeoutError) as error:
                raise RuntimeError(f"{error}: {log_path.read_text()[-3000:]}") from error
            yield port
        finally:
            stop_process(process, timeout=60)  # SIGTERM: the SAM CLI removes its warm containers


@pytest.fixture(scope="module")
def make_run(dynamodb):
    server = LocalServer({"DYNAMODB_ENDPOINT": dynamodb, "TABLE_NAME": "courses-make-run"})
    yield server
    server.stop()


# The SAM CLI cannot resolve the template's Fn::If in Cors (docs/LOCAL.md, "sam local"), so with CORS off
# it still adds its default CORS header to every response; API Gateway and make run add none.
SAM_CORS_DEFAULT = {"access-control-allow-methods": "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"}


def test_start_api_answers_the_conversation_as_make_run_does(start_api, make_run):
    under_sam = conversation(lambda *args: request("127.0.0.1", start_api, *args))
    local = conversation(make_run.request)

    assert [a.status for a in under_sam] == STATUSES, [a.body for a in under_sam]
    for answer in under_sam:
        assert {k: answer.headers.pop(k, None) for k in SAM_CORS_DEFAULT} == SAM_CORS_DEFAULT
    assert not [k for a in local for k in a.headers if k.startswith("access-control-")]
    assert [a.comparable() for a in under_sam] == [a.comparable() for a in local]


def test_start_api_decodes_the_path_once_before_the_function_does(start_api, make_run):
    """The one difference in answers (docs/LOCAL.md, "sam local"): the SAM CLI hands the function a path
    it has already decoded, where API Gateway (and make run) hand it as sent, so a name holding
    `%` and two hex digits is decoded twice there: "A%41" is looked up as "AA"."""
    path = course_path("A%41")
    for send in (lambda *args: request("127.0.0.1", start_api, *args), make_run.request):
        assert send("POST", "/courses", {"name": "A%41", "level": "beginner"}).status == 201

    assert request("127.0.0.1", start_api, "GET", path).status == 404
    assert make_run.request("GET", path).status == 200
