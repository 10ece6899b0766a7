"""The write path's one decision (course_service.core.write_decisions.decide): from what became of
a write, as the store answers it, the client's answer, for every kind of write."""

from datetime import UTC, datetime

import pytest

from course_service.common.preconditions import Preconditions, Revision
from course_service.core.errors import CourseAlreadyExists, CourseChanged, CourseNotFound, WriteOutcomeUnknown
from course_service.core.write_decisions import Later, decide
from course_service.store.conditional_writes import Applied, Refused, Unknown
from course_service.store.models import CourseItem

CREATED = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
UPDATED = datetime(2026, 1, 3, 3, 4, 5, 678901, tzinfo=UTC)
STORED = CourseItem("Chemistry", level="beginner", created_at=CREATED, updated_at=UPDATED, version=3)
ANY = Preconditions()
THIS_ONE = Preconditions(expected=Revision(CREATED, 3))
ANOTHER = Preconditions(expected=Revision(CREATED, 2))
NOT_THIS_ONE = Preconditions(excluded=frozenset({Revision(CREATED, 3)}))


@pytest.mark.parametrize("preconditions", [None, ANY, THIS_ONE], ids=["create", "change", "if-match change"])
def test_an_applied_write_answers_the_course_as_it_made_it(preconditions):
    assert decide(Applied(STORED), preconditions) is STORED


def test_an_applied_delete_answers_nothing():
    assert decide(Applied(None), ANY) is None


@pytest.mark.parametrize("stored", [None, STORED], ids=["not read", "read"])
def test_a_refused_create_is_409(stored):
    with pytest.raises(CourseAlreadyExists):
        decide(Refused(stored), None)


@pytest.mark.parametrize("preconditions", [ANY, THIS_ONE, NOT_THIS_ONE])
def test_a_refused_change_or_delete_of_nothing_is_404(preconditions):
    with pytest.raises(CourseNotFound):
        decide(Refused(None), preconditions)


@pytest.mark.parametrize("preconditions", [ANOTHER, NOT_THIS_ONE], ids=["If-Match", "If-None-Match"])
def test_a_refused_write_whose_preconditions_fail_on_what_is_stored_is_412(preconditions):
    with pytest.raises(CourseChanged):
        decide(Refused(STORED), preconditions)


@pytest.mark.parametrize("preconditions", [ANY, THIS_ONE])
def test_a_refused_write_whose_preconditions_hold_was_refused_by_the_clock_only(preconditions):
    assert decide(Refused(STORED), preconditions) == Later(UPDATED)


@pytest.mark.parametrize("preconditions", [None, ANY, THIS_ONE], ids=["create", "change", "if-match change"])
def test_an_unknown_outcome_is_503_may_or_may_not_have_been_applied(preconditions):
    lost = TimeoutError("reply lost")

    with pytest.raises(WriteOutcomeUnknown) as raised:
        decide(Unknown(lost), preconditions)

    assert raised.value.status == 503
    assert raised.value.__cause__ is lost
