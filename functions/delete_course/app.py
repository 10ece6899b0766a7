"""DELETE /courses/{name}: deletes a course, optionally conditional on If-Match and If-None-Match.

Answered without Powertools' resolver (course_service.edge.direct): openapi.py declares the same
route on it, for openapi.json and as the reference this handler is tested against.
"""

from collections.abc import Mapping
from http import HTTPStatus

from course_service.common.observability import tracer
from course_service.core import courses
from course_service.edge.answers import Answer
from course_service.edge.conditional import preconditions
from course_service.edge.direct import course_handler
from course_service.edge.paths import course_name_from_path
from course_service.edge.request_checks import header_value
from course_service.entry import lambda_entry


@tracer.capture_method
def delete_course(name: str, headers: Mapping[str, str]) -> Answer:
    conditions = preconditions(header_value(headers, "if-match"), header_value(headers, "if-none-match"))
    courses.delete(course_name_from_path(name), conditions)
    return Answer(HTTPStatus.NO_CONTENT)


lambda_handler = lambda_entry(course_handler("DELETE", delete_course))
