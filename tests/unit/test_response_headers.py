"""Headers every response carries, whichever function and whatever status: X-Content-Type-Options,
a Content-Security-Policy that allows nothing (JSON is never a page), and, with CORS_ALLOW_ORIGIN set
(template parameter CorsAllowOrigin), the CORS headers a browser needs to read the answer."""

import dataclasses

import pytest

from course_service.common import settings
from course_service.core import courses
from course_service.core.errors import StoreUnavailable

ORIGIN = "https://app.example.com"
DENY_ALL = "default-src 'none'; frame-ancestors 'none'"


def explode(*args, **kwargs):
    raise RuntimeError("kaboom")


def unavailable(*args, **kwargs):
    raise StoreUnavailable()


@pytest.fixture
def replies(api, create, monkeypatch):
    """One reply of each kind: success, 4xx, 500 and 503, through the resolver and through health."""

    def collect() -> dict[str, object]:
        collected = {
            "201 create": create("Chemistry"),
            "200 get": api("GET", "/courses/{name}", "/courses/Chemistry"),
            "200 update": api("PUT", "/courses/{name}", "/courses/Chemistry", {"level": "advanced"}),
            "200 health": api("GET", "/health"),
            "404 get": api("GET", "/courses/{name}", "/courses/Nope"),
            "409 create": api("POST", "/courses", body={"name": "Chemistry", "level": "beginner"}),
            "415 create": api("POST", "/courses", body="x", headers={"Content-Type": "text/plain"}),
            "422 create": api("POST", "/courses", body={"name": ""}),
        }
        with monkeypatch.context() as patch:
            patch.setattr(courses, "get", explode)
            patch.setattr(courses, "check_store", explode)
            collected["500 get"] = api("GET", "/courses/{name}", "/courses/Chemistry")
            collected["500 health"] = api("GET", "/health")
        with monkeypatch.context() as patch:
            patch.setattr(courses, "get", unavailable)
            patch.setattr(courses, "check_store", unavailable)
            collected["503 get"] = api("GET", "/courses/{name}", "/courses/Chemistry")
            collected["503 health"] = api("GET", "/health")
        assert {kind: reply.status for kind, reply in collected.items()} == {
            kind: int(kind.split()[0]) for kind in collected
        }
        return collected

    return collect


def test_every_response_is_nosniff_and_allows_no_content(replies):
    for kind, reply in replies().items():
        assert reply.headers["x-content-type-options"] == "nosniff", kind
        assert reply.headers["content-security-policy"] == DENY_ALL, kind


def test_without_an_origin_no_response_carries_cors_headers(replies, monkeypatch):
    monkeypatch.setattr(settings, "current", dataclasses.replace(settings.current, cors_allow_origin=""))
    for kind, reply in replies().items():
        assert not [name for name in reply.headers if name.startswith("access-control-")], kind


def test_with_an_origin_every_response_lets_that_origin_read_it_with_etag_and_location(replies, monkeypatch):
    monkeypatch.setattr(settings, "current", dataclasses.replace(settings.current, cors_allow_origin=ORIGIN))
    for kind, reply in replies().items():
        assert reply.headers["access-control-allow-origin"] == ORIGIN, kind
        exposed = {name.strip().lower() for name in reply.headers["access-control-expose-headers"].split(",")}
        assert exposed == {"etag", "location", "retry-after"}, kind


def test_the_functions_own_headers_are_kept(replies, monkeypatch):
    monkeypatch.setattr(settings, "current", dataclasses.replace(settings.current, cors_allow_origin=ORIGIN))
    collected = replies()
    assert collected["201 create"].headers["location"] == "courses/Chemistry"
    assert collected["200 update"].headers["etag"] not in (None, collected["201 create"].headers["etag"])
    assert collected["503 health"].headers["retry-after"] == "1"
    assert collected["200 get"].headers["content-type"] == "application/json"


def test_cors_origin_is_read_from_the_environment_the_template_sets():
    from localdev.template import function_environment

    assert function_environment()["CORS_ALLOW_ORIGIN"] == {"Ref": "CorsAllowOrigin"}
    assert settings.current.cors_allow_origin == ""  # the tests set none: CORS off, as the default stack
