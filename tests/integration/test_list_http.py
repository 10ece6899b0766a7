"""GET /courses and conditional GET over HTTP, through the local server against dynalite: real
global secondary indexes, real Query pages, concurrent writers."""

import threading
import uuid
from urllib.parse import urlencode

from localdev.dynamodb import client
from localdev.runtime import put_layers_on_path

put_layers_on_path()
from course_service.edge.cursors import cursor_for  # noqa: E402  (the service's own codec: see test_listed_at_once)
from tests.integration.http_support import path_of  # noqa: E402

LEVELS = ("beginner", "intermediate", "advanced")


def list_all(server, limit: int, level: str | None = None, between_pages=lambda: None) -> list[dict]:
    """Every item from the first page to the last, following next_cursor (bounded)."""
    items, cursor = [], None
    for _ in range(10_000):
        query = {k: v for k, v in {"limit": limit, "level": level, "cursor": cursor}.items() if v is not None}
        reply = server.request("GET", "/courses?" + urlencode(query))
        assert reply.status == 200, reply.raw
        assert reply.headers["content-type"] == "application/json"
        items += reply.body["items"]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return items
        between_pages()
    raise AssertionError("next_cursor never became null")


def test_pages_list_every_course_once_in_code_point_order_with_and_without_level(server):
    run = uuid.uuid4().hex[:8]
    names = [f"{run} {suffix}" for suffix in ("A", "Z", "a", "é", "日本", "ｚ", "🚀", "100%", "a+b")]
    created = {}
    for number, name in enumerate(names):
        reply = server.request("POST", "/courses", {"name": name, "level": LEVELS[number % 3]})
        assert reply.status == 201
        created[name] = reply.body

    for limit in (1, 4, 100):
        mine = [item for item in list_all(server, limit) if item["name"].startswith(run)]
        assert mine == [created[name] for name in sorted(names)]
    for level in LEVELS:
        items = list_all(server, 2, level)
        assert {item["level"] for item in items} <= {level}
        assert [item["name"] for item in items if item["name"].startswith(run)] == sorted(
            name for name, course in created.items() if course["level"] == level
        )


def test_while_others_write_every_course_that_existed_throughout_is_listed_once(server, dynalite):
    run = uuid.uuid4().hex[:8]
    throughout = [f"{run} keep {n:03d}" for n in range(40)]
    doomed = [f"{run} gone {n:03d}" for n in range(20)]
    for name in throughout + doomed:
        assert server.request("POST", "/courses", {"name": name, "level": "beginner"}).status == 201
    stop = threading.Event()
    written = []

    def writer():  # creates around and among the listed names; changes levels; bounded
        for number in range(400):
            if stop.is_set():
                return
            name = f"{run} keep {number % 40:03d}.{number}"
            server.request("POST", "/courses", {"name": name, "level": "advanced"})
            written.append(name)
            server.request("PUT", path_of(throughout[number % 40]), {"level": LEVELS[number % 3]})

    deleted = iter(doomed)
    dynamodb = client(dynalite.endpoint)

    def delete_one():  # behind the service's back: the API has no DELETE here
        name = next(deleted, None)
        if name is not None:
            dynamodb.delete_item(TableName="courses-it", Key={"name": {"S": name}})

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        listed = [item["name"] for item in list_all(server, 3, between_pages=delete_one)]
    finally:
        stop.set()
        thread.join(timeout=60)

    mine = [name for name in listed if name.startswith(run)]
    assert len(listed) == len(set(listed)), "a course was listed twice"
    assert set(throughout) <= set(mine), "a course that existed throughout was skipped"
    assert set(mine) <= set(throughout) | set(doomed) | set(written)
    assert listed == sorted(listed)


def test_listed_at_once_after_its_create_returned_on_dynalite(server):
    """dynalite writes an item's index entries before it answers the write, so on dynalite a page
    is never stale (in DynamoDB a global secondary index lags its table: docs/DECISIONS.md, "Listing")."""
    run = uuid.uuid4().hex[:8]
    previous = f"{run} -"  # sorts before every name below
    for number in range(30):
        name = f"{run} {number:03d}"
        level = LEVELS[number % 3]
        assert server.request("POST", "/courses", {"name": name, "level": level}).status == 201
        for filter_level in (None, level):
            query = {"limit": 1, "cursor": cursor_for(previous, filter_level), "level": filter_level}
            page = server.request("GET", "/courses?" + urlencode({k: v for k, v in query.items() if v}))
            assert [item["name"] for item in page.body["items"]] == [name]
        previous = name


def test_bad_parameters_are_422_naming_them_over_http(server):
    for query, parameter, kind in (
        ("limit=0", "limit", "greater_than_equal"),
        ("limit=x", "limit", "int_parsing"),
        ("limit=5.0", "limit", "int_parsing"),
        ("limit=%2B5", "limit", "int_parsing"),
        ("limit=1_0", "limit", "int_parsing"),
        ("limit=%205%20", "limit", "int_parsing"),
        ("level=expert", "level", "literal_error"),
        ("cursor=garbage", "cursor", "cursor_invalid"),
        ("cursor=" + "A" * 2000, "cursor", "cursor_invalid"),
        ("cursor=a&cursor=a", "cursor", "cursor_invalid"),
    ):
        reply = server.request("GET", "/courses?" + query)
        assert reply.status == 422, query
        assert reply.body["detail"] == [{"loc": ["query", parameter], "type": kind}], query


def test_if_none_match_answers_304_without_a_body_over_http(server):
    name = f"cached {uuid.uuid4().hex[:8]}"
    etag = server.request("POST", "/courses", {"name": name, "level": "beginner"}).headers["etag"]

    for header in (etag, "W/" + etag, "*"):
        reply = server.request("GET", path_of(name), headers={"If-None-Match": header})
        assert (reply.status, reply.raw, reply.headers["etag"]) == (304, b"", etag)
        # RFC 9110 15.4.5: what a cache needs to freshen its copy, not a description of a body
        # (a Content-Length there may only be the 200's, 8.6).
        assert "content-type" not in reply.headers and "content-length" not in reply.headers, reply.headers

    changed = server.request("PUT", path_of(name), {"level": "advanced"})
    reply = server.request("GET", path_of(name), headers={"If-None-Match": etag})
    assert (reply.status, reply.body, reply.headers["etag"]) == (200, changed.body, changed.headers["etag"])
