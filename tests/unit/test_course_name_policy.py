"""The name policy, in a body and in a path alike: names that look identical are one course, and a
name cannot hide itself or what it is.

- Spaces (category Zs) become U+0020 and the name is normalised to NFC (RFC 8265, 8264): NFC and
  NFD "Café" are one name, stored in NFC.
- Refused (422 in a body, 404 in a path): invisible or unassigned code points (categories Cc, Cf,
  Cs, Co, Cn, Zl, Zp, and every Default_Ignorable_Code_Point, e.g. variation selectors and Hangul
  fillers), a combining mark first, and the names "." and "..", which URL resolution treats as
  path steps.
"""

import unicodedata
from urllib.parse import urljoin

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from course_service.core.errors import CourseNotFound
from course_service.core.names import canonical_name, is_course_name, is_hidden
from course_service.core.schemas import CourseName
from course_service.edge.paths import course_name_from_path, course_path
from course_service.store.models import CourseItem
from tests.unit.support import CLOCK_START

NFC_CAFE = "Caf\u00e9"
NFD_CAFE = "Cafe\u0301"


def test_nfc_and_nfd_spellings_are_two_strings_for_python():
    assert NFC_CAFE != NFD_CAFE and unicodedata.normalize("NFC", NFD_CAFE) == NFC_CAFE


@pytest.mark.parametrize("first, second", [(NFC_CAFE, NFD_CAFE), (NFD_CAFE, NFC_CAFE)], ids=["NFC first", "NFD first"])
def test_nfc_and_nfd_names_are_one_course(create, api, stored, first, second):
    created = create(first)

    again = api("POST", "/courses", body={"name": second, "level": "advanced"})

    assert created.body["name"] == NFC_CAFE
    assert urljoin("/courses", created.headers["location"]) == "/courses/Caf%C3%A9"
    assert again.status == 409
    assert list(stored()) == [NFC_CAFE]


@pytest.mark.parametrize("spelling", [NFC_CAFE, NFD_CAFE], ids=["NFC path", "NFD path"])
def test_either_spelling_in_a_path_finds_the_course(create, get, put, spelling):
    create(NFD_CAFE, "beginner")

    assert (get(spelling).status, get(spelling).body["name"]) == (200, NFC_CAFE)
    assert (put(spelling, "advanced").status, get(NFC_CAFE).body["level"]) == (200, "advanced")


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("Intro\u00a0to Python", "Intro to Python"),  # no-break space
        ("Intro\u3000to\u2003Python", "Intro to Python"),  # ideographic, em space
        ("Intro\u202fto\u205fPython", "Intro to Python"),  # narrow no-break, medium mathematical space
        ("\u00c5ngstr\u00f6m", "\u00c5ngstr\u00f6m"),
        ("A\u030angstro\u0308m", "\u00c5ngstr\u00f6m"),  # decomposed
        ("\u212bngstr\u00f6m", "\u00c5ngstr\u00f6m"),  # ANGSTROM SIGN: canonically the letter
        ("\u1100\u1161", "\uac00"),  # conjoining Hangul jamo compose
    ],
)
def test_names_are_stored_with_plain_spaces_in_nfc(create, api, stored, sent, kept):
    assert create(sent).body["name"] == kept
    assert api("POST", "/courses", body={"name": kept, "level": "beginner"}).status == 409
    assert list(stored()) == [kept]


@pytest.mark.parametrize(
    "name",
    [
        "ﬁle",  # a compatibility ligature is not the letters f, i: NFC, not NFKC
        "Ｃａｆé",  # fullwidth letters
        "Math²",
        "日本語コース",
        "🚀 rockets",
        "مقدمة في البرمجة",
        "מבוא",
        "हिन्दी",  # combining marks after a letter
        "C++ & Go",
        "...",
        ".hidden",
        "a.",
        "q\u0301",  # a combining mark after a letter (no precomposed q with acute)
        "\u00e9\u0301",  # a letter with two accents
    ],
)
def test_visible_names_are_accepted_as_written(create, get, name):
    assert create(name).body["name"] == name
    assert get(name).status == 200


