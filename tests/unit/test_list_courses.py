"""GET /courses: a page of courses in name order (code point order), optionally of one level, with
an opaque cursor to the next page; bad parameters are 422 naming the parameter, before any read."""

import base64
import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_service.edge.paths import course_path
from course_service.store.models import CourseItem
from course_service.store.reads import shown
from tests.unit.support import COURSE_FIELDS, LEVELS, TABLE_NAME

# In code point order, which is DynamoDB's (UTF-8 byte) order: upper case before lower case, then
# Latin-1, then the rest of the BMP (fullwidth forms at U+FFxx), then characters beyond it (which
# UTF-16, as JavaScript compares strings, would sort before U+E000).
NAMES_IN_ORDER = ["A", "B", "Z", "a", "a b", "aa", "b", "z", "~", "é", "Ω", "日本語", "ｚ", "￡", "🚀"]


@pytest.fixture
def listing(api):
    """GET /courses with these query parameters (None values left out)."""

    def list_courses(**params):
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return api("GET", "/courses", "/courses" + (f"?{query}" if query else ""))

    return list_courses


@pytest.fixture
def every_page(listing):
    """Follows next_cursor from the first page to the last; returns the pages' bodies."""

    def pages(limit=None, level=None, between_pages=lambda number: None) -> list[dict]:
        found, cursor = [], None
        for number in range(1000):  # bounded: a cursor that loops must fail the test, not hang it
            reply = listing(limit=limit, level=level, cursor=cursor)
            assert reply.status == 200, reply.body
            found.append(reply.body)
            cursor = reply.body["next_cursor"]
            if cursor is None:
                return found
            between_pages(number)
        raise AssertionError("next_cursor never became null")

    return pages


def names(pages: list[dict]) -> list[str]:
    return [item["name"] for page in pages for item in page["items"]]


def test_an_empty_catalogue_is_one_empty_last_page(table, listing):
    reply = listing()

    assert reply.status == 200
    assert reply.body == {"items": [], "next_cursor": None}


def test_a_page_is_exactly_items_and_next_cursor_each_item_as_get_shows_it(create, get, listing):
    create("Biology", "intermediate")
    create("Chemistry", "advanced")

    reply = listing()

    assert set(reply.body) == {"items", "next_cursor"}
    assert reply.body["next_cursor"] is None
    assert reply.body["items"] == [get("Biology").body, get("Chemistry").body]
    assert all(set(item) == COURSE_FIELDS for item in reply.body["items"])


def test_the_default_page_holds_20_courses(create, listing):
    for number in range(25):
        create(f"Course {number:02d}")

    first = listing()
    second = listing(cursor=first.body["next_cursor"])

    assert [item["name"] for item in first.body["items"]] == [f"Course {n:02d}" for n in range(20)]
    assert first.body["next_cursor"]
    assert [item["name"] for item in second.body["items"]] == [f"Course {n:02d}" for n in range(20, 25)]
    assert second.body["next_cursor"] is None


