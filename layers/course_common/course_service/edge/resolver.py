"""The resolver every course function builds its routes on, and what runs before it.

Handlers build their app with :func:`create_app` and declare their routes; course_service.entry
makes the Lambda entry point of :func:`handler_for` the app. Requests that must not reach a route
are answered before the resolver sees them (:func:`request_refusal`); domain errors and validation
errors become their JSON answers here.
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import (
    APIGatewayRestResolver,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestValidationError,
)

from course_service.common import settings
from course_service.common.observability import ProxyHandler, log_store_unavailable, log_unexpected_error
from course_service.core.errors import CourseError, StoreUnavailable
from course_service.edge import request_checks
from course_service.edge.proxy import INTERNAL_ERROR, RETRY_AFTER, proxy_response
from course_service.edge.responses import error_body, error_response, validation_error_body, validation_error_response

METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


BODY_NOT_JSON = [{"loc": ["body"], "type": "json_invalid"}]
BODY_NOT_AN_OBJECT = [{"loc": ["body"], "type": "model_attributes_type"}]


def request_refusal(event: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any] | None:
    """The answer to a request that must not reach its route (415, 413, 422), or None.

    It reads the API Gateway REST event only (``headers``: its headers merged), so it runs before
    the resolver sees the request.
    """
    takes_body = event.get("httpMethod") in METHODS_WITH_BODY
    if takes_body and not request_checks.is_json_media_type(request_checks.header_value(headers, "content-type")):
        return proxy_response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, error_body("Content-Type must be application/json"))
    try:
        body = request_checks.body_bytes(event)
        # API Gateway REST accepts up to 10 MB; a course is a few hundred bytes.
        if len(body) > settings.MAX_BODY_BYTES:
            return proxy_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, error_body("Request body too large"))
        text = request_checks.body_text(body) if takes_body else ""
    except request_checks.UnreadableBody:
        return proxy_response(HTTPStatus.UNPROCESSABLE_ENTITY, validation_error_body(BODY_NOT_JSON))
    if _is_json_array(text):
        return proxy_response(HTTPStatus.UNPROCESSABLE_ENTITY, validation_error_body(BODY_NOT_AN_OBJECT))
    return None


def _is_json_array(text: str) -> bool:
    """True for a body that is a JSON array.

    Powertools validates the first item of a list given for a non-list parameter (meant for repeated
    query strings, applied to JSON bodies too), so [{...}] would be accepted. Only a body starting
    with "[" is parsed here; JSON that is malformed or not I-JSON (request_checks.parse_json)
    Powertools reports itself, as 422 ``json_invalid``.
    """
    if not text.lstrip(" \t\r\n").startswith("["):
        return False
    try:
        return isinstance(request_checks.parse_json(text), list)
    except ValueError:
        return False


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

    :func:`handler_for` checks each request before the resolver sees it (:func:`request_refusal`):
    JSON only (415), small (413), UTF-8 I-JSON holding an object (422). Powertools would parse form
    and multipart bodies itself, and its multipart parser raises a plain ValueError (a 500) when the
    boundary is missing. No Content-Type is read as JSON.
    """
    app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=request_checks.parse_json)

    @app.exception_handler(CourseError)
    def domain_error(error: CourseError) -> Response[Any]:
        if error.detail is not None:
            return validation_error_response(error.detail)
        if isinstance(error, StoreUnavailable):
            log_store_unavailable(error, error.error_code)
        return error_response(error.status, error.message, RETRY_AFTER if error.retry_after else None)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[Any]:
        return validation_error_response(error.errors())

    @app.not_found
    def route_not_found(_: Exception) -> Response[Any]:
        return error_response(HTTPStatus.NOT_FOUND, "Not found")

    @app.exception_handler(Exception)
    def unexpected_error(error: Exception) -> Response[Any]:
        # Here, not in the entry point, so the error is logged once, with our logger: Powertools
        # logs what no handler took through its own, unstructured, logger before re-raising it.
        log_unexpected_error()
        return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR)

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
