"""``python -m testing.load``: a bounded load test of the local server (what `make load` runs).

Many concurrent clients (threads, one keep-alive connection each) mix creates, reads, ``If-Match``
updates, list pages, deletes and the churn of two shared names for a fixed duration, then stop by
themselves. Afterwards it checks:

- no response was a 5xx, and every status was one the contract allows for what was asked;
- every course created (201) is readable, with the name and ``created_at`` it was created with;
- no update was lost. Updates read the course, then PUT with ``If-Match: <the ETag read>`` and, on
  412, read again and retry. The version behind the ETag is incremented by every write, so each
  successful PUT based on version v must answer ETag v+1: two writers that both succeeded from the
  same version would claim the same new version, one of the two writes being lost. Per course,
  the versions the successful PUTs answered must be exactly 2, 3, ..., final, so the final ETag is
  1 + the number of successful PUTs, and the final level is the one the PUT of the final version set;
- every page was in name order, within its limit and of its level; and once the writes are over,
  following next_cursor from the first page to the last lists every created course exactly once,
  in name order, and each level's list holds exactly the courses of that level;
- every course whose DELETE answered 204 (each client deletes courses it created for that alone) is
  gone afterwards: a read answers 404 and no list holds it;
- churn: all clients also create, delete (plainly or with ``If-Match``), re-create and update
  (plainly or with ``If-Match``) the same two names, racing each other. Every incarnation of such a
  name (its ``created_at``) that a create answered 201 for is, at the end, either the one still there or
  accounted for by a delete that answered 204 (one with ``If-Match`` names the incarnation it
  deleted) or 503; an incarnation deleted by an ``If-Match`` 204 is never read again by a request
  sent after that 204, nor there at the end (nothing resurrected); no incarnation appears that no
  create made (201, or 503: may have been applied); every PUT that answered 200 claims a version
  of the incarnation it names no other PUT claimed, and each surviving incarnation's version is
  1 + its successful PUTs + at most its PUTs that answered 503 (no double increment).

Meanwhile one more client measures how stale the list is: it creates a course, then at once asks
for the page that starts just before its name, and re-asks until the course is there (giving up,
and failing, after ``INDEX_LAG_LIMIT`` seconds). It reports how many were listed at once and the
longest wait.

With ``--late-replies SHARE`` (`make load FAULTS=0.05`) a proxy between the server and dynalite
(testing/fault_proxy.py) holds that share of DynamoDB's replies past the service's read timeout,
after DynamoDB applied the request, while other clients write the same names. Then a write may also answer 503
("outcome unknown", with Retry-After), and the checks become: every 200 PUT still answered the
version after its If-Match (no write applied twice), and each course's final version is 1 + its
successful PUTs + at most as many as its PUTs that answered 503; and a 503 to a churn write counts
as "may have been applied" in the churn checks. The checks read the store back once the load is
over and the faults are cleared: a 503 then is a failure, not an allowed answer.

It prints requests per second and p50/p99 latency per operation. By default it starts its own
dynalite (in memory) and local server on free 127.0.0.1 ports and stops them afterwards;
``--port N`` targets a server already running on 127.0.0.1:N (`make run`) instead.
"""

import argparse
import itertools
import json
import math
import random
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from typing import Any
from urllib.parse import urlencode

from localdev.processes import HOST  # the only target: this is a local tool
from localdev.runtime import put_layers_on_path

put_layers_on_path()
from course_service.edge.cursors import cursor_for  # noqa: E402  (to start a page just before a name)
from course_service.edge.paths import course_path  # noqa: E402  (the service's own: one home for the URL)

LEVELS = ("beginner", "intermediate", "advanced")
# Names beyond plain ASCII, so that encoding and decoding are under load too.
NAME_FLAVOURS = ("", " Café ü", " 日本語", " 100% a+b=c;d")
OPERATIONS = ("create", "get", "update", "list", "delete", "churn")
# create : get : update : list page : delete (of a course made for it) : churn (the shared names)
WEIGHTS = (2, 5, 3, 1, 1, 6)
CHURN_NAMES = 2  # names every client creates, deletes, re-creates and updates
MAX_ATTEMPTS = 50  # an If-Match update gives up after this many 412s in a row
REQUEST_TIMEOUT = 30.0
# What each operation may answer; anything else is a failure (5xx always is).
ALLOWED = {
    "create": {201},
    "get": {200},
    "put": {200, 412},
    "list": {200},
    "verify": {200},
    "probe": {200, 201},
    "delete": {204},
    "gone": {404},
    "churn create": {201, 409},
    "churn read": {200, 404},
    "churn put": {200, 404, 412},
    "churn delete": {204, 404, 412},
}
INDEX_LAG_LIMIT = 5.0  # seconds the lag probe waits for a created course to be listed
NO_CONTENT = (204, 304)  # answers with no body at all
UNAVAILABLE = 503  # allowed only when DynamoDB's replies are made late (--late-replies)


