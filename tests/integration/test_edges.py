"""The local server's edge, over raw sockets: what a client gets for a request that HTTP, or API
Gateway's limits, refuse before any function runs. Always JSON, and the server keeps serving."""

import socket
from http.client import HTTPConnection, HTTPResponse
from urllib.parse import quote

import pytest

from localdev.server_process import HttpReply, LocalServer
from tests.integration.http_support import path_of, unique

MB = 1024 * 1024


def send_raw(server, raw: bytes, then: bytes | None = None) -> HttpReply:
    """Sends ``raw`` as it is on a new connection and reads one response (``then``: more bytes after it)."""
    with socket.create_connection((server.host, server.port), timeout=30) as connection:
        connection.sendall(raw)
        response = HTTPResponse(connection)
        response.begin()
        reply = HttpReply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        if then is not None:
            connection.sendall(then)
            again = HTTPResponse(connection)
            again.begin()
            return HttpReply(again.status, {k.lower(): v for k, v in again.getheaders()}, again.read())
        return reply


def head(request_line: str, *headers: str) -> bytes:
    return "\r\n".join((request_line, "Host: 127.0.0.1", *headers, "", "")).encode("latin-1")


HEALTH, CREATE = "GET /health HTTP/1.1", "POST /courses HTTP/1.1"
JSON = "Content-Type: application/json"
HOSTILE = {
    "a space in the path": (head("GET /courses/a b HTTP/1.1"), 400),
    "a request line without HTTP version (HTTP/0.9)": (b"GET /health\r\n\r\n", 400),
    "a header name with a space": (head(HEALTH, "Bad Name: x"), 400),
    "a header line without colon": (head(HEALTH, "NoColonHere"), 400),
    "a NUL in a header value": (head(HEALTH, "X-Value: a\x00b"), 400),
    "Content-Length not a number": (head(CREATE, JSON, "Content-Length: abc") + b"{}", 400),
    "two different Content-Lengths": (head(CREATE, JSON, "Content-Length: 2", "Content-Length: 3") + b"{}", 400),
    "a URL over 8192 characters": (head("GET /courses/" + "a" * 8192 + " HTTP/1.1"), 414),
    "a path over 64 KiB": (head("GET /courses/" + "a" * 70_000 + " HTTP/1.1"), 414),
    "one header line over 64 KiB": (head(HEALTH, "X-Big: " + "a" * 70_000), 431),
    "headers over 10240 bytes together": (head(HEALTH, *(f"X-Header-{i}: {'v' * 50}" for i in range(200))), 431),
    "a body declared over 10 MB": (head(CREATE, JSON, f"Content-Length: {10 * MB + 1}"), 413),
    "a transfer coding other than chunked": (head(CREATE, JSON, "Transfer-Encoding: gzip") + b"{}", 501),
    "a malformed chunk size": (head(CREATE, JSON, "Transfer-Encoding: chunked") + b"zz\r\n{}\r\n0\r\n\r\n", 400),
    # A path, not a host: "//[x" made the URL parser raise (a 502 before).
    "a path starting with //[": (head("GET //[x/courses HTTP/1.1"), 404),
    "an absolute URL with a malformed host": (head("GET http://[x/health HTTP/1.1"), 400),
}