# Invisible or unassigned code points: 422 anywhere in a name, even alone or among spaces.
REFUSED_CHARACTERS = {
    "U+200B zero width space (Cf)": "\u200b",
    "U+200C zero width non-joiner (Cf)": "\u200c",
    "U+200D zero width joiner (Cf)": "\u200d",
    "U+200E left-to-right mark (Cf)": "\u200e",
    "U+202E right-to-left override (Cf)": "\u202e",
    "U+2066 left-to-right isolate (Cf)": "\u2066",
    "U+2060 word joiner (Cf)": "\u2060",
    "U+FEFF zero width no-break space (Cf)": "\ufeff",
    "U+00AD soft hyphen (Cf)": "\u00ad",
    "U+061C Arabic letter mark (Cf)": "\u061c",
    "U+180E Mongolian vowel separator (Cf)": "\u180e",
    "U+E0041 tag latin capital A (Cf)": "\U000e0041",
    "U+2028 line separator (Zl)": "\u2028",
    "U+2029 paragraph separator (Zp)": "\u2029",
    "U+E000 private use (Co)": "\ue000",
    "U+F0000 private use, plane 15 (Co)": "\U000f0000",
    "U+0378 unassigned (Cn)": "\u0378",
    "U+FDD0 noncharacter (Cn)": "\ufdd0",
    "U+E0080 unassigned default ignorable (Cn)": "\U000e0080",
    "U+034F combining grapheme joiner (Mn, ignorable)": "\u034f",
    "U+FE0F variation selector 16 (Mn, ignorable)": "\ufe0f",
    "U+FE00 variation selector 1 (Mn, ignorable)": "\ufe00",
    "U+E0100 variation selector 17 (Mn, ignorable)": "\U000e0100",
    "U+180B Mongolian free variation selector (Mn, ignorable)": "\u180b",
    "U+17B4 Khmer inherent vowel (Mn, ignorable)": "\u17b4",
    "U+3164 Hangul filler (Lo, ignorable)": "\u3164",
    "U+115F Hangul choseong filler (Lo, ignorable)": "\u115f",
    "U+FFA0 halfwidth Hangul filler (Lo, ignorable)": "\uffa0",
}
REFUSED_NAMES = {
    **{f"{label} inside": f"Intro{char}Python" for label, char in REFUSED_CHARACTERS.items()},
    **{f"{label} alone": char for label, char in REFUSED_CHARACTERS.items()},
    "a combining mark first": "\u0301Intro",
    "an enclosing mark first": "\u20ddIntro",
    "a combining mark first, after trimmed spaces": "  \u0301Intro",
    "bidi override hiding a reversal": "Intro \u202enohtyP\u202c",
    ".": ".",
    "..": "..",
    ". padded": "  .  ",
    ".. padded": "\u3000..\u00a0",
}


@pytest.mark.parametrize("name", REFUSED_NAMES.values(), ids=REFUSED_NAMES.keys())
def test_names_that_hide_or_cannot_be_a_path_segment_are_422_and_write_nothing(api, stored, name):
    reply = api("POST", "/courses", body={"name": name, "level": "beginner"})

    assert reply.status == 422, reply.body
    detail = reply.body["detail"]
    # Noncharacters are not I-JSON: the body is refused before the name is looked at.
    assert [item["loc"] for item in detail] == [["body", "name"]] or [i["type"] for i in detail] == ["json_invalid"]
    assert stored() == {}


@pytest.mark.parametrize("name", REFUSED_NAMES.values(), ids=REFUSED_NAMES.keys())
def test_the_same_names_in_a_path_name_no_course(get, put, table, stored, name):
    with pytest.raises(CourseNotFound):
        course_name_from_path(course_path(name)[len("/courses/") :])
    assert get(name).status == 404
    assert put(name, "advanced").status == 404
    assert stored() == {}


@pytest.mark.parametrize("segment", [".", "..", "%2E", "%2e%2E", ".%2E"])
def test_dot_segments_name_no_course(api, create, segment):
    create("Physics")  # something to find, were the segment resolved against /courses/

    for method, body in (("GET", None), ("PUT", {"level": "advanced"})):
        reply = api(method, "/courses/{name}", "/courses/" + segment, body=body)
        assert reply.status == 404, (method, segment, reply.body)


@pytest.mark.parametrize(
    "segment, name",
    [
        ("Cafe%CC%81", NFC_CAFE),
        ("Caf%C3%A9", NFC_CAFE),
        ("Intro%C2%A0to", "Intro to"),
        ("A%CC%8Angstrom", "\u00c5ngstrom"),
    ],
)
def test_course_name_from_path_applies_the_same_equivalence(segment, name):
    assert course_name_from_path(segment) == name


@pytest.mark.parametrize(
    "segment", ["%E2%80%8B", "Intro%E2%80%8B", "%EF%B8%8F", "%E3%85%A4", "%CC%81Intro", ".", "..", "%2E%2E", "%C2%A0x"]
)
def test_a_path_naming_a_course_the_policy_refuses_is_not_found(segment):
    with pytest.raises(CourseNotFound):
        course_name_from_path(segment)


