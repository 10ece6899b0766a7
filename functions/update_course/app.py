"""PUT /courses/{name}: changes a course's level, optionally conditional on If-Match and If-None-Match.

A body the resolver's validation would take as it is is answered here without Powertools' resolver
(course_service.edge.direct); openapi.py declares the route on it, for openapi.json and for every
other request (a body to refuse), loaded at the first
(with SnapStart, before the snapshot).
"""

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from course_service.common.observability import tracer
from course_service.core import courses
from course_service.edge.answers import Answer, course_answer
from course_service.edge.conditional import preconditions
from course_service.edge.direct import COURSE_PATH, plain_or_resolver, resolver_beside
from course_service.edge.paths import course_name_from_path
from course_service.edge.plain_requests import new_level
from course_service.edge.request_checks import header_value
from course_service.entry import lambda_entry


@tracer.capture_method
def update_course(segment: str, level: str, headers: Mapping[str, str]) -> Answer:
    name = course_name_from_path(segment)
    conditions = preconditions(header_value(headers, "if-match"), header_value(headers, "if-none-match"))
    return course_answer(courses.change_level(name, level, conditions))


def take(
    path: re.Match[str], event: Mapping[str, Any], headers: Mapping[str, str], _context: Any
) -> Callable[[], Answer] | None:
    level = new_level(event)
    return None if level is None else partial(update_course, path["name"], level, headers)


resolver = resolver_beside(__file__)
lambda_handler = lambda_entry(plain_or_resolver("PUT", COURSE_PATH, take, resolver), preload=resolver)