def test_courses_are_in_code_point_order_whatever_order_they_were_created_in(create, listing):
    for name in reversed(NAMES_IN_ORDER[::2]):
        create(name)
    for name in NAMES_IN_ORDER[1::2]:
        create(name)

    assert [item["name"] for item in listing(limit=100).body["items"]] == NAMES_IN_ORDER
    assert sorted(NAMES_IN_ORDER) == NAMES_IN_ORDER  # Python compares str by code point too


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 7, 15, 16, 100])
def test_following_next_cursor_gives_every_course_once_in_order_whatever_the_limit(create, every_page, limit):
    for name in NAMES_IN_ORDER:
        create(name)

    pages = every_page(limit=limit)

    assert names(pages) == NAMES_IN_ORDER
    assert all(len(page["items"]) == limit for page in pages[:-1])
    # null exactly on the last page, which is never empty unless the whole catalogue is
    assert pages[-1]["items"] and pages[-1]["next_cursor"] is None
    assert len(pages) == -(-len(NAMES_IN_ORDER) // limit)


def test_a_page_that_ends_the_catalogue_exactly_has_no_next_cursor(create, listing):
    for name in ("a", "b", "c", "d"):
        create(name)

    first = listing(limit=2)
    last = listing(limit=2, cursor=first.body["next_cursor"])

    assert [item["name"] for item in last.body["items"]] == ["c", "d"]
    assert last.body["next_cursor"] is None


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("limit", [1, 2, 5, 20])
def test_level_lists_only_that_level_in_order_across_pages(create, every_page, level, limit):
    expected = []
    for number, name in enumerate(NAMES_IN_ORDER):
        course_level = LEVELS[number % 3]
        create(name, course_level)
        if course_level == level:
            expected.append(name)

    pages = every_page(limit=limit, level=level)

    assert names(pages) == expected
    assert {item["level"] for page in pages for item in page["items"]} == {level}


def test_a_level_nobody_has_is_an_empty_last_page(create, listing):
    create("Biology", "beginner")

    assert listing(level="advanced").body == {"items": [], "next_cursor": None}


def test_courses_that_existed_throughout_are_listed_once_while_others_come_and_go(create, put, table, every_page):
    """Creates before and after the cursor's position, deletes of other courses, level changes: no
    duplicates, and every course that existed from the first page to the last is listed."""
    throughout = [f"keep {n:02d}" for n in range(0, 30, 2)]
    doomed = [f"keep {n:02d}" for n in range(1, 30, 2)]
    for name in throughout + doomed:
        create(name)
    created_meanwhile = []

    def meanwhile(number):
        for name in (f"a new {number}", f"keep {number:02d}.5", f"zz new {number}"):
            create(name)
            created_meanwhile.append(name)
        if number < len(doomed):
            table.delete_item(TableName=TABLE_NAME, Key={"name": {"S": doomed[number]}})  # behind the service's back
            put(throughout[-1 - number], LEVELS[number % 3])

    listed = names(every_page(limit=3, between_pages=meanwhile))

    assert len(listed) == len(set(listed))
    assert set(throughout) <= set(listed)
    assert set(listed) <= set(throughout + doomed + created_meanwhile)
    assert listed == sorted(listed)


def test_a_level_change_moves_a_course_to_the_other_level_list(create, put, listing):
    create("Biology", "beginner")
    put("Biology", "advanced")

    assert listing(level="beginner").body["items"] == []
    assert [item["name"] for item in listing(level="advanced").body["items"]] == ["Biology"]
    assert [item["level"] for item in listing().body["items"]] == ["advanced"]


def test_next_cursor_is_url_safe_and_does_not_show_the_name_in_clear(create, listing):
    for name in ("Café 1", "Café 2"):
        create(name)

    cursor = listing(limit=1).body["next_cursor"]

    assert cursor and set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "Caf" not in cursor and len(cursor) <= 1024


# --- bad parameters: 422 naming the parameter, and nothing read ---------------------------------


def assert_422_at(reply, parameter: str) -> None:
    assert reply.status == 422, (reply.status, reply.body)
    assert reply.body["message"] == "Request is invalid"
    assert [item["loc"] for item in reply.body["detail"]] == [["query", parameter]]
    assert all(set(item) == {"loc", "type"} for item in reply.body["detail"])


def assert_cursor_invalid(reply) -> None:
    """A refused cursor, whatever is wrong with it, is one detail item of one type."""
    assert (reply.status, reply.body) == (
        422,
        {"message": "Request is invalid", "detail": [{"loc": ["query", "cursor"], "type": "cursor_invalid"}]},
    )


@pytest.mark.parametrize("limit", ["0", "101", "-1", "1000000000000000000000", "abc", "1.5", "2e1", "", " ", "0x10"])
def test_a_limit_out_of_range_or_not_an_integer_is_422(table, listing, dynamodb, limit):
    assert_422_at(listing(limit=limit), "limit")
    assert dynamodb.operations == []


# Pydantic's lax integer parsing reads each of these as an integer from 1 to 100.
NOT_PLAIN_INTEGERS = ["5.0", "1_0", "+5", " 5 ", "5 ", "\t5", "5\n", "٥", "５", "1" + "0" * 5000]


@pytest.mark.parametrize("limit", NOT_PLAIN_INTEGERS, ids=repr)
def test_a_limit_that_is_not_plain_ascii_digits_is_422_int_parsing(table, listing, dynamodb, limit):
    reply = listing(limit=limit)

    assert_422_at(reply, "limit")
    assert reply.body["detail"][0]["type"] in ("int_parsing", "int_parsing_size")
    assert dynamodb.operations == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    limit=st.builds(
        lambda before, number, after: f"{before}{number}{after}",
        st.sampled_from(["", "", " ", "+", "-", "0", "\t", "٥"]),
        st.integers(min_value=0, max_value=150),
        st.sampled_from(["", "", " ", ".0", "_0", "0", "\n", "e0", ".", "５"]),
    )
    | st.text(max_size=4)
)
def test_a_limit_is_a_page_exactly_when_it_is_ascii_digits_from_1_to_100(table, listing, limit):
    reply = listing(limit=limit)

    plain = limit.isascii() and limit.isdigit() and 1 <= int(limit) <= 100
    assert reply.status == (200 if plain else 422), (limit, reply.body)