@pytest.mark.parametrize("raw, status", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_request_gets_a_json_error_and_the_server_keeps_serving(server, raw, status):
    reply = send_raw(server, raw)
    assert reply.status == status
    assert reply.headers["content-type"] == "application/json"
    assert set(reply.body) == {"message"} and reply.body["message"]
    assert int(reply.headers["content-length"]) == len(reply.raw)
    assert server.request("GET", "/health").status == 200


def test_the_path_is_the_request_targets_path_never_read_as_a_host(server):
    """RFC 9112 3.2: an origin-form target is a path, whose first segment may be empty: //x/courses
    is no route. The absolute form (a proxy's) is read for its path."""
    assert send_raw(server, head("GET //x/courses HTTP/1.1")).status == 404
    assert send_raw(server, head("GET //127.0.0.1/health HTTP/1.1")).status == 404
    assert send_raw(server, head(f"GET http://127.0.0.1:{server.port}/health HTTP/1.1")).status == 200


def test_answers_without_content_leave_the_connection_usable(server):
    """A 204 and a 304 carry no Content-Length (RFC 9110 8.6): the client frames them by their
    status, and the next request on the same connection gets its own answer."""
    name = unique("keep-alive")
    etag = server.request("POST", "/courses", {"name": name, "level": "beginner"}).headers["etag"]
    connection = HTTPConnection(server.host, server.port, timeout=30)
    try:
        answers = []
        for method, path, headers in [
            ("GET", path_of(name), {"If-None-Match": etag}),
            ("GET", "/health", {}),
            ("DELETE", path_of(name), {}),
            ("GET", path_of(name), {}),
        ]:
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            answers.append((response.status, response.getheader("Content-Length"), response.read()))
    finally:
        connection.close()

    assert [status for status, _, _ in answers] == [304, 200, 204, 404]
    for status, length, body in answers:
        assert (length, body) == ((None, b"") if status in (204, 304) else (str(len(body)), body)), status


def test_a_chunked_body_is_read_whole(server):
    name = unique("chunked")
    body = f'{{"name": "{name}", "level": "beginner"}}'.encode()
    chunks = [body[:5], body[5:20], body[20:]]
    encoded = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\nX-Trailer: t\r\n\r\n"
    created = send_raw(server, head(CREATE, JSON, "Transfer-Encoding: chunked") + encoded)
    assert created.status == 201 and created.body["name"] == name
    assert server.request("GET", path_of(name)).body == created.body


def test_a_chunked_body_over_10_mb_is_413(server):
    too_long = 10 * MB + 1
    raw = head(CREATE, JSON, "Transfer-Encoding: chunked")
    reply = send_raw(server, raw + b"%x\r\n" % too_long + b"a" * too_long)
    assert (reply.status, reply.body) == (413, {"message": "Request body too large"})
    assert server.request("GET", "/health").status == 200


@pytest.mark.parametrize("method, path", [("POST", "/courses"), ("PUT", "/courses/x")])
def test_a_body_that_is_not_utf8_is_422_writes_nothing_and_the_connection_stays_usable(server, method, path):
    name = unique("caf\xe9")
    body = f'{{"name": "{name}", "level": "beginner"}}'.encode("latin-1")  # é as one byte: not UTF-8
    raw = head(f"{method} {path} HTTP/1.1", JSON, f"Content-Length: {len(body)}") + body
    reply = send_raw(server, raw)
    assert (reply.status, reply.headers["content-type"]) == (422, "application/json")
    assert reply.body["message"] == "Request body is not valid UTF-8"
    assert reply.body["detail"] == [{"loc": ["body"], "type": "json_invalid"}]  # as for malformed JSON
    assert send_raw(server, raw, then=head(HEALTH)).status == 200  # the same connection goes on
    for stored_as in (name, name.replace("\xe9", "\ufffd")):
        assert server.request("GET", path_of(stored_as)).status == 404


def test_over_100_headers_within_api_gateways_size_are_accepted(server):
    reply = send_raw(server, head(HEALTH, *(f"X-{i}: {i}" for i in range(150))))
    assert (reply.status, reply.body) == (200, {"status": "ok"})


def test_expect_100_continue_gets_the_interim_response_then_the_answer(server):
    name = unique("expect")
    body = f'{{"name": "{name}", "level": "advanced"}}'.encode()
    raw = head(CREATE, JSON, f"Content-Length: {len(body)}", "Expect: 100-continue")
    with socket.create_connection((server.host, server.port), timeout=30) as connection:
        connection.sendall(raw)
        interim = connection.makefile("rb")
        assert interim.readline().startswith(b"HTTP/1.1 100 ")
        assert interim.readline() == b"\r\n"
        connection.sendall(body)
        response = HTTPResponse(connection)
        response.begin()
        assert response.status == 201
    assert server.request("GET", path_of(name)).status == 200


def test_the_access_log_names_route_templates_never_paths(dynalite):
    secret = unique("Secret course")
    local = LocalServer({"DYNAMODB_ENDPOINT": dynalite.endpoint, "TABLE_NAME": "courses-it"}, max_instances=1)
    try:
        assert local.request("POST", "/courses", {"name": secret, "level": "beginner"}).status == 201
        assert local.request("GET", path_of(secret)).status == 200
        assert local.request("PUT", path_of(secret), {"level": "advanced"}).status == 200
        assert local.request("GET", "/elsewhere/" + quote(secret, safe="")).status == 404
        assert send_raw(local, head("GET /courses/" + quote(secret) + " x HTTP/1.1")).status == 400
    finally:
        printed = local.stop()
    access = [line for line in printed.splitlines() if " localdev " in line]
    assert any("POST /courses 201" in line for line in access), printed
    assert any("GET /courses/{name} 200" in line for line in access), printed
    assert any("PUT /courses/{name} 200" in line for line in access), printed
    assert any("GET - 404" in line for line in access), printed
    assert any("- - 400" in line for line in access), printed
    for spelling in (secret, quote(secret, safe=""), quote(secret), secret.split()[-1]):
        assert spelling not in printed


def test_a_header_sent_on_two_lines_reaches_the_function_as_both_lines(server):
    """As API Gateway's multiValueHeaders: two If-Match lines are a list, which never matches."""
    name = unique("two lines")
    etag = server.request("POST", "/courses", {"name": name, "level": "beginner"}).headers["etag"]
    body = b'{"level": "advanced"}'
    target = "PUT " + path_of(name) + " HTTP/1.1"
    both = head(target, JSON, f"Content-Length: {len(body)}", f"If-Match: {etag}", f"If-Match: {etag}") + body
    assert send_raw(server, both).status == 412
    one = head(target, JSON, f"Content-Length: {len(body)}", f"If-Match: {etag}") + body
    assert send_raw(server, one).status == 200
