"""Logs, metrics and traces: the one logger, metrics set and tracer every module uses.

It imports neither Powertools' event handler, nor Pydantic, nor botocore, so that a function that
needs no routing (health) starts without them (docs/PERFORMANCE.md).
"""

import warnings
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics

from course_service.common import settings

# Service name, metrics namespace, log level and tracing switch come from POWERTOOLS_* variables.
logger = Logger()
metrics = Metrics()
# Routes that record no metric (reads, health) are normal here, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish")

# A Lambda proxy handler: API Gateway's event in, the proxy response out.
ProxyHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
Method = TypeVar("Method", bound=Callable[..., Any])


class TracerDecorators(Protocol):
    """What the service uses of Powertools' ``Tracer``, which both it and :class:`NoTracer` provide."""

    def capture_lambda_handler(self, lambda_handler: ProxyHandler) -> Callable[..., Any]: ...

    def capture_method(self, method: Method) -> Method: ...


class NoTracer:
    """Tracer's decorators, doing nothing: tracing is off.

    Powertools' ``Tracer()`` imports the X-Ray SDK even when tracing is disabled, a large part of a
    cold start (docs/PERFORMANCE.md); this stand-in imports nothing and adds nothing per request.
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


def log_unexpected_error() -> None:
    """Logs the exception being handled, with its stack trace; call it from an ``except`` block."""
    logger.exception("Unhandled error")


def log_store_unavailable(error: BaseException, error_code: str) -> None:
    """Logs an expected failure (DynamoDB throttled, failing or out of reach) as one WARNING line.

    Which error and its code, no stack trace: those are for the unexpected, and would be most of
    the log while a table is down.
    """
    logger.warning("DynamoDB unavailable", error=type(error).__name__, error_code=error_code)
