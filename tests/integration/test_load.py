"""A short version of `make load` (testing/load.py) through the local server against dynalite:
concurrent clients mixing creates, reads, If-Match updates, list pages, deletes, and the churn of a
few shared names (deleted and created again); no 5xx, nothing lost, nothing resurrected, no double
increment, everything listed. And the same with a share of DynamoDB's replies held past the read
timeout (`make load FAULTS=...`)."""

from collections import Counter

import pytest

from localdev.server_process import LocalServer
from testing.fault_proxy import FaultProxy
from testing.load import (
    FAULT_HOLD,
    FAULT_READ_TIMEOUT,
    ChurnLog,
    Put,
    churn_problems,
    incarnation_key,
    listing_problems,
    lost_updates,
    page_problem,
    run_load,
)

CLIENTS = 8
DURATION = 3.0  # seconds; `make load` runs for minutes
MAX_REQUESTS = 300  # per client, in case the machine is fast


def test_a_short_load_gives_no_5xx_keeps_every_created_course_and_loses_no_update(server):
    report = run_load(server.port, clients=CLIENTS, duration=DURATION, max_requests=MAX_REQUESTS, seed=4)
    print("\n".join(report.lines()))  # shown with pytest -s, and on failure

    assert report.server_errors == 0
    assert report.failures == []  # every status was one the contract allows for the request
    # Every client created, read and updated at least once (the hot courses are created before).
    assert report.created >= CLIENTS + 2
    assert report.requests("get") >= CLIENTS and report.requests("put") >= CLIENTS
    assert report.successful_puts >= 1
    # Every 201 is readable afterwards, unchanged but for its updates.
    assert len(report.final) == report.created
    assert report.unreadable == [] and report.changed == []
    assert report.lost_updates == []
    # Every client listed a page; afterwards every created course is listed once, in its level's list.
    assert report.requests("list") >= CLIENTS
    assert len(report.lists[None]) >= report.created
    assert report.listing_problems == []
    assert report.lags and all(asked >= 1 for _, asked in report.lags)
    # Every client deleted a course of its own; each is gone: 404 and in no list.
    assert report.deleted >= CLIENTS
    assert report.not_gone == []
    # The shared names were created, deleted and created again; nothing lost, resurrected or doubled.
    assert report.churn.operations >= CLIENTS and report.churn.created
    assert report.churn_problems == []
    assert report.ok


def test_a_short_load_with_late_dynamodb_replies_applies_no_write_twice_and_loses_nothing(dynalite):
    with FaultProxy(dynalite.port, seed=8) as proxy:
        server = LocalServer(
            {
                "DYNAMODB_ENDPOINT": proxy.endpoint,
                "TABLE_NAME": "courses-late-load",
                "DYNAMODB_READ_TIMEOUT": str(FAULT_READ_TIMEOUT),
            }
        )
        try:
            proxy.hold_share(0.1, FAULT_HOLD)
            report = run_load(
                server.port,
                clients=CLIENTS,
                duration=DURATION,
                max_requests=MAX_REQUESTS,
                seed=8,
                unavailable_allowed=True,
                faults_off=proxy.clear,
            )
        finally:
            proxy.clear()
            server.stop()
    print("\n".join(report.lines()))

    assert proxy.held > 0  # the fault really happened
    assert report.server_errors == 0 and report.failures == []  # 503s came with Retry-After
    assert report.successful_puts >= 1
    assert report.unreadable == [] and report.changed == []
    assert report.lost_updates == []  # every 200 PUT answered the next version; none applied twice
    assert report.listing_problems == []
    assert report.churn.operations >= CLIENTS and report.churn_problems == []
    assert report.ok


def course(version: int, level: str = "advanced") -> tuple[int, str, dict]:
    return version, level, {"name": "a", "level": level}


def test_the_lost_update_check_accepts_a_consistent_history():
    puts = [Put("a", 1, 2, "intermediate"), Put("a", 2, 3, "advanced")]
    assert lost_updates(puts, {"a": course(3, "advanced"), "untouched": course(1)}) == []


@pytest.mark.parametrize(
    "puts, final",
    [
        # Two PUTs both succeeded from version 1: one overwrote the other.
        ([Put("a", 1, 2, "intermediate"), Put("a", 1, 2, "advanced")], course(2)),
        # A PUT answered a version that is not the one after its If-Match.
        ([Put("a", 1, 3, "advanced")], course(3)),
        # The course was written more often than the successful PUTs account for.
        ([Put("a", 1, 2, "advanced")], course(3)),
        # Fewer writes stored than PUTs reported successful.
        ([Put("a", 1, 2, "intermediate"), Put("a", 2, 3, "advanced")], course(2)),
        # The stored level is not the one of the last PUT.
        ([Put("a", 1, 2, "intermediate"), Put("a", 2, 3, "advanced")], course(3, "intermediate")),
    ],
)
def test_the_lost_update_check_catches_each_kind_of_lost_update(puts, final):
    assert lost_updates(puts, {"a": final})