@pytest.mark.parametrize("limit", ["1", "100", "050"])
def test_a_limit_from_1_to_100_is_accepted(table, listing, limit):
    assert listing(limit=limit).status == 200


@pytest.mark.parametrize("level", ["expert", "Beginner", "BEGINNER", " beginner", "", "beginner,advanced", "null"])
def test_an_unknown_level_is_422(table, listing, dynamodb, level):
    assert_422_at(listing(level=level), "level")
    assert dynamodb.operations == []


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def forged(payload) -> str:
    return b64(json.dumps(payload, separators=(",", ":")).encode())


@pytest.fixture
def issued(create, listing) -> dict[str | None, str]:
    """Cursors the service issued: level -> the next_cursor of the first page of one course."""
    for number, level in enumerate(LEVELS * 2):
        create(f"Course {number}", level)
    cursors = {level: listing(limit=1, level=level).body["next_cursor"] for level in (None, *LEVELS)}
    assert all(cursors.values())
    return cursors


NOT_ISSUED = {
    "garbage": "!!!not a cursor!!!",
    "empty": "",
    "spaces": "   ",
    "standard base64 alphabet": base64.b64encode(b'{"v":1}\xfb\xff').decode(),
    "over 1 KB": "A" * 1025,
    "not UTF-8": b64(b"\xff\xfe\xfd"),
    "not JSON": b64(b"hello"),
    "JSON, not an object": forged(["Course 1"]),
    "a raw DynamoDB key": forged({"name": {"S": "Course 1"}, "catalogue": {"S": "courses"}}),
    "raw DynamoDB key, in clear": json.dumps({"name": {"S": "Course 1"}}),
    "a name in clear": "Course 1",
    "unknown version": forged({"v": 2, "after": "Course 1", "level": None}),
    "version as a string": forged({"v": "1", "after": "Course 1", "level": None}),
    "version true": forged({"v": True, "after": "Course 1", "level": None}),
    "version 1.0": forged({"v": 1.0, "after": "Course 1", "level": None}),
    "missing level": forged({"v": 1, "after": "Course 1"}),
    "an extra key": forged({"v": 1, "after": "Course 1", "level": None, "x": 1}),
    "name not a string": forged({"v": 1, "after": 5, "level": None}),
    "empty name": forged({"v": 1, "after": "", "level": None}),
    "name with a slash": forged({"v": 1, "after": "a/b", "level": None}),
    "name with a control character": forged({"v": 1, "after": "a\x00b", "level": None}),
    "name too long": forged({"v": 1, "after": "x" * 101, "level": None}),
    "untrimmed name": forged({"v": 1, "after": " Course 1", "level": None}),
    "unknown level": forged({"v": 1, "after": "Course 1", "level": "expert"}),
    "lone surrogate": b64(b'{"v":1,"after":"\\ud800","level":null}'),
    "nested as deep as 1 KB allows": b64(b"[" * 380 + b"]" * 380),
    "huge number": forged({"v": 10**400, "after": "Course 1", "level": None}),
}


