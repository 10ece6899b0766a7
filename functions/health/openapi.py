"""How openapi.json describes GET /health.

Read by the OpenAPI generator only (localdev/openapi.py): the function answers through app.py,
without a resolver, to start faster. The fuzz tests check the real answers against this description.
"""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from course_service.core.schemas import HealthResponse
from course_service.edge.openapi_docs import RETRY_AFTER, documented_errors
from course_service.edge.resolver import create_app

app = create_app()


@app.get(
    "/health",
    operation_id="getHealth",
    summary="Is the table reachable?",
    responses={
        int(HTTPStatus.OK): {
            "description": "The table answers",
            "content": {"application/json": {"model": HealthResponse}},
        },
        # 500 as on every route (a bare {"message"} when the function fails unexpectedly); its own 503.
        **documented_errors(),
        int(HTTPStatus.SERVICE_UNAVAILABLE): {
            "description": "The table does not answer; retry after Retry-After seconds",
            "headers": {"Retry-After": RETRY_AFTER},
            "content": {"application/json": {"model": HealthResponse}},
        },
    },
)
def health() -> Response[HealthResponse]:
    raise NotImplementedError("documentation only: app.lambda_handler answers GET /health")