def test_a_put_of_unknown_outcome_may_account_for_one_write_and_no_more():
    puts = [Put("a", 1, 2, "intermediate")]
    assert lost_updates(puts, {"a": course(3, "beginner")}, Counter({"a": 1})) == []  # the 503 was applied
    assert lost_updates(puts, {"a": course(2, "intermediate")}, Counter({"a": 1})) == []  # it was not
    assert lost_updates(puts, {"a": course(4)}, Counter({"a": 1}))  # two unaccounted writes: one doubled


def listed(*names_levels) -> list[dict]:
    return [{"name": name, "level": level} for name, level in names_levels]


def test_the_listing_check_accepts_a_complete_listing():
    final = {"a": course(2, "advanced"), "b": course(1, "beginner")}
    lists = {
        None: listed(("a", "advanced"), ("b", "beginner")),
        "advanced": listed(("a", "advanced")),
        "beginner": listed(("b", "beginner")),
        "intermediate": [],
    }
    assert listing_problems(lists, final) == []


@pytest.mark.parametrize(
    "lists",
    [
        {None: listed(("a", "advanced")), "advanced": listed(("a", "advanced"))},  # b missing
        {
            None: listed(("a", "advanced"), ("a", "advanced"), ("b", "beginner")),
            "advanced": listed(("a", "advanced")),
            "beginner": listed(("b", "beginner")),
        },  # a twice
        {
            None: listed(("a", "advanced"), ("b", "beginner")),
            "advanced": listed(("a", "advanced")),
            "beginner": listed(("b", "beginner")),
            "intermediate": listed(("a", "advanced")),
        },  # a in another level
        {None: listed(("a", "advanced"), ("b", "beginner")), "beginner": listed(("b", "beginner"))},  # a in no level
    ],
)
def test_the_listing_check_catches_missing_duplicate_and_misfiled_courses(lists):
    assert listing_problems(lists, {"a": course(2, "advanced"), "b": course(1, "beginner")})


@pytest.mark.parametrize(
    "body, limit, level",
    [
        ([], 10, None),
        ({"items": []}, 10, None),
        ({"items": listed(("b", "beginner"), ("a", "beginner")), "next_cursor": None}, 10, None),  # out of order
        ({"items": listed(("a", "beginner"), ("a", "beginner")), "next_cursor": None}, 10, None),  # twice
        ({"items": listed(("a", "beginner"), ("b", "beginner")), "next_cursor": None}, 1, None),  # over the limit
        ({"items": listed(("a", "beginner")), "next_cursor": "x"}, 2, None),  # a short page that is not the last
        ({"items": listed(("a", "advanced")), "next_cursor": None}, 10, "beginner"),  # another level
    ],
)
def test_the_page_check_catches_each_kind_of_bad_page(body, limit, level):
    assert page_problem(body, limit, level)
    assert page_problem({"items": listed(("a", "beginner")), "next_cursor": "x"}, 1, "beginner") is None


def churn_log(created=None, deleted=None, seen=(), **counters) -> ChurnLog:
    log = ChurnLog()
    for name, stamps in (created or {}).items():
        log.created[name] = set(stamps)
    log.deleted.update(deleted or {})
    log.seen.extend(seen)
    for field_name, values in counters.items():
        getattr(log, field_name).update(values)
    return log


def test_the_churn_check_accepts_a_consistent_history():
    log = churn_log(
        created={"a": ["t1", "t2"], "b": ["t3"]},
        deleted={("a", "t1"): 5.0},
        seen=[(("a", "t1"), 4.0), (("a", "t2"), 6.0)],
        plain_deletes={"b": 1},
    )
    log.puts.append(Put(incarnation_key(("a", "t2")), 1, 2, "advanced"))

    assert churn_problems(log, {"a": ("t2", 2, "advanced"), "b": None}) == []


@pytest.mark.parametrize(
    "log, final",
    [
        (churn_log(created={"a": ["t1"]}, deleted={("a", "t1"): 5.0}, seen=[(("a", "t1"), 6.0)]), {"a": None}),
        (churn_log(created={"a": ["t1"]}, deleted={("a", "t1"): 5.0}), {"a": ("t1", 1, "beginner")}),
        (churn_log(created={"a": ["t1"]}, deleted={("a", "t1"): 5.0}), {"a": ("t9", 1, "beginner")}),
        (churn_log(created={"a": ["t1", "t2"]}), {"a": ("t2", 1, "beginner")}),
        (churn_log(created={"a": ["t1"]}), {"a": ("t1", 2, "beginner")}),
    ],
    ids=[
        "read by a request sent after an If-Match DELETE of it answered 204",
        "there at the end after that DELETE",
        "made by no create",
        "created, gone, and no delete answered for it",
        "one write more than its PUTs account for",
    ],
)
def test_the_churn_check_catches_each_kind_of_problem(log, final):
    assert churn_problems(log, final)


def test_writes_of_unknown_outcome_may_account_for_what_the_churn_check_sees():
    assert churn_problems(churn_log(created={"a": ["t1", "t2"]}, unknown_deletes={"a": 1}), {"a": ("t2", 1, "x")}) == []
    assert churn_problems(churn_log(unknown_creates={"a": 1}), {"a": ("t9", 1, "x")}) == []
    log = churn_log(created={"a": ["t1"]}, unknown_puts={incarnation_key(("a", "t1")): 1})
    assert churn_problems(log, {"a": ("t1", 2, "x")}) == []
