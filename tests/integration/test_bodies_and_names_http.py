"""Bodies, media types and the name policy over HTTP, through the local server against dynalite:
what a client sends as bytes on the wire."""

import json
import uuid
from urllib.parse import urljoin

import pytest

from tests.integration.http_support import path_of, unique


def test_a_body_over_16_kib_in_utf8_bytes_is_413_though_it_has_fewer_characters(server):
    name = unique()
    body = json.dumps({"name": name, "level": "beginner", "x": "\U0001f600" * 5000}, ensure_ascii=False)
    assert len(body) < 16 * 1024 < len(body.encode())

    reply = server.request("POST", "/courses", body.encode())

    assert reply.status == 413
    assert server.request("GET", path_of(name)).status == 404


def test_a_body_of_16_kib_of_multibyte_text_under_the_limit_is_read(server):
    name = unique("日本語")
    body = json.dumps({"name": name, "level": "beginner"}, ensure_ascii=False).encode()
    body += b" " * (16 * 1024 - len(body))

    assert server.request("POST", "/courses", body).status == 201


def test_a_number_of_5000_digits_is_422_not_a_500(server):
    name = unique()
    reply = server.request(
        "POST", "/courses", '{{"name": "{}", "level": "beginner", "n": {}}}'.format(name, "9" * 5000)
    )

    assert reply.status == 422
    assert [item["type"] for item in reply.body["detail"]] == ["json_invalid"]
    assert server.request("GET", path_of(name)).status == 404


@pytest.mark.parametrize(
    "content_type",
    [
        "application/jsonp",
        "application/json5",
        "application/json-patch+json",
        "application/json; charset=latin-1",
        # Values the email header parser raised on (a 500 before): not HTTP's syntax.
        "application/json; x*",
        "application/json; charset*",
        pytest.param("application/json; " + "(" * 2000, id="a run of ("),
    ],
)
def test_media_types_that_are_not_json_in_utf8_are_415(server, content_type):
    name = unique()
    body = json.dumps({"name": name, "level": "beginner"})

    reply = server.request("POST", "/courses", body, {"Content-Type": content_type})

    assert reply.status == 415
    assert server.request("GET", path_of(name)).status == 404


@pytest.mark.parametrize("etag", ['"384440ccc736000-1"', '"ffffffffffffffff-1"'], ids=["year 10000", "16 digits"])
def test_an_if_match_past_year_9999_is_412_for_a_course_and_404_without_one(server, etag):
    """Such an ETag names a time no datetime holds: it was never issued, so it matches nothing."""
    name = unique()
    assert server.request("POST", "/courses", {"name": name, "level": "beginner"}).status == 201

    assert server.request("PUT", path_of(name), {"level": "advanced"}, {"If-Match": etag}).status == 412
    assert server.request("DELETE", path_of(name), headers={"If-Match": etag}).status == 412
    assert server.request("GET", path_of(name), headers={"If-None-Match": etag}).status == 200
    assert server.request("DELETE", path_of(name)).status == 204
    assert server.request("PUT", path_of(name), {"level": "advanced"}, {"If-Match": etag}).status == 404
    assert server.request("DELETE", path_of(name), headers={"If-Match": etag}).status == 404


def test_nfc_and_nfd_names_are_one_course_over_http(server):
    suffix = uuid.uuid4().hex[:8]
    nfd, nfc = f"Cafe\u0301 {suffix}", f"Caf\u00e9 {suffix}"

    created = server.request("POST", "/courses", {"name": nfd, "level": "beginner"})
    again = server.request("POST", "/courses", {"name": nfc, "level": "advanced"})

    assert (created.status, created.body["name"], again.status) == (201, nfc, 409)
    assert urljoin("/courses", created.headers["location"]) == path_of(nfc)
    for spelling in (nfc, nfd):
        read = server.request("GET", path_of(spelling))
        assert (read.status, read.body) == (200, created.body)


@pytest.mark.parametrize("name", [".", "..", "Intro\u200bPython", "\u202eevil", "\u3164"])
def test_names_that_hide_or_are_dot_segments_are_422(server, name):
    assert server.request("POST", "/courses", {"name": name, "level": "beginner"}).status == 422


@pytest.mark.parametrize("segment", ["%2E", "%2E%2E", "Intro%E2%80%8BPython"])
def test_paths_of_such_names_are_404(server, segment):
    assert server.request("GET", "/courses/" + segment).status == 404
    assert server.request("PUT", "/courses/" + segment, {"level": "advanced"}).status == 404
