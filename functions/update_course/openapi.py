"""PUT /courses/{name} on Powertools' resolver: openapi.json's description, and the requests app.py leaves.

app.py answers a body the validation below would take as it is (course_service.edge.plain_requests);
this module is loaded at the first other request, a body to refuse, and answers it.
"""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from course_service.common.observability import tracer
from course_service.core import courses
from course_service.core.schemas import CourseResponse, CourseUpdate
from course_service.edge.conditional import preconditions
from course_service.edge.openapi_docs import course_success, documented_errors
from course_service.edge.paths import course_name_from_path
from course_service.edge.resolver import create_app
from course_service.edge.responses import course_response

app = create_app()


@app.put(
    "/courses/<name>",
    operation_id="updateCourse",
    summary="Change a course's level",
    responses={
        **course_success(HTTPStatus.OK, "The updated course; ETag header"),
        **documented_errors(
            HTTPStatus.NOT_FOUND,
            HTTPStatus.PRECONDITION_FAILED,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
        ),
    },
)
@tracer.capture_method
def update_course(
    name: str,
    change: CourseUpdate,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response[CourseResponse]:
    updated = courses.change_level(course_name_from_path(name), change.level, preconditions(if_match, if_none_match))
    return course_response(updated)