@pytest.mark.parametrize("cursor", NOT_ISSUED.values(), ids=NOT_ISSUED.keys())
def test_a_cursor_the_service_did_not_issue_is_422_and_never_reaches_dynamodb(issued, listing, dynamodb, cursor):
    dynamodb.calls.clear()

    assert_cursor_invalid(listing(cursor=cursor))
    assert dynamodb.operations == []


def test_a_truncated_or_altered_cursor_is_422(issued, listing, dynamodb):
    cursor = issued[None]
    dynamodb.calls.clear()

    for bad in {cursor[:-1], cursor[:-4], cursor[: len(cursor) // 2], cursor[1:], cursor + "A", cursor + "="}:
        assert_cursor_invalid(listing(cursor=bad))
    assert dynamodb.operations == []


@pytest.mark.parametrize("issued_for", [None, *LEVELS])
@pytest.mark.parametrize("used_with", [None, *LEVELS])
def test_a_cursor_works_only_with_the_level_it_was_issued_for(issued, listing, issued_for, used_with):
    reply = listing(level=used_with, cursor=issued[issued_for])

    if issued_for == used_with:
        assert reply.status == 200
    else:
        assert_cursor_invalid(reply)


@pytest.mark.parametrize(
    "query, parameter",
    [("limit=5&limit=5", "limit"), ("level=beginner&level=beginner", "level"), ("cursor=a&cursor=a", "cursor")],
)
def test_a_parameter_given_twice_is_422(table, api, dynamodb, query, parameter):
    assert_422_at(api("GET", "/courses", "/courses?" + query), parameter)
    assert dynamodb.operations == []


def test_unknown_parameters_are_ignored_and_names_are_case_sensitive(create, listing):
    create("Biology")

    reply = listing(LIMIT="0", Level="expert", page="2")

    assert reply.status == 200 and [item["name"] for item in reply.body["items"]] == ["Biology"]


def test_every_bad_parameter_is_named(table, listing):
    reply = listing(limit="0", level="expert", cursor="garbage")

    assert reply.status == 422
    assert {tuple(item["loc"]) for item in reply.body["detail"]} >= {("query", "limit"), ("query", "level")}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cursor=st.one_of(
        st.text(max_size=300),
        st.binary(max_size=300).map(b64),
        st.builds(
            forged,
            st.dictionaries(
                st.sampled_from(["v", "after", "level", "x"]),
                st.one_of(st.none(), st.integers(), st.text(max_size=5), st.sampled_from(LEVELS)),
                max_size=4,
            ),
        ),
    )
)
def test_any_cursor_is_a_page_or_a_422_never_a_5xx(issued, listing, cursor):
    reply = listing(cursor=cursor)

    assert reply.status in (200, 422), reply.body
    if reply.status == 422:
        assert_cursor_invalid(reply)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(["limit", "level", "cursor"]),
        st.text(max_size=20) | st.sampled_from(["5", "100", "beginner", "", " ", "+5", "5.0"]),
    )
)
def test_any_query_values_get_a_page_or_a_422_naming_only_the_refused_ones(table, listing, params):
    reply = listing(**params)

    assert reply.status in (200, 422), (params, reply.body)
    if reply.status == 422:
        assert {item["loc"][1] for item in reply.body["detail"]} <= set(params), params
        assert all(item["type"] == "cursor_invalid" for item in reply.body["detail"] if item["loc"][1] == "cursor")


def test_a_cursor_given_twice_is_cursor_invalid(table, api, dynamodb):
    assert_cursor_invalid(api("GET", "/courses", "/courses?cursor=a&cursor=a"))
    assert dynamodb.operations == []


