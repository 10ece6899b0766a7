"""POST /courses on Powertools' resolver: openapi.json's description, and the requests app.py leaves.

app.py answers, without the resolver, the creates whose body and Idempotency-Key the validation
below would take as they are (course_service.edge.plain_requests); this module is loaded at the
first other request: a body or a key to refuse, a body to normalise. The OpenAPI generator
reads it (localdev/openapi.py), and tests/unit/test_plain_routes.py answers the same requests
through it and through app.py and compares the answers.
"""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from course_service import entry
from course_service.common.observability import tracer
from course_service.core import courses
from course_service.core.schemas import CourseCreate, CourseResponse, IdempotencyKey
from course_service.edge.answers import created_record
from course_service.edge.openapi_docs import course_success, documented_errors
from course_service.edge.resolver import create_app
from course_service.edge.responses import stored_response

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
        return stored_response(created_record(courses.create(course.name, course.level)))
    # Imported at the first keyed request: Powertools' idempotency utility and boto3 are part of a
    # cold start that creates without a key never pay (docs/PERFORMANCE.md).
    from course_service.core import idempotency

    record, replayed = idempotency.create(
        course.name, course.level, idempotency_key, app.lambda_context, created_record
    )
    if replayed:
        entry.replayed()
    return stored_response(record)
