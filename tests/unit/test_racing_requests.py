"""Parallel writes: 16 creates of one name give exactly one success and fifteen CourseAlreadyExists;
16 conditional level changes from the same version give exactly one success and fifteen CourseChanged;
16 deletes of one course give exactly one success and fifteen CourseNotFound.

The race lives in the table: many Lambda instances write one item at once, and the conditional
writes alone must decide. So the domain operations race here, on threads. The handlers do not: a
Lambda instance serves one request at a time, and Powertools keeps per-request state in class
attributes (the resolver's ``current_event``, ``Metrics``' metric set) that threads in one process
would share (a CI run failed with "dictionary changed size during iteration" inside
``Metrics.serialize_metric_set``). The HTTP integration tests race whole requests through the local
server, which runs each instance in its own process, against a real DynamoDB-compatible server.
"""

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from course_service.common.preconditions import Preconditions, Revision
from course_service.core import courses
from course_service.core.errors import CourseAlreadyExists, CourseChanged, CourseNotFound
from course_service.entry import lambda_entry_for
from localdev import template
from localdev.runtime import LambdaContext, api_event, load_module
from tests.unit.support import TABLE_NAME

PARALLEL = 16


def in_parallel(operation: Callable[[], object]) -> list[str]:
    """Runs PARALLEL copies of one operation released at once; returns what each ended with."""
    start = threading.Barrier(PARALLEL)

    def run(_) -> str:
        start.wait()
        try:
            operation()
        except (CourseAlreadyExists, CourseChanged, CourseNotFound) as refused:
            return type(refused).__name__
        return "ok"

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(run, range(PARALLEL)))


def test_parallel_creates_of_one_name_give_one_success_and_conflicts(table, atomic_items, stored):
    outcomes = in_parallel(lambda: courses.create("Race", "beginner"))

    assert sorted(outcomes) == ["CourseAlreadyExists"] * (PARALLEL - 1) + ["ok"]
    assert list(stored()) == ["Race"]


def test_parallel_changes_from_one_version_give_one_success_and_refusals(table, atomic_items, stored):
    created = courses.create("Race", "beginner")
    version = created.version

    outcomes = in_parallel(
        lambda: courses.change_level("Race", "advanced", Preconditions(Revision(created.created_at, version)))
    )

    assert sorted(outcomes) == ["CourseChanged"] * (PARALLEL - 1) + ["ok"]
    assert stored()["Race"]["level"] == "advanced"
    assert courses.get("Race").version == version + 1


def test_parallel_unconditional_changes_all_apply_once_each_and_updated_at_only_advances(table, atomic_items, stored):
    """Without If-Match the last write wins; each change that answered is applied once, and the
    stored ``updated_at`` is the latest of them (a change stamped earlier than what is stored is
    stamped again, later: docs/DECISIONS.md, the invariant)."""
    courses.create("Race", "beginner")
    answered: list = []

    def change() -> None:
        answered.append(courses.change_level("Race", "advanced"))

    outcomes = in_parallel(change)

    assert outcomes == ["ok"] * PARALLEL
    final = courses.get("Race")
    assert final.version == 1 + PARALLEL
    assert sorted(course.version for course in answered) == list(range(2, 2 + PARALLEL))
    by_version = sorted(answered, key=lambda course: course.version)
    stamps = [course.updated_at for course in by_version]
    assert stamps == sorted(stamps) and len(set(stamps)) == PARALLEL  # later versions, later stamps
    assert final.updated_at == stamps[-1] and final.created_at < stamps[0]


def test_parallel_deletes_of_one_course_give_one_success_and_not_found(table, atomic_items, stored):
    courses.create("Race", "beginner")

    outcomes = in_parallel(lambda: courses.delete("Race"))

    assert sorted(outcomes) == ["CourseNotFound"] * (PARALLEL - 1) + ["ok"]
    assert stored() == {}


def test_resolvers_in_one_process_share_the_request_being_resolved(table):
    """Why the local server must run each warm instance in its own process, as Lambda does.

    The load test found creates answered with another client's course, and 422 "body missing" for
    PUTs and POSTs that had a body, while the server ran its instances as threads of one process:
    Powertools keeps the request being resolved in a class attribute (BaseRouter.current_event)
    that every resolver in a process shares. Here instance 1 has started resolving a create of "A"
    when instance 2, in the same process, resolves a create of "B": instance 1 then runs B's
    request (409) and "A" is never created. If this test fails, Powertools no longer shares it.
    """
    route = template.route("POST", "/courses")
    # The route on the resolver (openapi.py): the function's own app.py answers such a create without it.
    first, second = load_module(route.code_uri, "openapi.app"), load_module(route.code_uri, "openapi.app")
    resolving, resume = threading.Event(), threading.Event()
    resolve = first.app._resolve

    def paused_resolve():  # instance 1, inside resolve(): its event is set, its route not yet run
        resolving.set()
        resume.wait(10)
        return resolve()

    first.app._resolve = paused_resolve

    def create(module, name: str) -> dict:
        event = api_event(
            "POST",
            "/courses",
            route=route,
            headers={"Content-Type": "application/json"},
            body=json.dumps({"name": name, "level": "beginner"}),
        )
        return lambda_entry_for(module.app)(event, LambdaContext(function_name=route.function))

    replies = {}
    thread = threading.Thread(target=lambda: replies.setdefault("A", create(first, "A")))
    thread.start()
    assert resolving.wait(10)
    replies["B"] = create(second, "B")
    resume.set()
    thread.join(10)

    assert (replies["B"]["statusCode"], json.loads(replies["B"]["body"])["name"]) == (201, "B")
    assert replies["A"]["statusCode"] == 409  # it ran B's request, not its own
    names = {item["name"]["S"] for item in table.scan(TableName=TABLE_NAME)["Items"]}
    assert names == {"B"}
