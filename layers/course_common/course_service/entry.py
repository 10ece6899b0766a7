"""What every function's Lambda entry point shares: logger, metrics, tracer, and the wrapper that
ties them to a request. It imports neither Powertools' event handler nor Pydantic, so a function
that needs no routing or validation (health) can start without them (docs/PERFORMANCE.md).
"""

import json
import warnings
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Protocol, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from course_service import deadline, settings, snapstart

# Service name, metrics namespace, log level and tracing switch come from POWERTOOLS_* variables.
logger = Logger()
metrics = Metrics()
# Routes that record no metric (reads, health) are normal here, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish")

RETRY_AFTER = {"Retry-After": str(settings.RETRY_AFTER_SECONDS)}
INTERNAL_ERROR = "Internal server error"

# On every response: never sniffed into another type, and nothing may load in or frame it (JSON is
# data, not a page). A response that sets its own policy (the docs page) keeps it.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
# What a browser script may read of a response beyond the CORS-safelisted headers.
EXPOSED_HEADERS = "ETag, Location, Retry-After"

# A Lambda proxy handler: API Gateway's event in, the proxy response out.
ProxyHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
Method = TypeVar("Method", bound=Callable[..., Any])


class TracerDecorators(Protocol):
    """What the service uses of Powertools' ``Tracer``, which both it and :class:`NoTracer` provide."""

    def capture_lambda_handler(self, lambda_handler: ProxyHandler) -> Callable[..., Any]: ...

    def capture_method(self, method: Method) -> Method: ...


class NoTracer:
    """Tracing off: Tracer's decorators, doing nothing.

    Powertools' ``Tracer()`` imports the X-Ray SDK even when tracing is disabled (about 250 ms of a
    cold start, docs/PERFORMANCE.md); this stand-in imports nothing and adds nothing per request.
    """

    def capture_lambda_handler(self, lambda_handler: ProxyHandler) -> Callable[..., Any]:
        return lambda_handler

    def capture_method(self, method: Method) -> Method:
        return method


def _tracer() -> TracerDecorators:
    if not settings.current.tracing_enabled:
        return NoTracer()
    from aws_lambda_powertools import Tracer

    return Tracer()


tracer = _tracer()
# SnapStart: the DynamoDB client made before the snapshot, and each restored instance its own
# (course_service/snapstart.py). Registered at import, as Lambda requires; nothing without SnapStart.
snapstart.register()


def proxy_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A JSON response in API Gateway's proxy format, for handlers that have no resolver."""
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body, separators=(",", ":")),  # compact, as Powertools writes bodies
        "isBase64Encoded": False,
    }


def record_unexpected_error() -> None:
    """Logs the exception being handled (stack trace, request id) and counts it for the
    UnexpectedErrorsAlarm: a handler that answers 500 has not failed as far as Lambda knows, so
    Lambda's Errors metric never sees it. Call it from an ``except`` block."""
    logger.exception("Unhandled error")
    metrics.add_metric(name="UnexpectedError", unit=MetricUnit.Count, value=1)


def store_error_code(error: BaseException) -> str:
    """What DynamoDB, or the connection to it, said, in one word: DynamoDB's error code
    (``ThrottlingException``, ...) or botocore's error class (``EndpointConnectionError``,
    ``ReadTimeoutError``, ...), the first along the chain of causes. Never their text, which can
    quote a key (a course name)."""
    cause: BaseException | None = error
    for _ in range(10):  # a chain is a few links long; a cycle must not hang a request
        if cause is None:
            break
        if isinstance(cause, ClientError):
            return str(cause.response.get("Error", {}).get("Code") or "ClientError")
        if isinstance(cause, BotoCoreError):
            return type(cause).__name__
        cause = cause.__cause__ or cause.__context__
    return "unknown"


def record_store_unavailable(error: BaseException) -> None:
    """Logs an expected failure (DynamoDB throttled, failing or out of reach: the answer is 503) as
    one WARNING line: which domain error, and its error code. No stack trace: those are for the
    unexpected (:func:`record_unexpected_error`), and would be most of the log when a table is down."""
    logger.warning("DynamoDB unavailable", error=type(error).__name__, error_code=store_error_code(error))


def response_headers() -> dict[str, str]:
    """The headers every response carries: security headers, and CORS when an origin is configured
    (API Gateway answers the preflight; a proxy integration's real answers need these from us)."""
    if not settings.current.cors_allow_origin:
        return SECURITY_HEADERS
    return {
        **SECURITY_HEADERS,
        "Access-Control-Allow-Origin": settings.current.cors_allow_origin,
        "Access-Control-Expose-Headers": EXPOSED_HEADERS,
    }


def _add_headers(response: dict[str, Any], headers: dict[str, str]) -> None:
    """Adds the headers the response does not set itself (names compare case-insensitively), in the
    form it uses: the resolver answers with ``multiValueHeaders``, health with ``headers``."""
    own = {name.lower() for key in ("headers", "multiValueHeaders") for name in response.get(key) or {}}
    key = "multiValueHeaders" if response.get("multiValueHeaders") is not None else "headers"
    target = response.get(key) or {}
    for name, value in headers.items():
        if name.lower() not in own:
            target[name] = [value] if key == "multiValueHeaders" else value
    response[key] = target


def lambda_entry(handle: ProxyHandler) -> ProxyHandler:
    """The Lambda entry point for ``handle``: the request's deadline, request-id correlated logs,
    traces, flushed metrics, a bare 500 for anything ``handle`` lets escape (its text is logged,
    never sent), the headers of every response, and every 503 counted."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        deadline.start(context)  # every DynamoDB call must end before it (course_service.retry_policy)
        try:
            response = handle(event, context)
        except Exception:
            record_unexpected_error()
            response = proxy_response(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": INTERNAL_ERROR})
        if response["statusCode"] == HTTPStatus.SERVICE_UNAVAILABLE:
            # Every 503 here means DynamoDB throttled, failed or did not answer, whichever function
            # answered it: counted once, here, for StoreUnavailableAlarm (and left out of Api5xxAlarm).
            metrics.add_metric(name="StoreUnavailable", unit=MetricUnit.Count, value=1)
        _add_headers(response, response_headers())
        # API Gateway's access log already records every request (by the same request id), so this
        # line is DEBUG: ~50-90 us a request at INFO (docs/PERFORMANCE.md), ~1 us when filtered.
        # The route template, not the path, and never the body: names and bodies stay out of logs.
        logger.debug("Request handled", route=event.get("resource"), status=response["statusCode"])
        return response

    return cast(ProxyHandler, lambda_handler)
