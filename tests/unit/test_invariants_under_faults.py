"""The invariants of a stored course, under lost replies, writes of other clients in the window, and
instances whose clocks disagree (and, at the end, one whose clock is an hour behind):

- ``updated_at`` never precedes ``created_at``;
- within one incarnation (one ``created_at``), ``updated_at`` and the version only advance, together;
- an incarnation once gone never comes back (no create resent after a delete, no write landing on
  a course deleted since);
- no two successful changes claim the same version of one incarnation (no write applied twice, no
  lost update).

A seeded random walk of requests through the handlers, with the table read after each step.
"""

import random
from datetime import datetime, timedelta

import pytest

from course_service.core import write_decisions
from course_service.edge.paths import course_path
from course_service.store.models import CourseItem

STEPS = 250
NAMES = ("Algebra", "Biology")
LEVELS = ("beginner", "intermediate", "advanced")
ANSWERS = {"POST": {201, 409, 503}, "PUT": {200, 404, 412, 503}, "DELETE": {204, 404, 412, 503}}
WRITES = {"POST": "PutItem", "PUT": "UpdateItem", "DELETE": "DeleteItem"}


class Walk:
    def __init__(self, api, table, seed: int):
        self.api = api
        self.table = table
        self.rng = random.Random(seed)
        self.seen: dict[tuple[str, str], tuple[str, int]] = {}  # (name, created_at) -> (updated_at, version)
        self.gone: set[tuple[str, str]] = set()
        self.claimed: set[tuple[str, str, int]] = set()  # (name, created_at, version) a 200 answered
        self.problems: list[str] = []

    def request(self) -> tuple[str, tuple]:
        """A random request: (method, arguments for ``api``)."""
        name, level = self.rng.choice(NAMES), self.rng.choice(LEVELS)
        method = self.rng.choice(("POST", "PUT", "PUT", "DELETE"))
        if method == "POST":
            return method, ("POST", "/courses", None, {"name": name, "level": level})
        headers = None
        if self.rng.random() < 0.5:  # conditional on the ETag read now (stale by the time it lands, maybe)
            read = self.api("GET", "/courses/{name}", course_path(name))
            headers = {"If-Match": read.headers["etag"]} if read.status == 200 else None
        body = {"level": level} if method == "PUT" else None
        return method, (method, "/courses/{name}", course_path(name), body, headers)

    def send(self, method: str, args: tuple) -> None:
        reply = self.api(*args)
        if reply.status not in ANSWERS[method]:
            self.problems.append(f"{args}: {reply.status} {reply.body}")
        if method == "PUT" and reply.status == 200:
            claim = (reply.body["name"], reply.body["created_at"], int(reply.headers["etag"].strip('"').split("-")[1]))
            if claim in self.claimed:
                self.problems.append(f"two changes answered {claim}")
            self.claimed.add(claim)

    def step(self, late_replies) -> None:
        method, args = self.request()
        if self.rng.random() < 0.4:  # its reply is lost, maybe before it arrived; maybe another client writes meanwhile
            other = self.request() if self.rng.random() < 0.7 else None
            late_replies.lose(
                WRITES[method],
                applied=self.rng.random() < 0.8,
                meanwhile=(lambda: self.send(*other)) if other else None,
            )
        self.send(method, args)
        late_replies.heal()
        self.check()

    def check(self) -> None:
        present = set()
        for item in self.table.scan(TableName=CourseItem.Meta.table_name, ConsistentRead=True)["Items"]:
            course = CourseItem.from_raw_data(item)
            name, created, updated = course.name, course.created_at.isoformat(), course.updated_at.isoformat()
            key = (name, created)
            present.add(key)
            if course.updated_at < course.created_at:
                self.problems.append(f"{name}: updated_at {updated} before created_at {created}")
            if key in self.gone:
                self.problems.append(f"{name}: the incarnation {course.revision} came back")
            before = self.seen.get(key)
            if before is not None and not (
                (updated, course.version) == before or (updated > before[0] and course.version > before[1])
            ):
                self.problems.append(f"{name}: from {before} to {(updated, course.version)}")
            self.seen[key] = (updated, course.version)
        self.gone |= set(self.seen) - present


@pytest.mark.parametrize("seed", [1, 2])
def test_the_invariants_hold_under_lost_replies_other_writers_and_clocks_that_disagree(
    api, table, late_replies, monkeypatch, seed
):
    walk = Walk(api, table, seed)
    real_now = write_decisions.now
    # Each request's clock is off by up to 20 ms either way: many Lambda instances, each its own clock.
    monkeypatch.setattr(write_decisions, "now", lambda: real_now() + timedelta(milliseconds=walk.rng.uniform(-20, 20)))

    for _ in range(STEPS):
        walk.step(late_replies)

    assert walk.problems == []
    assert len(walk.claimed) > 20 and len(walk.seen) > 10  # the walk did change and re-create courses


def test_a_write_from_an_instance_whose_clock_is_behind_is_stamped_just_after_what_is_stored(
    api, create, put, delete, clock_behind_after_create
):
    created = clock_behind_after_create

    changed = put("Chemistry", "advanced")

    assert changed.status == 200, changed.body
    stamp = datetime.fromisoformat(created.body["updated_at"]) + timedelta(microseconds=1)
    assert datetime.fromisoformat(changed.body["updated_at"]) == stamp
    assert delete("Chemistry").status == 204


def test_a_write_refused_by_the_clock_more_often_than_it_is_stamped_is_503_and_changes_nothing(
    api, put, stored, monkeypatch, clock_behind_after_create
):
    monkeypatch.setattr(write_decisions, "STAMPS", 1)
    before = stored()

    reply = put("Chemistry", "advanced")

    assert (reply.status, reply.body) == (503, {"message": "Service temporarily unavailable, retry later"})
    assert stored() == before


@pytest.fixture
def clock_behind_after_create(create, monkeypatch):
    """Creates "Chemistry"; then this instance's clock is an hour behind the one that created it."""
    created = create("Chemistry")
    real_now = write_decisions.now
    monkeypatch.setattr(write_decisions, "now", lambda: real_now() - timedelta(hours=1))
    return created
