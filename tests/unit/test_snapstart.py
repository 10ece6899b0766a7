"""SnapStart's runtime hooks (course_service/store/snapstart.py): registered only while Lambda initializes
for a snapshot, the DynamoDB client made before it, and nothing that must differ between restored
instances shared by two of them.

Lambda's runtime is played here as AWS's runtime interface client plays it (awslambdaric,
``lambda_runtime_hooks_runner``): before-snapshot hooks in the reverse order of registration, then,
in each restored instance, after-restore hooks in order. A restore is simulated as what it is: the
same memory resumed twice (``random``'s state is the part of it that decides what is drawn).
"""

import http.server
import json
import os
import random
import subprocess
import sys
import threading

import botocore.session
import pytest

from course_service.core import courses
from course_service.core.errors import CourseNotFound
from course_service.store import snapstart
from course_service.store.models import CourseItem
from localdev import template

# The runtime's module, as aws/snapshot-restore-py defines it: a registry of (function, args, kwargs).
RUNTIME_MODULE = """
_before, _after = [], []
def register_before_snapshot(func, *args, **kwargs):
    _before.append((func, args, kwargs)); return func
def register_after_restore(func, *args, **kwargs):
    _after.append((func, args, kwargs)); return func
def get_before_snapshot():
    return _before
def get_after_restore():
    return _after
"""


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    """``snapshot_restore_py`` importable, as in Lambda's runtime (and only for this test)."""
    (tmp_path / "snapshot_restore_py.py").write_text(RUNTIME_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "snapshot_restore_py", raising=False)
    yield
    sys.modules.pop("snapshot_restore_py", None)


def run_before_snapshot():
    hooks = sys.modules["snapshot_restore_py"].get_before_snapshot()
    while hooks:
        func, args, kwargs = hooks.pop()
        func(*args, **kwargs)


def run_after_restore():
    for func, args, kwargs in sys.modules["snapshot_restore_py"].get_after_restore():
        func(*args, **kwargs)


