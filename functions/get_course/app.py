"""GET /courses/{name}: reads one course; 304 when If-None-Match names its current ETag, 412 when If-Match does not.

Answered without Powertools' resolver (course_service.edge.direct): openapi.py declares the same
route on it, for openapi.json and as the reference this handler is tested against.
"""

from collections.abc import Mapping

from course_service.common.observability import tracer
from course_service.core import courses
from course_service.edge.answers import Answer, read_answer
from course_service.edge.conditional import preconditions
from course_service.edge.direct import course_handler
from course_service.edge.paths import course_name_from_path
from course_service.edge.request_checks import header_value
from course_service.entry import lambda_entry


@tracer.capture_method
def get_course(name: str, headers: Mapping[str, str]) -> Answer:
    # If-Match first (RFC 9110 13.2.2): 412 unless it names the current ETag; then If-None-Match: 304.
    course = courses.get(course_name_from_path(name), preconditions(header_value(headers, "if-match")))
    return read_answer(course, header_value(headers, "if-none-match"))


lambda_handler = lambda_entry(course_handler("GET", get_course))