def test_a_stored_name_is_found_at_its_location(create, api):
    created = create("Intro\u00a0to Cafe\u0301")

    read = api("GET", "/courses/{name}", urljoin("/courses", created.headers["location"]))

    assert urljoin("/courses", created.headers["location"]) == course_path("Intro to Caf\u00e9")
    assert (read.status, read.body) == (200, created.body)


def test_the_100_character_limit_counts_the_nfc_form(create, api, stored):
    decomposed = "e\u0301" * 100  # 200 code points sent, 100 once composed

    assert create(decomposed).body["name"] == "\u00e9" * 100
    assert api("POST", "/courses", body={"name": "e\u0301" * 101, "level": "beginner"}).status == 422
    assert list(stored()) == ["\u00e9" * 100]


@pytest.mark.parametrize(
    "name, error_type",
    [
        ("", "string_too_short"),
        ("a" * 101, "string_too_long"),
        ("a/b", "string_pattern_mismatch"),
        ("a\x00b", "string_pattern_mismatch"),
        ("a\nb", "string_pattern_mismatch"),
        ("Intro\u200bPython", "name_not_allowed"),
        ("Intro\ue000", "name_not_allowed"),
        ("\u0301Intro", "name_not_allowed"),
        (".", "name_not_allowed"),
        ("..", "name_not_allowed"),
    ],
    ids=["empty", "101 characters", "slash", "NUL", "LF", "zero-width space", "private use", "mark first", ".", ".."],
)
def test_a_refused_name_is_422_with_the_type_that_says_why(api, stored, name, error_type):
    reply = api("POST", "/courses", body={"name": name, "level": "beginner"})

    assert reply.status == 422
    assert reply.body["detail"] == [{"loc": ["body", "name"], "type": error_type}]
    assert stored() == {}


@pytest.mark.parametrize(
    "first, second",
    [("Cafe", "C\u0430fe"), ("Python", "python"), ("Intro to Python", "Intro  to Python")],
    ids=["Latin a, Cyrillic a", "case", "inner spaces"],
)
def test_names_that_only_look_alike_are_distinct_courses(create, get, stored, first, second):
    """Not caught by the policy (docs/DECISIONS.md): confusables across scripts, case, the number of inner spaces."""
    create(first, "beginner")
    create(second, "advanced")

    assert (get(first).body["level"], get(second).body["level"]) == ("beginner", "advanced")
    assert set(stored()) == {first, second}


def test_a_name_stored_before_the_rule_in_nfd_cannot_be_addressed_by_a_path(table, get, put, delete, stored):
    CourseItem(NFD_CAFE, level="beginner", created_at=CLOCK_START, updated_at=CLOCK_START).save()  # behind the rule

    for spelling in (NFD_CAFE, NFC_CAFE):
        assert get(spelling).status == 404
        assert put(spelling, "advanced").status == 404
        assert delete(spelling).status == 404
    assert stored()[NFD_CAFE]["level"] == "beginner"


# Any text, weighted towards what the policy is about: spaces of every kind, controls, marks,
# invisible and unassigned code points, slashes and dots, NFD sequences, long strings.
POLICY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(" \t\n\x0b\x1c\x1f\x7f\x85\x9f\xa0/.\u0301\u034f\u115f\u200b\u2028\u3000\ufe00\U000e0100"),
    ),
    max_size=110,
)


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(value=st.one_of(POLICY_TEXT, POLICY_TEXT.map(lambda text: unicodedata.normalize("NFC", text).strip())))
@example(value="x" * 100)
@example(value="x" * 101)
@example(value="")
@example(value=" x")
@example(value="..")
@example(value="\u0301x")
@example(value=NFD_CAFE)
def test_the_plain_name_check_is_what_the_schema_accepts_unchanged(value):
    """names.is_course_name (no Pydantic: GET and DELETE start without it) agrees with the schema."""
    try:
        accepted = TypeAdapter(CourseName).validate_python(value) == value
    except ValidationError:
        accepted = False

    assert is_course_name(value) is accepted


@settings(max_examples=500, deadline=None, derandomize=True)
@given(value=st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=20))
@example(value="".join(map(chr, range(128))))
def test_ascii_names_take_the_short_way_to_the_same_answers(value):
    """names.py answers ASCII names without Unicode's tables: the same as the rule read in full."""
    spaced = "".join(" " if unicodedata.category(char) == "Zs" else char for char in value)
    hidden = (
        value in {".", ".."}
        or (value != "" and unicodedata.category(value[0]).startswith("M"))
        or any(unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"} for char in value)
    )

    assert canonical_name(value) == unicodedata.normalize("NFC", spaced)
    if value:
        assert is_hidden(value) is hidden