@pytest.fixture
def fresh_client(monkeypatch):
    """The Course model without a connection yet, as in a new instance; counts botocore clients made."""
    monkeypatch.setattr(CourseItem, "_connection", None)
    created = []
    create_client = botocore.session.Session.create_client

    def counting(session, *args, **kwargs):
        created.append(args[0] if args else kwargs.get("service_name"))
        return create_client(session, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", counting)
    return created


@pytest.mark.parametrize("initialization", [None, "on-demand", "provisioned-concurrency"])
def test_without_snapstart_no_hook_is_registered_nor_the_runtime_module_imported(runtime, monkeypatch, initialization):
    if initialization is None:
        monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    else:
        monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", initialization)

    assert snapstart.register() is False
    assert "snapshot_restore_py" not in sys.modules  # importable here, and still not imported


def test_while_lambda_initializes_for_a_snapshot_both_hooks_are_registered(runtime, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")

    assert snapstart.register() is True

    module = sys.modules["snapshot_restore_py"]
    assert [f for f, _, _ in module.get_before_snapshot()] == [snapstart.before_snapshot]
    assert [f for f, _, _ in module.get_after_restore()] == [snapstart.after_restore]


def test_the_dynamodb_client_is_created_before_the_snapshot_and_requests_after_it_create_none(
    runtime, monkeypatch, fresh_client, table
):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    snapstart.register()

    run_before_snapshot()
    assert fresh_client == ["dynamodb"]

    run_after_restore()
    with pytest.raises(CourseNotFound):
        courses.get("Anything")
    assert fresh_client == ["dynamodb"]  # the request used the client made before the snapshot


def _restored_instance(snapshot_state, restore, invoke, name):
    """One instance resumed from the snapshot: its memory as it was, then (or not) the hooks; it
    draws a number and creates a course, whose write token it returns with the number."""
    random.setstate(snapshot_state)
    if restore:
        run_after_restore()
    drawn = random.random()
    assert invoke("POST", "/courses", body={"name": name, "level": "beginner"}).status == 201
    return drawn, CourseItem.get(name, consistent_read=True).write_token


def test_two_instances_restored_from_one_snapshot_draw_different_numbers_and_write_tokens(
    runtime, monkeypatch, fresh_client, table, invoke
):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    snapstart.register()
    run_before_snapshot()
    snapshot = random.getstate()  # what every instance restored from the snapshot starts with

    first, second = (_restored_instance(snapshot, True, invoke, f"Restored {i}") for i in range(2))
    assert first[0] != second[0]  # random: reseeded by the after-restore hook
    assert first[1] != second[1]  # write tokens: os.urandom's, drawn at each write

    # Without the hook both draw the same number: the simulation shares what a snapshot shares...
    unhooked = [_restored_instance(snapshot, False, invoke, f"Unhooked {i}") for i in range(2)]
    assert unhooked[0][0] == unhooked[1][0]
    # ...and the write tokens still differ: they never came from that memory.
    assert unhooked[0][1] != unhooked[1][1]


class _KeepAliveDynamoDB(http.server.BaseHTTPRequestHandler):
    """Answers every request as DynamoDB answers a GetItem of nothing, on a kept-alive connection;
    counts the connections it was asked on."""

    protocol_version = "HTTP/1.1"
    connections: list[int] = []

    def setup(self):
        super().setup()
        self.connections.append(1)

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def dynamodb_on_loopback(monkeypatch):
    _KeepAliveDynamoDB.connections = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _KeepAliveDynamoDB)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(CourseItem.Meta, "host", f"http://127.0.0.1:{server.server_address[1]}")
    yield _KeepAliveDynamoDB.connections
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("restore", [True, False])
def test_after_a_restore_the_client_opens_its_own_connection(
    runtime, monkeypatch, fresh_client, dynamodb_on_loopback, restore
):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    snapstart.register()
    run_before_snapshot()
    for _ in range(2):  # a connection made and kept alive, as one held in the snapshot would be
        with pytest.raises(CourseNotFound):
            courses.get("Anything")
    assert len(dynamodb_on_loopback) == 1

    if restore:
        run_after_restore()
    with pytest.raises(CourseNotFound):
        courses.get("Anything")

    assert len(dynamodb_on_loopback) == (2 if restore else 1)


LOAD_AND_SNAPSHOT = """
import importlib.util, json, sys
sys.path[:0] = sys.argv[1:3]
spec = importlib.util.spec_from_file_location("app", sys.argv[3])
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)
import snapshot_restore_py as runtime
before = [f.__qualname__ for f, _, _ in runtime.get_before_snapshot()]
after = [f.__qualname__ for f, _, _ in runtime.get_after_restore()]
for func, args, kwargs in reversed(runtime.get_before_snapshot()):
    func(*args, **kwargs)
from course_service.store.models import CourseItem
print(json.dumps({"before": before, "after": after, "client": CourseItem._get_connection().connection._client is not None}))
"""


def _last_json_line(script: str, arguments: list[str], env: dict[str, str]) -> dict:
    """Runs ``script`` in a fresh interpreter; what its last line of output says, as JSON."""
    out = subprocess.run(
        [sys.executable, "-c", script, *arguments], env=env, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return json.loads(out.splitlines()[-1])


def test_every_function_registers_the_hooks_at_import_as_lambda_requires(tmp_path):
    # Lambda runs the hooks registered while the handler's module is imported (top level only).
    (tmp_path / "snapshot_restore_py.py").write_text(RUNTIME_MODULE)
    layer = template.layer_dirs()[0]
    env = {**os.environ, "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
    for route in {r.function: r for r in template.routes()}.values():
        result = _last_json_line(LOAD_AND_SNAPSHOT, [str(tmp_path), str(layer), str(route.code_uri / "app.py")], env)
        assert result == {"before": ["before_snapshot"], "after": ["after_restore"], "client": True}, route.function


SNAPSHOT_THEN_REQUEST = """
import importlib.util, json, sys
sys.path[:0] = sys.argv[1:3]
sys.path.append(sys.argv[4])  # the repository, for localdev's event
from localdev.runtime import LambdaContext, api_event
from localdev.template import route
spec = importlib.util.spec_from_file_location("app", sys.argv[3])
app = importlib.util.module_from_spec(spec)
spec.loader.exec_module(app)
import snapshot_restore_py as runtime
for func, args, kwargs in reversed(runtime.get_before_snapshot()):
    func(*args, **kwargs)
method, pattern, path = sys.argv[5:8]
before = set(sys.modules)
event = api_event(method, path, route=route(method, pattern), headers={"Content-Type": "application/json"}, body="{}")
status = app.lambda_handler(event, LambdaContext())["statusCode"]
print(json.dumps({"status": status, "imported": sorted(set(sys.modules) - before)}))
"""

# Requests that the resolver answers (a body or query its validation refuses: 422 before any
# DynamoDB call), to the functions that load it at the first such request (edge/direct.py).
RESOLVER_REQUESTS = {
    "CreateCourseFunction": ("POST", "/courses", "/courses"),
    "UpdateCourseFunction": ("PUT", "/courses/{name}", "/courses/Any"),
    "ListCoursesFunction": ("GET", "/courses", "/courses?limit=0"),
}


@pytest.mark.parametrize("snap_start", [True, False], ids=["snapstart", "on-demand"])
@pytest.mark.parametrize("function", RESOLVER_REQUESTS)
def test_with_snapstart_the_resolver_is_in_the_snapshot_not_loaded_by_the_first_request_that_needs_it(
    tmp_path, function, snap_start
):
    (tmp_path / "snapshot_restore_py.py").write_text(RUNTIME_MODULE)
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_INITIALIZATION_TYPE"}
    if snap_start:
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
    code_uri = {r.function: r.code_uri for r in template.routes()}[function]
    method, pattern, path = RESOLVER_REQUESTS[function]
    arguments = [str(tmp_path), str(template.layer_dirs()[0]), str(code_uri / "app.py"), str(template.ROOT)]
    result = _last_json_line(SNAPSHOT_THEN_REQUEST, [*arguments, method, pattern, path], env)

    assert result["status"] == 422
    # Without SnapStart the first such request imports Powertools' event handler (and Pydantic):
    # the module a restored instance must find already loaded.
    assert ("aws_lambda_powertools.event_handler" in result["imported"]) is not snap_start
    assert (result["imported"] == []) is snap_start


IMPORT_AND_REGISTER = """
import json, os, random, sys, typing
os.environ.pop("AWS_LAMBDA_INITIALIZATION_TYPE", None)
sys.path.insert(0, sys.argv[1])
before = set(sys.modules)
from course_service.store import snapstart
registered = snapstart.register()
print(json.dumps({"registered": registered, "new": sorted(set(sys.modules) - before)}))
"""


def test_without_snapstart_the_hooks_module_costs_nothing_but_itself():
    # Every function imports it at start-up: without SnapStart it loads no other module.
    out = subprocess.run(
        [sys.executable, "-I", "-c", IMPORT_AND_REGISTER, str(template.layer_dirs()[0])],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert json.loads(out) == {
        "registered": False,
        "new": ["course_service", "course_service.store", "course_service.store.snapstart"],
    }
