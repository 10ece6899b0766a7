"""POST /courses: creates a course; with an Idempotency-Key, once per key (course_service.idempotency)."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.metrics import MetricUnit

from course_service import courses
from course_service.entry import metrics, tracer
from course_service.openapi_docs import course_success, documented_errors
from course_service.resolver import create_app, lambda_entry_for
from course_service.responses import course_location, course_response
from course_service.schemas import CourseCreate, CourseResponse, IdempotencyKey

app = create_app()

IdempotencyKeyHeader = Annotated[
    IdempotencyKey | None,
    Header(
        alias="Idempotency-Key",
        description="Makes the create safe to retry: the same key and body within 24 hours answer the "
        "first 201 again; the same key with another body is 422. Use a new random value (a UUID) per course.",
    ),
]


@app.post(
    "/courses",
    operation_id="createCourse",
    summary="Create a course",
    responses={
        **course_success(
            HTTPStatus.CREATED,
            "Created; Location and ETag headers name and version it. A retry with the same "
            "Idempotency-Key and body answers this response again, even if the course changed since",
            created=True,
        ),
        **documented_errors(
            HTTPStatus.CONFLICT,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
        ),
    },
)
@tracer.capture_method
def create_course(course: CourseCreate, idempotency_key: IdempotencyKeyHeader = None) -> Response[CourseResponse]:
    if idempotency_key is None:
        created, replayed = courses.create(course), False
    else:
        # Imported at the first keyed request: Powertools' idempotency utility and boto3 are ~55 ms
        # of cold start that creates without a key never pay (docs/PERFORMANCE.md).
        from course_service import idempotency

        created, replayed = idempotency.create(course, idempotency_key, app.lambda_context)
    if not replayed:
        metrics.add_metric(name="CourseCreated", unit=MetricUnit.Count, value=1)
    return course_response(created, HTTPStatus.CREATED, {"Location": course_location(created)})


lambda_handler = lambda_entry_for(app)
