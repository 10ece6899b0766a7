"""The contract, over HTTP, through the local server against dynalite."""

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urljoin

import pytest

from localdev.processes import free_port
from localdev.server_process import LocalServer
from tests.integration.http_support import path_of, unique
from tests.root import ROOT

COURSE_FIELDS = {"name", "level", "created_at", "updated_at"}


def test_a_course_created_over_http_reads_back_at_its_location_and_a_stale_if_match_is_412(server):
    name = unique()
    created = server.request("POST", "/courses", {"name": f"  {name} ", "level": "beginner"})
    assert created.status == 201
    assert set(created.body) == COURSE_FIELDS
    assert created.body["name"] == name
    assert urljoin("/courses", created.headers["location"]) == path_of(name)
    assert created.headers["content-type"] == "application/json"

    read = server.request("GET", urljoin("/courses", created.headers["location"]))
    assert read.status == 200
    assert read.body == created.body
    assert read.headers["etag"] == created.headers["etag"]

    updated = server.request("PUT", path_of(name), {"level": "advanced"}, {"If-Match": read.headers["etag"]})
    assert updated.status == 200
    assert updated.body["level"] == "advanced"
    assert updated.body["created_at"] == created.body["created_at"]
    assert updated.body["updated_at"] > created.body["updated_at"]
    assert updated.headers["etag"] != read.headers["etag"]

    stale = server.request("PUT", path_of(name), {"level": "beginner"}, {"If-Match": read.headers["etag"]})
    assert stale.status == 412
    assert server.request("GET", path_of(name)).body["level"] == "advanced"


def test_duplicate_create_is_409_and_keeps_the_stored_course(server):
    name = unique()
    first = server.request("POST", "/courses", {"name": name, "level": "beginner"})
    again = server.request("POST", "/courses", {"name": name, "level": "advanced"})
    assert (first.status, again.status) == (201, 409)
    assert set(again.body) == {"message"}
    assert server.request("GET", path_of(name)).body == first.body


@pytest.mark.parametrize("special", ["100%", "a+b", "x=y", "semi;colon", "two words", "Café ü", "日本語", "%41"])
def test_names_with_reserved_and_non_ascii_characters_round_trip(server, special):
    name = unique(special)
    assert server.request("POST", "/courses", {"name": name, "level": "intermediate"}).status == 201
    read = server.request("GET", path_of(name))
    assert read.status == 200 and read.body["name"] == name
    updated = server.request("PUT", path_of(name), {"level": "advanced"})
    assert updated.status == 200 and updated.body["name"] == name


def test_missing_course_is_404_for_get_and_put_and_put_never_creates(server):
    name = unique("ghost")
    assert server.request("GET", path_of(name)).status == 404
    assert server.request("PUT", path_of(name), {"level": "advanced"}).status == 404
    assert server.request("GET", path_of(name)).status == 404


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "",
        "[]",
        '"text"',
        "42",
        "null",
        {"name": "x"},
        {"name": "x", "level": "expert"},
        {"name": "x", "level": "beginner", "id": 1},
        {"name": 5, "level": "beginner"},
    ],
)
def test_unacceptable_bodies_are_422_with_detail_and_write_nothing(server, body):
    reply = server.request("POST", "/courses", body)
    assert reply.status == 422
    assert reply.headers["content-type"] == "application/json"
    assert reply.body["detail"] and all({"loc", "type"} <= set(item) for item in reply.body["detail"])
    assert server.request("GET", path_of("x")).status == 404


def test_sixteen_parallel_creates_of_one_name_give_one_201_and_fifteen_409(server):
    name = unique("race")
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(
            pool.map(
                lambda _: server.request("POST", "/courses", {"name": name, "level": "beginner"}).status, range(16)
            )
        )
    assert sorted(statuses) == [201] + [409] * 15


def test_parallel_puts_with_the_same_if_match_give_exactly_one_200(server):
    name = unique("race")
    etag = server.request("POST", "/courses", {"name": name, "level": "beginner"}).headers["etag"]
    levels = ["intermediate", "advanced"] * 6
    with ThreadPoolExecutor(max_workers=12) as pool:
        replies = list(
            pool.map(lambda level: server.request("PUT", path_of(name), {"level": level}, {"If-Match": etag}), levels)
        )
    assert sorted(r.status for r in replies) == [200] + [412] * 11
    winner = next(r for r in replies if r.status == 200)
    assert server.request("GET", path_of(name)).body == winner.body


def test_health_is_ok_when_the_table_answers(server):
    reply = server.request("GET", "/health")
    assert (reply.status, reply.body) == (200, {"status": "ok"})


def test_unknown_routes_and_methods_answer_json(server):
    assert server.request("GET", "/nowhere").status == 404
    wrong_method = server.request("PATCH", path_of("x"))
    assert wrong_method.status == 405
    assert set(wrong_method.headers["allow"].split(", ")) == {"GET", "PUT", "DELETE"}
    assert server.request("GET", "/courses/").status == 404  # empty name segment


def test_an_unreachable_dynamodb_gives_503_with_retry_after():
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    server = LocalServer({"DYNAMODB_ENDPOINT": closed, "TABLE_NAME": "courses-it", "DYNAMODB_MAX_RETRIES": "0"})
    try:
        for method, path, body in [
            ("GET", "/health", None),
            ("POST", "/courses", {"name": "x", "level": "beginner"}),
            ("GET", path_of("x"), None),
            ("PUT", path_of("x"), {"level": "advanced"}),
        ]:
            reply = server.request(method, path, body)
            assert reply.status == 503, (method, path)
            assert reply.headers["retry-after"].isdigit()
            assert "127.0.0.1" not in reply.raw.decode()
    finally:
        server.stop()


