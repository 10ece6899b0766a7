"""GET /courses: one page of courses in name order, optionally of one level.

A query the resolver's validation would take as it is is answered here without Powertools' resolver
(course_service.edge.direct); openapi.py declares the route on it, for openapi.json and for every
other request (a query to refuse), loaded at the first
(with SnapStart, before the snapshot).
"""

import re
from collections.abc import Callable, Mapping
from functools import partial
from http import HTTPStatus
from typing import Any

from course_service.common.observability import tracer
from course_service.core import courses
from course_service.edge.answers import Answer
from course_service.edge.cursors import page_body
from course_service.edge.direct import COURSES_PATH, plain_or_resolver, resolver_beside
from course_service.edge.plain_requests import PageQuery, page_query
from course_service.entry import lambda_entry


@tracer.capture_method
def list_courses(query: PageQuery) -> Answer:
    page = courses.list_page(query.level, query.after, query.limit)
    return Answer(HTTPStatus.OK, page_body(page, query.level))


def take(
    _: re.Match[str], event: Mapping[str, Any], headers: Mapping[str, str], _context: Any
) -> Callable[[], Answer] | None:
    query = page_query(event)
    return None if query is None else partial(list_courses, query)


resolver = resolver_beside(__file__)
lambda_handler = lambda_entry(plain_or_resolver("GET", COURSES_PATH, take, resolver), preload=resolver)
