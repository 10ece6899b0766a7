"""A course's timestamps and version are read as PynamoDB reads them (store/models.py).

UTCTimestampAttribute and CourseVersionAttribute read the form PynamoDB writes faster than PynamoDB
does; for every value PynamoDB could have written, and for any other text, the outcome must be
PynamoDB's own: the same value, of the same type (and time zone), or the same error.
"""

from datetime import UTC

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pynamodb.attributes import Attribute, UTCDateTimeAttribute, VersionAttribute

from course_service.store.models import CourseItem, CourseVersionAttribute, UTCTimestampAttribute

TIMESTAMPS = (UTCTimestampAttribute(), UTCDateTimeAttribute())  # ours, PynamoDB's
VERSIONS = (CourseVersionAttribute(), VersionAttribute())
SETTINGS = settings(max_examples=500, deadline=None)


def outcome(attribute: Attribute, text: str) -> tuple:
    try:
        value = attribute.deserialize(text)
    except Exception as error:
        return ("refused", type(error), str(error))
    return ("read", value, type(value), getattr(value, "tzinfo", None))


def test_the_courses_timestamps_and_version_are_these_attributes():
    assert isinstance(CourseItem.created_at, UTCTimestampAttribute)
    assert isinstance(CourseItem.updated_at, UTCTimestampAttribute)
    assert isinstance(CourseItem.version, CourseVersionAttribute)
    assert CourseItem._version_attribute_name == "version"  # still the model's optimistic lock


def _mutated(text: str) -> st.SearchStrategy[str]:
    """The written form with one character replaced, removed or added."""
    position = st.integers(0, len(text) - 1)
    character = st.sampled_from("0123456789-:T.+ Zze\u0660\u0661\uff11")
    return st.one_of(
        st.tuples(position, character).map(lambda pc: text[: pc[0]] + pc[1] + text[pc[0] + 1 :]),
        position.map(lambda p: text[:p] + text[p + 1 :]),
        st.tuples(position, character).map(lambda pc: text[: pc[0]] + pc[1] + text[pc[0] :]),
    )


# Each pair of attributes (ours, PynamoDB's), and the values PynamoDB writes with them.
WRITTEN = {
    "timestamp": (TIMESTAMPS, st.datetimes(timezones=st.just(UTC)) | st.datetimes()),
    "version": (VERSIONS, st.integers(min_value=0, max_value=2**63)),
}


@pytest.mark.parametrize("kind", WRITTEN)
@SETTINGS
@given(data=st.data())
def test_every_value_pynamodb_writes_is_read_as_pynamodb_reads_it(kind, data):
    (ours, pynamodb), values = WRITTEN[kind]
    text = pynamodb.serialize(data.draw(values))

    assert outcome(ours, text) == outcome(pynamodb, text)
    assert outcome(ours, text)[0] == "read"


@SETTINGS
@given(
    text=st.text(max_size=40)
    | _mutated("2026-11-27T14:30:00.123456+0000")
    | _mutated("0999-01-31T23:59:59.999999+0000")
)
@example(text="2026-13-27T14:30:00.123456+0000")  # the form, not a date
@example(text="0000-01-01T00:00:00.000000+0000")  # year 0
@example(text="999-01-01T00:00:00.000000+0000")  # a year an older PynamoDB did not pad
@example(text="2026-11-27T14:30:00.123456+0000\n")
@example(text="2026-11-27 14:30:00.123456+0000")
@example(text="2026-11-27T14:30:00,123456+0000")
@example(text="2026-11-27T14:30:00.123456+0100")
def test_any_other_text_is_read_or_refused_as_pynamodb_reads_a_timestamp(text):
    ours, pynamodb = TIMESTAMPS
    assert outcome(ours, text) == outcome(pynamodb, text)


@SETTINGS
@given(text=st.text(max_size=12) | _mutated("1") | _mutated("120") | st.integers().map(str))
@example(text="01")  # not JSON
@example(text="1.0")
@example(text="1e3")
@example(text=" 1")
@example(text="-1")
@example(text="\u0661")  # a digit, but not ASCII
@example(text="9" * 5000)  # past int()'s digit limit
def test_any_other_text_is_read_or_refused_as_pynamodb_reads_a_version(text):
    ours, pynamodb = VERSIONS
    assert outcome(ours, text) == outcome(pynamodb, text)
