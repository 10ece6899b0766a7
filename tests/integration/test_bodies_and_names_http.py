"""The name policy over HTTP, through the local server against dynalite: what a client sends as
bytes on the wire."""

import uuid
from urllib.parse import quote

import pytest


def unique(prefix: str = "course") -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def path_of(name: str) -> str:
    return "/courses/" + quote(name, safe="")


def test_nfc_and_nfd_names_are_one_course_over_http(server):
    suffix = uuid.uuid4().hex[:8]
    nfd, nfc = f"Cafe\u0301 {suffix}", f"Caf\u00e9 {suffix}"

    created = server.request("POST", "/courses", {"name": nfd, "level": "beginner"})
    again = server.request("POST", "/courses", {"name": nfc, "level": "advanced"})

    assert (created.status, created.body["name"], again.status) == (201, nfc, 409)
    assert created.headers["location"] == path_of(nfc)
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