@dataclass
class Put:
    """A successful If-Match PUT: the version it was based on, and what it answered."""

    course: str
    based_on: int
    version: int
    level: str


@dataclass
class Results:
    """What the clients did; appended to from many threads under ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # seconds
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    created: dict[str, dict] = field(default_factory=dict)  # name -> body of the 201
    puts: list[Put] = field(default_factory=list)
    unknown_puts: Counter = field(default_factory=Counter)  # course -> PUTs that answered 503
    deleted: list[str] = field(default_factory=list)  # courses whose DELETE answered 204
    retries: int = 0  # 412s answered by a fresh read and another PUT
    # Lag probes: (seconds from a create's 201 to sending the request whose page listed it, pages
    # asked for until then). 0 s and 1 page: listed by the first page asked for after the 201.
    lags: list[tuple[float, int]] = field(default_factory=list)
    gave_up: int = 0
    churn: "ChurnLog" = field(default_factory=lambda: ChurnLog())
    failures: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        with self.lock:
            if len(self.failures) < 1000:
                self.failures.append(message)


Incarnation = tuple[str, str]  # (name, created_at): one life of a name, between its create and its delete


@dataclass
class ChurnLog:
    """What the churn clients were told, under ``Results.lock``."""

    created: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # name -> created_at of each 201
    deleted: dict[Incarnation, float] = field(default_factory=dict)  # by an If-Match 204: when its answer came
    plain_deletes: Counter = field(default_factory=Counter)  # name -> DELETEs without If-Match that answered 204
    unknown_creates: Counter = field(default_factory=Counter)  # name -> creates that answered 503
    unknown_deletes: Counter = field(default_factory=Counter)  # name -> deletes that answered 503
    puts: list[Put] = field(default_factory=list)  # successful If-Match PUTs, ``course`` = incarnation_key
    unknown_puts: Counter = field(default_factory=Counter)  # incarnation_key -> PUTs that answered 503
    unknown_plain_puts: Counter = field(default_factory=Counter)  # name -> PUTs without If-Match that answered 503
    seen: list[tuple[Incarnation, float]] = field(default_factory=list)  # read (or written) while it was sent
    operations: int = 0  # churn operations begun (a read that finds nothing ends one early)


def incarnation_key(incarnation: Incarnation) -> str:
    return f"{incarnation[0]} @ {incarnation[1]}"


class Client:
    """One keep-alive connection to the server; reconnects after a connection error."""

    def __init__(self, port: int, results: Results, unavailable_allowed: bool = False):
        self.port = port
        self.results = results
        self.connection: HTTPConnection | None = None
        self.unavailable_allowed = unavailable_allowed

    def request(
        self, operation: str, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], Any]:
        """(status, lower-case headers, parsed body: JSON, so Any); status 0 if the connection failed."""
        payload = json.dumps(body) if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
            self.connection.request(method, path, body=payload, headers=all_headers)
            response = self.connection.getresponse()
            raw = response.read()
            status, reply_headers = response.status, {k.lower(): v for k, v in response.getheaders()}
        except (OSError, HTTPException) as error:
            self.close()
            self.results.fail(f"{method} {path}: connection error {error.__class__.__name__}")
            with self.results.lock:
                self.results.statuses[operation]["connection error"] += 1
            return 0, {}, None
        elapsed = time.perf_counter() - started
        with self.results.lock:
            self.results.latencies[operation].append(elapsed)
            self.results.statuses[operation][status] += 1
        parsed = None
        if status in NO_CONTENT:
            if raw:
                self.results.fail(f"{method} {path}: {status} with a body")
        else:
            try:
                parsed = json.loads(raw)
            except ValueError:
                self.results.fail(f"{method} {path}: {status} with a body that is not JSON")
        if status == UNAVAILABLE and self.unavailable_allowed and reply_headers.get("retry-after"):
            return status, reply_headers, parsed
        if status >= 500 or status not in ALLOWED[operation]:
            self.results.fail(f"{method} {path}: unexpected {status} {raw[:200]!r}")
        return status, reply_headers, parsed

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def version_of(etag: str | None) -> int | None:
    """The version inside an ETag of this service (``"<created>-<version>"``). Clients treat ETags
    as opaque; this checker reads the version to prove that no update was lost or doubled."""
    if etag and len(etag) > 2 and etag[0] == etag[-1] == '"' and etag[1:-1].rpartition("-")[2].isdigit():
        return int(etag[1:-1].rpartition("-")[2])
    return None


class LoadRun:
    def __init__(
        self,
        port: int,
        clients: int,
        duration: float,
        max_requests: int | None,
        seed: int | None,
        unavailable_allowed: bool = False,
        faults_off: Callable[[], None] | None = None,
    ):
        self.port = port
        self.unavailable_allowed = unavailable_allowed
        self.faults_off = faults_off  # called between the load and the checks that read it back
        self.clients = clients
        self.duration = duration
        self.max_requests = max_requests  # per client; None: only the duration bounds it
        self.seed = seed if seed is not None else random.randrange(2**32)
        self.run_id = uuid.uuid4().hex[:8]
        self.results = Results()
        self._names = itertools.count()
        self._known: list[str] = []  # created names, for reads and updates
        # A few courses every client updates, so that If-Match writes really race.
        self.hot: list[str] = []
        # A few names every client creates, deletes and re-creates (LoadRun.churn).
        self.churn_names = [
            f"load {self.run_id} churn {i}{NAME_FLAVOURS[i % len(NAME_FLAVOURS)]}" for i in range(CHURN_NAMES)
        ]

    def new_name(self, flavour: str = "") -> str:
        return f"load {self.run_id} {next(self._names)}{flavour}"

    def create(self, client: Client, rng: random.Random) -> str | None:
        name = self.new_name(rng.choice(NAME_FLAVOURS))
        status, headers, body = client.request(
            "create", "POST", "/courses", {"name": name, "level": rng.choice(LEVELS)}
        )
        if status != 201:
            return None
        if not isinstance(body, dict) or body.get("name") != name or version_of(headers.get("etag")) != 1:
            self.results.fail(f"create {name!r}: answered {body!r} with ETag {headers.get('etag')!r}")
        with self.results.lock:
            self.results.created[name] = body
            self._known.append(name)
        return name

    def delete(self, client: Client, rng: random.Random) -> None:
        """Creates a course of its own (no other client knows it), then deletes it: 204 expected."""
        name = self.new_name(rng.choice(NAME_FLAVOURS)) + " doomed"
        status, _, _ = client.request("create", "POST", "/courses", {"name": name, "level": rng.choice(LEVELS)})
        if status != 201:
            return
        status, _, _ = client.request("delete", "DELETE", course_path(name))
        if status == 204:
            with self.results.lock:
                self.results.deleted.append(name)

    def churn(self, client: Client, rng: random.Random) -> None:
        """One write to one of the shared names (read first where it needs the ETag)."""
        name, log = rng.choice(self.churn_names), self.results.churn
        action = rng.choice(("create", "create", "delete", "delete if-match", "put", "put", "plain put"))
        with self.results.lock:
            log.operations += 1
        if action == "create":
            status, _, body = client.request("churn create", "POST", "/courses", {"name": name, "level": "beginner"})
            with self.results.lock:
                if status == 201:
                    log.created[name].add(body["created_at"])
                elif status == UNAVAILABLE:
                    log.unknown_creates[name] += 1
            return
        headers, incarnation, version = {}, None, None
        if action == "plain put":
            self.churn_put(client, rng, name, None, None, {})
            return
        if action != "delete":
            sent = time.monotonic()
            status, reply_headers, body = client.request("churn read", "GET", course_path(name))
            if status != 200:
                return
            incarnation, version = (name, body["created_at"]), version_of(reply_headers.get("etag"))
            headers = {"If-Match": reply_headers["etag"]}
            with self.results.lock:
                log.seen.append((incarnation, sent))
        if action == "put":
            self.churn_put(client, rng, name, incarnation, version, headers)
            return
        status, _, _ = client.request("churn delete", "DELETE", course_path(name), headers=headers)
        with self.results.lock:
            if status == 204 and incarnation is not None:
                log.deleted[incarnation] = time.monotonic()
            elif status == 204:
                log.plain_deletes[name] += 1
            elif status == UNAVAILABLE:
                log.unknown_deletes[name] += 1

    def churn_put(
        self,
        client: Client,
        rng: random.Random,
        name: str,
        incarnation: Incarnation | None,
        version: int | None,
        headers: dict,
    ) -> None:
        """A PUT with If-Match (``incarnation`` and ``version`` read before), or without (None)."""
        sent = time.monotonic()
        status, reply_headers, body = client.request(
            "churn put", "PUT", course_path(name), {"level": rng.choice(LEVELS)}, headers
        )
        log, answered = self.results.churn, version_of(reply_headers.get("etag")) or 0
        with self.results.lock:
            if status == 200:
                made = (name, body["created_at"])  # the incarnation the 200 says it changed
                based_on = version if version is not None else answered - 1
                log.puts.append(Put(incarnation_key(made), based_on, answered, body["level"]))
                log.seen.append((made, sent))
            elif status == UNAVAILABLE and incarnation is not None:
                log.unknown_puts[incarnation_key(incarnation)] += 1
            elif status == UNAVAILABLE:
                log.unknown_plain_puts[name] += 1

    def pick(self, rng: random.Random) -> str | None:
        with self.results.lock:
            if not self._known:
                return None
            return rng.choice(self._known)

    def get(self, client: Client, name: str) -> tuple[str | None, str | None]:
        """(ETag, level) of the course as read now."""
        status, headers, body = client.request("get", "GET", course_path(name))
        if status != 200:
            return None, None
        if not isinstance(body, dict) or body.get("name") != name:
            self.results.fail(f"get {name!r}: answered {body!r}")
        return headers.get("etag"), (body or {}).get("level")

    def update(self, client: Client, rng: random.Random, name: str, deadline: float) -> None:
        """Read, PUT with If-Match, and on 412 read again and retry (bounded)."""
        for _ in range(MAX_ATTEMPTS):
            etag, level = self.get(client, name)
            version = version_of(etag)
            if etag is None or version is None:
                return
            new_level = rng.choice([other for other in LEVELS if other != level])
            status, headers, body = client.request(
                "put", "PUT", course_path(name), {"level": new_level}, {"If-Match": etag}
            )
            if status == 200:
                answered = version_of(headers.get("etag"))
                if not isinstance(body, dict) or body.get("level") != new_level or answered is None:
                    self.results.fail(f"put {name!r}: answered {body!r} with ETag {headers.get('etag')!r}")
                    return
                with self.results.lock:
                    self.results.puts.append(Put(name, version, answered, new_level))
                return
            if status == UNAVAILABLE:  # may or may not have been applied: the final check allows both
                with self.results.lock:
                    self.results.unknown_puts[name] += 1
                return
            if status != 412:
                return
            with self.results.lock:
                self.results.retries += 1
            if time.monotonic() >= deadline:
                break
        with self.results.lock:
            self.results.gave_up += 1

    def list_page(self, client: Client, rng: random.Random, cursors: dict) -> None:
        """One page (random limit and level), half the time the one after this client's last page."""
        level = rng.choice((None, *LEVELS))
        limit = rng.randint(1, 100)
        query: dict[str, str | int] = {"limit": limit}
        if level:
            query["level"] = level
        if cursors.get(level) and rng.random() < 0.5:
            query["cursor"] = cursors[level]
        status, _, body = client.request("list", "GET", "/courses?" + urlencode(query))
        if status != 200:
            return
        problem = page_problem(body, limit, level)
        if problem:
            self.results.fail(f"list {query}: {problem}")
            return
        cursors[level] = body["next_cursor"]

    def probe_index_lag(self, deadline: float) -> None:
        """Creates courses one by one; after each 201, asks at once for the page that starts just
        before its name (of its level) until the course is on it: the index's lag behind the table."""
        client, number = Client(self.port, self.results, self.unavailable_allowed), itertools.count()
        previous = f"probe {self.run_id} -"  # sorts before every probe name
        try:
            while time.monotonic() < deadline:
                name, level = f"probe {self.run_id} {next(number):06d}", LEVELS[len(self.results.lags) % 3]
                status, _, body = client.request("probe", "POST", "/courses", {"name": name, "level": level})
                if status != 201:
                    return
                with self.results.lock:
                    self.results.created[name] = body
                created = time.monotonic()
                query = urlencode({"limit": 1, "level": level, "cursor": cursor_for(previous, level)})
                for asked in itertools.count(1):  # noqa: B007 (read after the loop: how many polls it took)
                    sent = time.monotonic()
                    status, _, page = client.request("probe", "GET", "/courses?" + query)
                    if status == 200 and [item["name"] for item in page["items"]] == [name]:
                        break
                    if status not in (200, UNAVAILABLE) or time.monotonic() - created > INDEX_LAG_LIMIT:
                        self.results.fail(f"probe {name!r}: not listed {INDEX_LAG_LIMIT} s after its create")
                        return
                    time.sleep(0.001)
                with self.results.lock:
                    self.results.lags.append((sent - created, asked))
                previous = name
        finally:
            client.close()

    def client_loop(self, index: int, deadline: float) -> None:
        rng = random.Random(self.seed * 1000 + index)
        client = Client(self.port, self.results, self.unavailable_allowed)
        cursors: dict[str | None, str | None] = {}  # level -> next_cursor of this client's last page
        try:
            # Every client does each operation once whatever the time, then a weighted mix until the
            # deadline or max_requests operations.
            plan = itertools.chain(OPERATIONS, iter(lambda: rng.choices(OPERATIONS, WEIGHTS)[0], None))
            for count, operation in enumerate(plan, start=1):
                over = time.monotonic() >= deadline or (self.max_requests is not None and count > self.max_requests)
                if count > len(OPERATIONS) and over:
                    break
                if operation == "create":
                    self.create(client, rng)
                    continue
                if operation == "list":
                    self.list_page(client, rng, cursors)
                    continue
                if operation == "delete":
                    self.delete(client, rng)
                    continue
                if operation == "churn":
                    self.churn(client, rng)
                    continue
                name = rng.choice(self.hot) if operation == "update" and rng.random() < 0.5 else self.pick(rng)
                if name is None:
                    continue
                if operation == "get":
                    self.get(client, name)
                else:
                    self.update(client, rng, name, deadline)
        finally:
            client.close()

    def run(self) -> "Report":
        setup, rng = Client(self.port, self.results, self.unavailable_allowed), random.Random(self.seed)
        try:
            hot = [self.create(setup, rng) for _ in range(max(2, self.clients // 4))]
        finally:
            setup.close()
        self.hot = [name for name in hot if name is not None]
        if not self.hot:
            self.results.fail("could not create the courses to update")
            return Report(self, 0.0, {})
        started = time.monotonic()
        deadline = started + self.duration
        with ThreadPoolExecutor(max_workers=self.clients + 1, thread_name_prefix="load-client") as pool:
            futures = [pool.submit(self.client_loop, index, deadline) for index in range(self.clients)]
            futures.append(pool.submit(self.probe_index_lag, deadline))
            for future in futures:
                future.result()
        elapsed = time.monotonic() - started
        if self.faults_off:
            self.faults_off()
        final = self.read_back()
        return Report(self, elapsed, final, self.list_back(), self.gone_back(), self.churn_back())

    def churn_back(self) -> dict[str, tuple[str, int, str] | None]:
        """Each churn name read once more: name -> (created_at, version, level) of its incarnation, or None."""
        client, back = self.checking_client(), {}
        try:
            for name in self.churn_names:
                status, headers, body = client.request("churn read", "GET", course_path(name))
                back[name] = (
                    (body["created_at"], version_of(headers.get("etag")) or 0, body["level"]) if status == 200 else None
                )
        finally:
            client.close()
        return back

    def checking_client(self) -> Client:
        """A client for the checks after the load: once the faults are off, a 503 is a failure."""
        return Client(self.port, self.results, self.unavailable_allowed and self.faults_off is None)

    def gone_back(self) -> list[str]:
        """Every course whose DELETE answered 204, read once more: the ones that are not gone (404)."""
        client, back = self.checking_client(), []
        try:
            for name in self.results.deleted:
                status, _, _ = client.request("gone", "GET", course_path(name))
                if status != 404:
                    back.append(name)
        finally:
            client.close()
        return back

    def list_back(self) -> dict[str | None, list[dict]]:
        """Every page from the first to the last, of all courses and of each level: level -> items."""
        client, lists = self.checking_client(), {}
        try:
            for level in (None, *LEVELS):
                items, cursor = [], None
                for _ in range(100_000):  # bounded: a cursor that loops fails, it does not hang
                    query = {"limit": 100, "level": level, "cursor": cursor}
                    query = {key: value for key, value in query.items() if value is not None}
                    status, _, body = client.request("verify", "GET", "/courses?" + urlencode(query))
                    problem = page_problem(body, 100, level) if status == 200 else f"status {status}"
                    if problem:
                        self.results.fail(f"listing back {query}: {problem}")
                        break
                    items += body["items"]
                    cursor = body["next_cursor"]
                    if cursor is None:
                        break
                lists[level] = items
        finally:
            client.close()
        return lists

    def read_back(self) -> dict[str, tuple[int | None, str | None, dict | None]]:
        """Every created course read once more, in parallel: name -> (version, level, body)."""
        names = list(self.results.created)
        final: dict[str, tuple[int | None, str | None, dict | None]] = {}
        lock = threading.Lock()

        def read(chunk: list[str]) -> None:
            client = self.checking_client()
            try:
                for name in chunk:
                    status, headers, body = client.request("verify", "GET", course_path(name))
                    with lock:
                        final[name] = (
                            (version_of(headers.get("etag")), (body or {}).get("level"), body)
                            if status == 200
                            else (None, None, None)
                        )
            finally:
                client.close()

        chunks = [names[index :: self.clients] for index in range(self.clients)]
        with ThreadPoolExecutor(max_workers=self.clients, thread_name_prefix="load-verify") as pool:
            list(pool.map(read, chunks))
        return final


def page_problem(body: object, limit: int, level: str | None) -> str | None:
    """What is wrong with a GET /courses body, if anything: shape, order, size, level."""
    if not isinstance(body, dict) or set(body) != {"items", "next_cursor"}:
        return f"not a page: {str(body)[:200]}"
    names = [item.get("name") for item in body["items"]]
    if names != sorted(set(names)):
        return "names not in strictly ascending order"
    if len(names) > limit or (body["next_cursor"] is not None and len(names) != limit):
        return f"{len(names)} courses for limit {limit}, next_cursor {'set' if body['next_cursor'] else 'null'}"
    if level is not None and any(item.get("level") != level for item in body["items"]):
        return f"a course of another level in the {level} list"
    return None


def listing_problems(lists: dict[str | None, list[dict]], final: dict) -> list[str]:
    """Once the writes are over: every readable course listed once, each in its level's list only."""
    problems = []
    everyone = [item["name"] for item in lists.get(None, [])]
    if len(everyone) != len(set(everyone)):
        problems.append(f"{len(everyone) - len(set(everyone))} courses listed twice")
    for name, (version, level, _body) in final.items():
        if version is None:
            continue  # unreadable: reported by the caller
        if name not in everyone:
            problems.append(f"{name!r}: created and readable, but not listed")
        for list_level in LEVELS:
            listed = sum(item["name"] == name for item in lists.get(list_level, []))
            if listed != (list_level == level):
                problems.append(f"{name!r} (level {level}): listed {listed} times in the {list_level} list")
    return problems


def lost_updates(
    puts: list[Put], final: dict[str, tuple[int | None, str | None, dict | None]], unknown: Counter | None = None
) -> list[str]:
    """Every way the successful If-Match PUTs and the final reads show a lost or doubled update.

    ``unknown``: per course, the PUTs whose outcome was unknown (503): each may have been applied once.
    """
    problems = []
    unknown = unknown or Counter()
    by_course: dict[str, list[Put]] = defaultdict(list)
    for put in puts:
        by_course[put.course].append(put)
        if put.version != put.based_on + 1:
            problems.append(f'{put.course!r}: a PUT with If-Match "{put.based_on}" answered version {put.version}')
    for course, version_level_body in final.items():
        version, level, _ = version_level_body
        course_puts = sorted(by_course.get(course, []), key=lambda put: put.version)
        if version is None:
            continue  # unreadable: reported by the caller
        versions = [put.version for put in course_puts]
        unaccounted = version - 1 - len(versions)  # writes no successful PUT answered for
        if (
            len(set(versions)) != len(versions)
            or any(v > version for v in versions)
            or not (0 <= unaccounted <= unknown[course])
        ):
            problems.append(
                f"{course!r}: final version {version} after {len(course_puts)} successful PUTs (and "
                f"{unknown[course]} of unknown outcome), which answered versions "
                f"{versions[:20]}{'...' if len(versions) > 20 else ''}"
            )
        elif course_puts and course_puts[-1].version == version and level != course_puts[-1].level:
            problems.append(f"{course!r}: final level {level!r}, but the last PUT set {course_puts[-1].level!r}")
    return problems


def churn_problems(log: ChurnLog, final: dict[str, tuple[str, int, str] | None]) -> list[str]:
    """What the churn clients' answers and the names' final state show was lost, resurrected,
    made from nothing or incremented twice (see the module docstring)."""
    problems = []
    for incarnation, sent in log.seen:
        deleted_at = log.deleted.get(incarnation)
        if deleted_at is not None and sent > deleted_at:
            problems.append(f"{incarnation}: read after an If-Match DELETE of it answered 204 (resurrected)")
    for name, now in final.items():
        created = log.created.get(name, set())
        if now is not None and (name, now[0]) in log.deleted:
            problems.append(f"{name!r} @ {now[0]}: there at the end, after an If-Match DELETE of it answered 204")
        if now is not None and now[0] not in created and not log.unknown_creates[name]:
            problems.append(f"{name!r} @ {now[0]}: there at the end, but no create made it")
        gone = created - ({now[0]} if now is not None else set())
        unaccounted = [at for at in gone if (name, at) not in log.deleted]
        if len(unaccounted) > log.plain_deletes[name] + log.unknown_deletes[name]:
            problems.append(
                f"{name!r}: {len(unaccounted)} incarnations gone without a delete that names them, "
                f"{log.plain_deletes[name]} plain deletes (204) and {log.unknown_deletes[name]} of unknown outcome"
            )
    survivors: dict[str, tuple[int | None, str | None, dict | None]] = {
        incarnation_key((name, now[0])): (now[1], now[2], None) for name, now in final.items() if now
    }
    # A PUT without If-Match that answered 503 may have changed whichever incarnation was there.
    unknown = Counter(log.unknown_puts)
    for name, now in final.items():
        if now:
            unknown[incarnation_key((name, now[0]))] += log.unknown_plain_puts[name]
    return problems + lost_updates(log.puts, survivors, unknown)


def percentile(sorted_values: list[float], percent: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class Report:
    def __init__(
        self,
        run: LoadRun,
        elapsed: float,
        final: dict,
        lists: dict | None = None,
        not_gone: list[str] | None = None,
        churn_final: dict | None = None,
    ):
        results = run.results
        self.run = run
        self.elapsed = elapsed
        self.final = final
        self.statuses = {operation: dict(counter) for operation, counter in results.statuses.items()}
        self.server_errors = sum(
            count
            for counter in results.statuses.values()
            for status, count in counter.items()
            if isinstance(status, int) and status >= 500 and not (status == UNAVAILABLE and run.unavailable_allowed)
        )
        self.unavailable = sum(counter.get(UNAVAILABLE, 0) for counter in results.statuses.values())
        self.created = len(results.created)
        self.unreadable = sorted(name for name, (version, _, _) in final.items() if version is None)
        self.changed = sorted(
            name
            for name, (version, _, body) in final.items()
            if version is not None and (body or {}).get("created_at") != results.created[name].get("created_at")
        )
        self.lost_updates = lost_updates(results.puts, final, results.unknown_puts)
        self.lists = lists or {}
        self.listing_problems = listing_problems(self.lists, final) if lists is not None else []
        self.deleted = len(results.deleted)
        listed = {item["name"] for items in self.lists.values() for item in items}
        self.not_gone = sorted(not_gone or []) + sorted(
            f"{name!r}: deleted (204), but listed" for name in set(results.deleted) & listed
        )
        self.lags = list(results.lags)
        self.successful_puts = len(results.puts)
        self.failures = list(results.failures)
        self.churn = results.churn
        self.churn_final = churn_final or {}
        self.churn_problems = churn_problems(results.churn, self.churn_final) if churn_final is not None else []

    @property
    def ok(self) -> bool:
        return not (
            self.server_errors
            or self.failures
            or self.unreadable
            or self.changed
            or self.lost_updates
            or self.listing_problems
            or self.not_gone
            or self.churn_problems
        )

    def requests(self, operation: str) -> int:
        return sum(self.statuses.get(operation, {}).values())

    def lines(self) -> list[str]:
        results = self.run.results
        total = 0
        out = [
            f"Load: {self.run.clients} clients for {self.elapsed:.1f} s against http://{HOST}:{self.run.port} "
            f"(seed {self.run.seed})",
            f"{'operation':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses",
        ]
        for operation, label in (
            ("create", "create"),
            ("get", "get"),
            ("put", "update"),
            ("list", "list page"),
            ("delete", "delete"),
            ("churn create", "churn POST"),
            ("churn read", "churn GET"),
            ("churn put", "churn PUT"),
            ("churn delete", "churn DEL"),
            ("probe", "lag probe"),
        ):
            latencies = sorted(results.latencies.get(operation, []))
            count = self.requests(operation)
            total += count
            statuses = ", ".join(
                f"{status}: {n}" for status, n in sorted(self.statuses.get(operation, {}).items(), key=str)
            )
            out.append(
                f"{label:<10} {count:>9} {count / self.elapsed if self.elapsed else 0:>8.1f} "
                f"{percentile(latencies, 50) * 1000:>8.1f} {percentile(latencies, 99) * 1000:>8.1f}  {statuses}"
            )
        every = sorted(
            latency
            for op in (
                "create",
                "get",
                "put",
                "list",
                "delete",
                "probe",
                *(o for o in ALLOWED if o.startswith("churn")),
            )
            for latency in results.latencies.get(op, [])
        )
        out.append(
            f"{'all':<10} {total:>9} {total / self.elapsed if self.elapsed else 0:>8.1f} "
            f"{percentile(every, 50) * 1000:>8.1f} {percentile(every, 99) * 1000:>8.1f}"
        )
        out += [
            f"If-Match updates: {self.successful_puts} succeeded, {results.retries} retried after 412, "
            f"{results.gave_up} gave up (after {MAX_ATTEMPTS} attempts or at the end of the run)",
            f"5xx responses: {self.server_errors}"
            + (
                f" (and {self.unavailable} 503 with Retry-After under late DynamoDB replies, allowed)"
                if self.run.unavailable_allowed
                else ""
            ),
            f"created courses readable afterwards: {self.created - len(self.unreadable)} of {self.created}, "
            f"{len(self.changed)} with another created_at",
            f"lost updates: {len(self.lost_updates)} (final ETag = 1 + successful PUTs on each of "
            f"{len(self.final)} courses; every PUT answered the version after the one it was based on)",
            f"deleted courses gone afterwards (404, not listed): {self.deleted - len(self.not_gone)} of {self.deleted}",
            f"listed afterwards: {len(self.lists.get(None, []))} courses in {len(self.final)} created; "
            f"{len(self.listing_problems)} problems (missing, listed twice, in another level's list)",
            f"index lag: {sum(asked == 1 for _, asked in self.lags)} of {len(self.lags)} probed courses listed by "
            f"the first page asked for after their 201; longest wait before the page that listed one: "
            f"{max((lag for lag, _ in self.lags), default=0) * 1000:.1f} ms, "
            f"{max((asked for _, asked in self.lags), default=0)} pages asked",
        ]
        churn = self.churn
        out.append(
            f"churn of {len(self.churn_final)} shared names: {churn.operations} operations; "
            f"{sum(len(at) for at in churn.created.values())} incarnations created (201), "
            f"{len(churn.deleted)} deleted by If-Match (204), {sum(churn.plain_deletes.values())} plain deletes (204), "
            f"{len(churn.puts)} PUTs (200, with or without If-Match); of unknown outcome (503): "
            f"{sum(churn.unknown_creates.values())} creates, {sum(churn.unknown_deletes.values())} deletes, "
            f"{sum(churn.unknown_puts.values()) + sum(churn.unknown_plain_puts.values())} PUTs; "
            f"{sum(1 for now in self.churn_final.values() if now)} "
            f"names there at the end; lost, resurrected, made from nothing or incremented twice: "
            f"{len(self.churn_problems)}"
        )
        problems = (
            self.failures
            + self.unreadable
            + self.changed
            + self.lost_updates
            + self.listing_problems
            + self.not_gone
            + self.churn_problems
        )
        for problem in problems[:20]:
            out.append(f"  FAIL {problem}")
        out.append("OK" if self.ok else "FAILED")
        return out


def run_load(
    port: int,
    clients: int = 16,
    duration: float = 5.0,
    max_requests: int | None = None,
    seed: int | None = None,
    unavailable_allowed: bool = False,
    faults_off: Callable[[], None] | None = None,
) -> Report:
    """Runs the load against 127.0.0.1:``port`` and checks the outcome; bounded by ``duration``.

    ``unavailable_allowed``: 503 with Retry-After is an allowed answer while the load runs (DynamoDB
    is made slow); ``faults_off`` makes it fast again before the checks read everything back.
    """
    if clients < 1 or duration <= 0:
        raise ValueError("clients must be at least 1 and duration positive")
    return LoadRun(port, clients, duration, max_requests, seed, unavailable_allowed, faults_off).run()


# Under --late-replies: the service's read timeout, and how long a held reply is held past it.
FAULT_READ_TIMEOUT = 0.5
FAULT_HOLD = 1.0


def run_local_load(args: argparse.Namespace) -> Report:
    """Starts dynalite (in memory), a fault proxy if asked, and the local server; runs the load."""
    from localdev.dynamodb import Dynalite
    from localdev.server_process import LocalServer
    from testing.fault_proxy import FaultProxy

    with Dynalite() as dynalite, FaultProxy(dynalite.port, seed=args.seed or 0) as proxy:
        env = {"DYNAMODB_ENDPOINT": dynalite.endpoint, "TABLE_NAME": "courses-load"}
        if args.late_replies:
            env.update(DYNAMODB_ENDPOINT=proxy.endpoint, DYNAMODB_READ_TIMEOUT=str(FAULT_READ_TIMEOUT))
        print(f"Starting dynalite (in memory) and the local server on {HOST} ...", flush=True)
        server = LocalServer(env, max_instances=args.max_instances)
        try:
            proxy.hold_share(args.late_replies, FAULT_HOLD)
            report = run_load(
                server.port,
                args.clients,
                args.duration,
                args.max_requests,
                args.seed,
                unavailable_allowed=bool(args.late_replies),
                faults_off=proxy.clear,
            )
        finally:
            proxy.clear()
            server.stop()
        if args.late_replies:
            print(f"DynamoDB replies held past the read timeout: {proxy.held} of {proxy.replies}", flush=True)
        return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testing.load", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load (default 120)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--max-requests", type=int, default=None, help="per client, on top of the duration")
    parser.add_argument("--seed", type=int, default=None, help="for the clients' choices")
    parser.add_argument(
        "--max-instances", type=int, default=8, help="warm instances per function of the server it starts (default 8)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help="a server already running on 127.0.0.1:PORT (default: start dynalite and one)",
    )
    parser.add_argument(
        "--late-replies",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="hold this share (0 to 1) of DynamoDB's replies past the read timeout",
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0:
        parser.error("--clients must be at least 1 and --duration positive")
    if not 0 <= args.late_replies <= 1 or (args.late_replies and args.port is not None):
        parser.error("--late-replies takes a share from 0 to 1, and needs the server this command starts")

    if args.port is not None:
        report = run_load(args.port, args.clients, args.duration, args.max_requests, args.seed)
    else:
        report = run_local_load(args)
    print("\n".join(report.lines()), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