def test_embedded_dynamodb_keeps_courses_across_restarts(tmp_path):
    """What `make run` does without DYNAMODB_ENDPOINT: its own dynalite, data in a folder."""
    env = {"DYNAMODB_ENDPOINT": "", "TABLE_NAME": "courses-persist"}
    first = LocalServer(env, data_dir=tmp_path / "data")
    try:
        created = first.request("POST", "/courses", {"name": "Persistent", "level": "beginner"})
        assert created.status == 201
    finally:
        printed = first.stop()
    assert "/courses/{name}" in printed  # it printed its routes
    second = LocalServer(env, data_dir=tmp_path / "data")
    try:
        assert second.request("GET", "/courses/Persistent").body == created.body
    finally:
        second.stop()


def test_local_server_serves_swagger_ui_over_the_openapi_document(server):
    page = server.request("GET", "/docs")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "docs/swagger-ui-bundle.min.js" in page.raw.decode()
    script = server.request("GET", "/docs/swagger-ui-bundle.min.js")
    assert script.status == 200 and script.headers["content-type"].startswith("text/javascript")
    assert 'url: "openapi.json"' in server.request("GET", "/docs/swagger-initializer.js").raw.decode()
    document = server.request("GET", "/openapi.json")
    assert (document.status, document.headers["content-type"]) == (200, "application/json")
    assert document.raw.decode() == (ROOT / "openapi.json").read_text()


def test_a_trailing_slash_or_an_extra_segment_names_no_route(server):
    name = unique()
    assert server.request("POST", "/courses", {"name": name, "level": "beginner"}).status == 201
    for path in (path_of(name) + "/", path_of(name) + "/extra", "/courses//" + quote(name, safe=""), "/health/"):
        reply = server.request("GET", path)
        assert reply.status == 404 and reply.body == {"message": "Not found"}, path


def test_service_recovers_when_dynamodb_comes_back(tmp_path):
    """DynamoDB down at first (nothing listens on its port): 503; once it answers, requests succeed."""
    from localdev.dynamodb import Dynalite, ensure_table

    port = free_port()
    env = {"DYNAMODB_ENDPOINT": f"http://127.0.0.1:{port}", "TABLE_NAME": "courses-back", "DYNAMODB_MAX_RETRIES": "0"}
    server = LocalServer(env)
    try:
        assert server.request("POST", "/courses", {"name": "Back", "level": "beginner"}).status == 503
        with Dynalite(port=port) as dynamodb:
            ensure_table(dynamodb.endpoint, "courses-back")
            assert server.request("POST", "/courses", {"name": "Back", "level": "beginner"}).status == 201
            assert server.request("GET", "/courses/Back").status == 200
    finally:
        server.stop()


def test_racing_deletes_of_one_course_give_one_204_and_404s(server):
    name = unique("doomed")
    assert server.request("POST", "/courses", {"name": name, "level": "beginner"}).status == 201

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: server.request("DELETE", path_of(name)).status, range(8)))

    assert statuses == [204] + [404] * 7
    assert server.request("GET", path_of(name)).status == 404


def test_an_etag_kept_from_a_deleted_course_does_not_match_the_course_created_again(server):
    name = unique("reborn")
    old = server.request("POST", "/courses", {"name": name, "level": "beginner"}).headers["etag"]
    assert server.request("DELETE", path_of(name)).status == 204
    new = server.request("POST", "/courses", {"name": name, "level": "beginner"}).headers["etag"]

    assert new != old
    assert server.request("PUT", path_of(name), {"level": "advanced"}, {"If-Match": old}).status == 412
    assert server.request("DELETE", path_of(name), headers={"If-Match": old}).status == 412
    assert server.request("DELETE", path_of(name), headers={"If-Match": new}).status == 204


def test_a_long_if_none_match_list_is_answered_and_the_store_keeps_answering(server):
    """dynalite evaluates a condition of many clauses in exponential time (16 stopped it answering
    anyone): a list longer than two ETags is checked against a read, never sent as a condition."""
    name = unique("listed")
    etag = server.request("POST", "/courses", {"name": name, "level": "beginner"}).headers["etag"]
    others = [f'W/"{n:x}-{n}"' for n in range(1, 13)]  # 12: in a condition, dynalite would take minutes

    named = server.request("PUT", path_of(name), {"level": "advanced"}, {"If-None-Match": ", ".join([*others, etag])})
    not_named = server.request("PUT", path_of(name), {"level": "advanced"}, {"If-None-Match": ", ".join(others)})

    assert (named.status, not_named.status) == (412, 200)
    assert server.request("GET", "/courses?limit=1").status == 200


def test_an_answer_without_a_content_type_gets_the_one_api_gateway_adds(server):
    """DELETE's 204 has no Content-Type from the function; API Gateway (REST, proxy integration) then
    sends application/json, and so do `sam local start-api` and this server (tests/sam_local)."""
    name = unique("untyped")
    assert server.request("POST", "/courses", {"name": name, "level": "beginner"}).status == 201

    reply = server.request("DELETE", path_of(name))

    assert (reply.status, reply.headers.get("content-type"), reply.raw) == (204, "application/json", b"")
    assert "content-length" not in reply.headers  # RFC 9110 8.6: never on a 204
