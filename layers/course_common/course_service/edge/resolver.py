"""The resolver every course function builds its routes on, and what runs before it.

Handlers build their app with :func:`create_app` and declare their routes; course_service.entry
makes the Lambda entry point of :func:`handler_for` the app. Requests that must not reach a route
are answered before the resolver sees them (refusals.py); domain errors and validation errors
become their JSON answers here.
"""

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import (
    APIGatewayRestResolver,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestValidationError,
)

from course_service.common.observability import ProxyHandler
from course_service.core.errors import CourseError
from course_service.edge import request_checks
from course_service.edge.answers import error_answer, not_found_answer, unexpected_error_answer
from course_service.edge.refusals import request_refusal
from course_service.edge.responses import response_of, validation_error_response


def for_powertools(event: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    """A copy of an accepted event with its merged ``headers``, as Powertools reads them right.

    The caller's event is not changed.

    Each header once, its lines joined (Powertools validates a header given on two lines as a list:
    a 422 for ``If-Match``); Content-Type as Powertools compares it, case-sensitively by prefix.
    """
    single = {
        name: content_types.APPLICATION_JSON if name.lower() == "content-type" else value
        for name, value in headers.items()
    }
    multi_value = {name: [value] for name, value in single.items()}
    return {**event, "headers": single or None, "multiValueHeaders": multi_value or None}


def create_app() -> APIGatewayRestResolver:
    """A resolver that validates requests with Pydantic and answers every error with clean JSON.

    :func:`handler_for` checks each request before the resolver sees it (refusals.request_refusal):
    JSON only (415), small (413), UTF-8 I-JSON holding an object (422). Powertools would parse form
    and multipart bodies itself, and its multipart parser raises a plain ValueError (a 500) when the
    boundary is missing. No Content-Type is read as JSON.
    """
    app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=request_checks.parse_json)

    @app.exception_handler(CourseError)
    def domain_error(error: CourseError) -> Response[Any]:
        return response_of(error_answer(error))

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[Any]:
        return validation_error_response(error.errors())

    @app.not_found
    def route_not_found(_: Exception) -> Response[Any]:
        return response_of(not_found_answer())

    @app.exception_handler(Exception)
    def unexpected_error(error: Exception) -> Response[Any]:
        # Here, not in the entry point, so the error is logged once, with our logger: Powertools
        # logs what no handler took through its own, unstructured, logger before re-raising it.
        return response_of(unexpected_error_answer())

    return app


def handler_for(app: APIGatewayRestResolver) -> ProxyHandler:
    """The proxy handler of ``app``.

    The event's headers are merged once; requests that must not reach a route are answered here,
    before routing; the others are resolved.
    """

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = request_checks.merged_headers(event)
        refusal = request_refusal(event, headers)
        if refusal is not None:
            return refusal
        return app.resolve(for_powertools(event, headers), context)

    return handle
