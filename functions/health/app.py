"""GET /health: is the table reachable?

API Gateway sends this function GET /health alone, without a body, so it needs neither routing nor
validation: it skips Powertools' event handler and Pydantic, which are most of a cold start
(docs/PERFORMANCE.md). Its entry in openapi.json is declared beside it, in openapi.py.
"""

from http import HTTPStatus
from typing import Any

from course_service.common.observability import log_store_unavailable
from course_service.core import courses
from course_service.core.errors import StoreUnavailable
from course_service.edge.proxy import RETRY_AFTER, proxy_response
from course_service.entry import lambda_entry


def health(event: dict[str, Any], context: object) -> dict[str, Any]:
    try:
        courses.check_store()
    except StoreUnavailable as error:
        log_store_unavailable(error, error.error_code)
        return proxy_response(HTTPStatus.SERVICE_UNAVAILABLE, {"status": "unavailable"}, RETRY_AFTER)
    return proxy_response(HTTPStatus.OK, {"status": "ok"})


lambda_handler = lambda_entry(health)
