"""POST /courses: creates a course."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

from course_service import courses
from course_service.api import (
    course_location,
    course_response,
    course_success,
    create_app,
    documented_errors,
    handler_for,
)
from course_service.entry import metrics, tracer
from course_service.schemas import CourseCreate, CourseResponse

app = create_app()


@app.post(
    "/courses",
    summary="Create a course",
    responses={
        **course_success(HTTPStatus.CREATED, "Created; Location and ETag headers name and version it"),
        **documented_errors(
            HTTPStatus.CONFLICT,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
        ),
    },
)
@tracer.capture_method
def create_course(course: CourseCreate) -> Response[CourseResponse]:
    created = courses.create(course)
    metrics.add_metric(name="CourseCreated", unit=MetricUnit.Count, value=1)
    return course_response(created, HTTPStatus.CREATED, {"Location": course_location(created)})


lambda_handler = handler_for(app)
