"""Over HTTP, as a black-box attacker would: the local server talks to dynalite through a proxy that
holds one reply past the read timeout, and while it is held, another client (a second local server
on the same table, straight to dynalite) writes the same course. No write lands twice or on another
incarnation, and every answer is the truth or says that it cannot be known (503).
(tests/unit/test_another_client_in_the_window.py: the same under moto.)
"""

import threading
import time
import uuid

import pytest

from localdev.server_process import LocalServer
from tests.integration.http_support import path_of

TABLE = "courses-window"
READ_TIMEOUT = 1.0  # the slow server's DynamoDB read timeout; the held reply comes after it
HELD = 2.5
UNKNOWN_OUTCOME = "The write may or may not have been applied; read the course to find out"


@pytest.fixture(scope="module")
def slow(proxy):
    """The client whose reply is late: the local server behind the proxy."""
    local = LocalServer(
        {"DYNAMODB_ENDPOINT": proxy.endpoint, "TABLE_NAME": TABLE, "DYNAMODB_READ_TIMEOUT": str(READ_TIMEOUT)}
    )
    yield local
    local.stop()


@pytest.fixture(scope="module")
def other(dynalite, slow):
    """Another client: a second local server on the same table, straight to dynalite, warmed up so
    that its requests fit in the window."""
    local = LocalServer({"DYNAMODB_ENDPOINT": dynalite.endpoint, "TABLE_NAME": TABLE})
    name = f"warm {uuid.uuid4().hex[:8]}"
    for method, body in (
        ("POST", {"name": name, "level": "beginner"}),
        ("PUT", {"level": "advanced"}),
        ("DELETE", None),
    ):
        local.request(method, "/courses" if method == "POST" else path_of(name), body)
    yield local
    local.stop()


@pytest.fixture
def name(slow, other, proxy):
    """A course created with no reply held; its name."""
    proxy.clear()
    course = f"window {uuid.uuid4().hex[:8]}"
    assert slow.request("POST", "/courses", {"name": course, "level": "beginner"}).status == 201
    return course


def in_the_window(proxy, request, meanwhile):
    """Sends ``request()`` with its next DynamoDB reply held; once DynamoDB has applied it (the
    reply is being held), runs ``meanwhile()``; returns (request's reply, meanwhile's result)."""
    held_before = proxy.held
    proxy.hold_next(1, HELD)
    replies = []
    thread = threading.Thread(target=lambda: replies.append(request()))
    thread.start()
    for _ in range(1000):  # bounded: 5 s
        if proxy.held > held_before:
            break
        time.sleep(0.005)
    assert proxy.held == held_before + 1, "the request's reply was not held"
    result = meanwhile()
    thread.join(timeout=30)
    assert replies, "the request did not end"
    return replies[0], result


def test_a_delete_whose_reply_is_late_never_deletes_the_course_created_again_meanwhile(slow, other, proxy, name):
    reply, created_again = in_the_window(
        proxy,
        lambda: slow.request("DELETE", path_of(name)),
        lambda: other.request("POST", "/courses", {"name": name, "level": "advanced"}),
    )

    assert created_again.status == 201
    now = slow.request("GET", path_of(name))
    assert now.status == 200 and now.headers["etag"] == created_again.headers["etag"]
    assert (reply.status, reply.body) == (503, {"message": UNKNOWN_OUTCOME})


def test_a_create_whose_reply_is_late_never_brings_back_the_course_deleted_meanwhile(slow, other, proxy):
    course = f"window {uuid.uuid4().hex[:8]}"

    def delete_it():
        etag = other.request("GET", path_of(course)).headers["etag"]
        return etag, other.request("DELETE", path_of(course), headers={"If-Match": etag})

    reply, (old_etag, deleted) = in_the_window(
        proxy, lambda: slow.request("POST", "/courses", {"name": course, "level": "beginner"}), delete_it
    )

    assert deleted.status == 204
    assert slow.request("GET", path_of(course)).status == 404
    assert slow.request("PUT", path_of(course), {"level": "advanced"}, {"If-Match": old_etag}).status == 404
    assert (reply.status, reply.body) == (503, {"message": UNKNOWN_OUTCOME})


def test_a_put_whose_reply_is_late_is_never_applied_again_after_a_later_put(slow, other, proxy, name):
    reply, later = in_the_window(
        proxy,
        lambda: slow.request("PUT", path_of(name), {"level": "advanced"}),
        lambda: other.request("PUT", path_of(name), {"level": "intermediate"}),
    )

    assert later.status == 200
    now = slow.request("GET", path_of(name))
    assert (now.body["level"], now.headers["etag"]) == ("intermediate", later.headers["etag"])
    assert reply.status == 200, reply.raw
    assert reply.body["level"] == "advanced" and reply.body["updated_at"] < now.body["updated_at"]


def test_a_put_whose_reply_is_late_never_lands_on_the_course_created_again_meanwhile(slow, other, proxy, name):
    def delete_and_create_again():
        assert other.request("DELETE", path_of(name)).status == 204
        return other.request("POST", "/courses", {"name": name, "level": "intermediate"})

    reply, created_again = in_the_window(
        proxy, lambda: slow.request("PUT", path_of(name), {"level": "advanced"}), delete_and_create_again
    )

    now = slow.request("GET", path_of(name))
    assert (now.body, now.headers["etag"]) == (created_again.body, created_again.headers["etag"])
    assert (reply.status, reply.body) == (503, {"message": UNKNOWN_OUTCOME})


def test_a_create_whose_reply_is_late_and_that_was_changed_meanwhile_answers_201(slow, other, proxy):
    course = f"window {uuid.uuid4().hex[:8]}"

    reply, changed = in_the_window(
        proxy,
        lambda: slow.request("POST", "/courses", {"name": course, "level": "beginner"}),
        lambda: other.request("PUT", path_of(course), {"level": "advanced"}),
    )

    assert changed.status == 200
    assert reply.status == 201, reply.raw
    assert reply.body["level"] == "beginner"
    assert slow.request("GET", path_of(course)).body["level"] == "advanced"


def test_an_if_match_put_whose_reply_is_late_and_that_was_overwritten_meanwhile_answers_200(slow, other, proxy, name):
    etag = slow.request("GET", path_of(name)).headers["etag"]

    reply, later = in_the_window(
        proxy,
        lambda: slow.request("PUT", path_of(name), {"level": "advanced"}, {"If-Match": etag}),
        lambda: other.request("PUT", path_of(name), {"level": "intermediate"}),
    )

    assert later.status == 200
    assert reply.status == 200, reply.raw
    assert reply.body["level"] == "advanced"
    assert slow.request("GET", path_of(name)).body["level"] == "intermediate"
