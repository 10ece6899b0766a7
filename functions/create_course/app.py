"""POST /courses: creates a course; with an Idempotency-Key, once per key (course_service.core.idempotency).

A create whose body and key the resolver's validation would take as they are is answered here
without Powertools' resolver (course_service.edge.direct); openapi.py declares the route on it, for
openapi.json and for every other request (a body or a key to refuse, a body to normalise), loaded
at the first (with SnapStart, before the snapshot).
"""

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from course_service import entry
from course_service.common.observability import tracer
from course_service.core import courses
from course_service.edge.answers import Answer, created_answer, created_record, recorded_answer
from course_service.edge.direct import COURSES_PATH, plain_or_resolver, resolver_beside
from course_service.edge.plain_requests import NewCourse, new_course


@tracer.capture_method
def create_course(new: NewCourse, context: Any) -> Answer:
    if new.key is None:
        return created_answer(courses.create(new.name, new.level))
    # Imported at the first keyed request: Powertools' idempotency utility and boto3 are part of a
    # cold start that creates without a key never pay (docs/PERFORMANCE.md).
    from course_service.core import idempotency

    record, replayed = idempotency.create(new.name, new.level, new.key, context, created_record)
    if replayed:
        entry.replayed()
    return recorded_answer(record)


def take(
    _: re.Match[str], event: Mapping[str, Any], headers: Mapping[str, str], context: Any
) -> Callable[[], Answer] | None:
    new = new_course(event, headers)
    return None if new is None else partial(create_course, new, context)


resolver = resolver_beside(__file__)
lambda_handler = entry.lambda_entry(plain_or_resolver("POST", COURSES_PATH, take, resolver), preload=resolver)
