"""GET /courses/{name}: reads one course."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from course_service import courses
from course_service.api import (
    course_name,
    course_response,
    course_success,
    create_app,
    documented_errors,
    handler_for,
)
from course_service.entry import tracer
from course_service.schemas import CourseResponse

app = create_app()


@app.get(
    "/courses/<name>",
    summary="Read a course",
    responses={**course_success(HTTPStatus.OK, "The course; ETag header"), **documented_errors(HTTPStatus.NOT_FOUND)},
)
@tracer.capture_method
def get_course(name: str) -> Response[CourseResponse]:
    return course_response(courses.get(course_name(name)))


lambda_handler = handler_for(app)