def test_a_hand_made_cursor_of_the_issued_shape_is_just_a_starting_name(create, listing):
    """Cursors are checked, not signed: one made by hand in the issued shape starts after its name,
    which shows nothing that paging from the start would not."""
    for name in ("a", "b", "c"):
        create(name)

    reply = listing(cursor=forged({"v": 1, "after": "a", "level": None}))

    assert [item["name"] for item in reply.body["items"]] == ["b", "c"]


def test_a_cursor_still_works_after_its_course_is_deleted(create, table, listing):
    for name in ("a", "b", "c"):
        create(name)
    cursor = listing(limit=1).body["next_cursor"]
    table.delete_item(TableName=TABLE_NAME, Key={"name": {"S": "a"}})

    assert [item["name"] for item in listing(cursor=cursor).body["items"]] == ["b", "c"]


def test_listing_never_changes_a_course(create, get, listing, stored):
    create("Biology")
    before = stored()

    listing()

    assert stored() == before
    assert get("Biology").status == 200


def test_the_item_path_of_a_listed_course_reads_it(create, get, listing):
    create("50% off + more")  # a name percent-encoding has to carry
    [item] = listing().body["items"]

    assert get(item["name"]).body == item
    assert course_path(item["name"]) == "/courses/50%25%20off%20%2B%20more"


def test_the_longest_cursor_fits_in_1_kb_and_leads_on(create, listing):
    """The longest name (100 characters of 4 UTF-8 bytes each) with the longest level."""
    first, second = "🚀" * 100, "🛸" * 100
    create(first, "intermediate")
    create(second, "intermediate")

    cursor = listing(limit=1, level="intermediate").body["next_cursor"]
    following = listing(limit=1, level="intermediate", cursor=cursor)

    assert len(cursor) <= 1024
    assert [item["name"] for item in following.body["items"]] == [second]


def test_the_cursor_is_checked_only_once_limit_and_level_pass(table, listing, dynamodb):
    reply = listing(limit="500", level="expert", cursor="nope")

    assert (reply.status, reply.body) == (
        422,
        {
            "message": "Request is invalid",
            "detail": [
                {"loc": ["query", "limit"], "type": "less_than_equal"},
                {"loc": ["query", "level"], "type": "literal_error"},
            ],
        },
    )
    assert_422_at(listing(cursor="nope"), "cursor")
    assert dynamodb.operations == []


def test_a_refused_cursor_is_one_detail_item_of_type_cursor_invalid(table, listing):
    reply = listing(cursor="not-a-cursor")

    assert reply.status == 422
    assert reply.body["detail"] == [{"loc": ["query", "cursor"], "type": "cursor_invalid"}]


@settings(max_examples=200, deadline=None)
@given(
    name=st.text(min_size=1, max_size=100),
    level=st.sampled_from(LEVELS),
    created_at=st.datetimes(timezones=st.just(UTC)),
    updated_at=st.datetimes(timezones=st.just(UTC)),
    version=st.integers(min_value=1, max_value=2**53),
    tokens=st.lists(st.uuids().map(str) | st.just("-"), max_size=5),
)
def test_a_page_and_a_get_show_each_course_as_the_model_reads_its_item(
    name, level, created_at, updated_at, version, tokens
):
    # reads.shown takes a Query's or a GetItem's item apart without building a CourseItem (it is
    # faster): what it reads must be what PynamoDB's model reads from the same item.
    stored = CourseItem(name, level=level, created_at=created_at, updated_at=updated_at, version=version)
    stored.created_by, stored.write_token, stored.write_token_1, stored.write_token_2, stored.write_token_3 = (
        tokens + [None] * 5
    )[:5]
    item = stored.serialize()

    model = CourseItem.from_raw_data(item)

    assert shown(item) == (model.name, model.level, model.created_at, model.updated_at, model.version)
    assert [type(value) for value in shown(item)] == [str, str, datetime, datetime, int]
    assert shown(item).revision == model.revision
