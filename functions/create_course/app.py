"""POST /courses: creates a course; with an Idempotency-Key, once per key (course_service.core.idempotency).

A create whose body the resolver's validation would take as it is, without a key, is answered here
without Powertools' resolver (course_service.edge.direct); openapi.py declares the route on it, for
openapi.json and for every other request (a keyed create, a body to refuse), loaded at the first
(with SnapStart, before the snapshot).
"""

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from course_service.common.observability import tracer
from course_service.core import courses
from course_service.edge.answers import Answer, created_answer
from course_service.edge.direct import COURSES_PATH, plain_or_resolver, resolver_beside
from course_service.edge.plain_requests import new_course
from course_service.entry import lambda_entry


@tracer.capture_method
def create_course(name: str, level: str) -> Answer:
    return created_answer(courses.create(name, level))


def take(_: re.Match[str], event: Mapping[str, Any], headers: Mapping[str, str]) -> Callable[[], Answer] | None:
    new = new_course(event, headers)
    return None if new is None else partial(create_course, *new)


resolver = resolver_beside(__file__)
lambda_handler = lambda_entry(plain_or_resolver("POST", COURSES_PATH, take, resolver), preload=resolver)
