"""GET /health: is the table reachable?"""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from course_service import courses
from course_service.api import RETRY_AFTER, create_app, handler_for, json_response, tracer
from course_service.errors import StoreUnavailable
from course_service.schemas import HealthResponse

app = create_app()


@app.get(
    "/health",
    summary="Is the table reachable?",
    responses={
        int(status): {"description": description, "content": {"application/json": {"model": HealthResponse}}}
        for status, description in [
            (HTTPStatus.OK, "The table answers"),
            (HTTPStatus.SERVICE_UNAVAILABLE, "The table does not answer; retry after Retry-After seconds"),
        ]
    },
)
@tracer.capture_method
def health() -> Response[HealthResponse]:
    try:
        courses.check_store()
    except StoreUnavailable:
        return json_response(HTTPStatus.SERVICE_UNAVAILABLE, {"status": "unavailable"}, RETRY_AFTER)
    return json_response(HTTPStatus.OK, {"status": "ok"})


lambda_handler = handler_for(app)
