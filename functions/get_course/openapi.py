"""How openapi.json describes GET /courses/{name}: the route on Powertools' resolver.

The function answers through app.py, without the resolver, to start and answer faster
(course_service.edge.direct). This declaration is what the OpenAPI generator reads
(localdev/openapi.py), and tests/unit/test_direct_routes.py answers the same requests through it
and through app.py and compares the answers.
"""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from course_service.core import courses
from course_service.core.schemas import CourseResponse
from course_service.edge.conditional import preconditions
from course_service.edge.openapi_docs import course_success, documented_errors, not_modified
from course_service.edge.paths import course_name_from_path
from course_service.edge.resolver import create_app
from course_service.edge.responses import read_response

app = create_app()


@app.get(
    "/courses/<name>",
    operation_id="getCourse",
    summary="Read a course",
    responses={
        **course_success(HTTPStatus.OK, "The course; ETag header"),
        **not_modified("If-None-Match names the course's current ETag (or is *); no body, the ETag header"),
        **documented_errors(HTTPStatus.NOT_FOUND, HTTPStatus.PRECONDITION_FAILED),
    },
)
def get_course(
    name: str,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response[CourseResponse | None]:  # None: the 304's empty body
    # If-Match first (RFC 9110 13.2.2): 412 unless it names the current ETag; then If-None-Match: 304.
    course = courses.get(course_name_from_path(name), preconditions(if_match))
    return read_response(course, if_none_match)
