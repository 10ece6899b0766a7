"""How openapi.json describes GET /health. Read by the OpenAPI generator only (localdev/openapi.py):
the function answers through app.py, without a resolver, to start faster. The fuzz tests check the
real answers against this description."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from course_service.resolver import create_app
from course_service.schemas import HealthResponse

app = create_app()


@app.get(
    "/health",
    operation_id="getHealth",
    summary="Is the table reachable?",
    responses={
        int(status): {"description": description, "content": {"application/json": {"model": HealthResponse}}}
        for status, description in [
            (HTTPStatus.OK, "The table answers"),
            (HTTPStatus.SERVICE_UNAVAILABLE, "The table does not answer; retry after Retry-After seconds"),
        ]
    },
)
def health() -> Response[HealthResponse]:
    raise NotImplementedError("documentation only: app.lambda_handler answers GET /health")
