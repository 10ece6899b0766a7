"""The Lambda entry point of every function.

The request's deadline, request-id correlated logs, traces, every outcome counted once, a bare 500
for anything that escapes, the headers of every response; and SnapStart's runtime hooks, registered
at import as Lambda requires.

It imports neither Powertools' event handler nor Pydantic, so that a function that needs no
routing (health) starts without them; :func:`lambda_entry_for` loads the resolver for those that
route.
"""

from collections.abc import Callable
from contextvars import ContextVar
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.metrics import MetricUnit

from course_service.common import deadline
from course_service.common.observability import ProxyHandler, log_unexpected_error, logger, metrics, tracer
from course_service.edge.proxy import add_response_headers, internal_error
from course_service.store import snapstart

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

# SnapStart: the DynamoDB client made before the snapshot, and each restored instance its own
# (course_service/store/snapstart.py). Nothing happens without SnapStart.
snapstart.register()

# The outcomes counted, each as a metric of its own: the answers that mean something went wrong or
# was refused, by status; a course's writes, by method and status.
COUNTED_STATUSES: dict[int, str] = {
    HTTPStatus.CONFLICT: "CourseConflict",
    HTTPStatus.PRECONDITION_FAILED: "CourseConflict",
    HTTPStatus.UNPROCESSABLE_ENTITY: "ValidationFailed",
    HTTPStatus.INTERNAL_SERVER_ERROR: "UnexpectedError",  # for UnexpectedErrorsAlarm: not a Lambda error
    HTTPStatus.SERVICE_UNAVAILABLE: "StoreUnavailable",  # DynamoDB, whichever function answered
}
COUNTED_WRITES: dict[tuple[str, int], str] = {
    ("POST", HTTPStatus.CREATED): "CourseCreated",
    ("PUT", HTTPStatus.OK): "CourseUpdated",
    ("DELETE", HTTPStatus.NO_CONTENT): "CourseDeleted",
}

# Set by a handler whose answer repeats an earlier request's (an Idempotency-Key replay): that
# outcome was counted when it happened.
_replay: ContextVar[bool] = ContextVar("replay", default=False)


def replayed() -> None:
    """Marks this request's answer as a replay of an earlier one's, so that it is not counted again."""
    _replay.set(True)


def _count(event: dict[str, Any], status: int) -> None:
    """Counts the outcome of one request: the one place the service's metrics are recorded."""
    name = COUNTED_STATUSES.get(status)
    if name is None and not _replay.get():
        name = COUNTED_WRITES.get((str(event.get("httpMethod")), status))
    if name is not None:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def request_id(event: dict[str, Any]) -> Any:
    """API Gateway's request id, every log line's ``correlation_id``; None in an event without one.

    What ``inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)`` reads,
    without its JMESPath query per request (~5 µs; tests/unit/test_logs.py compares the two).
    """
    context = event.get("requestContext")
    return context.get("requestId") if isinstance(context, dict) else None


def lambda_entry(handle: ProxyHandler, preload: Callable[[], object] | None = None) -> ProxyHandler:
    """The Lambda entry point for ``handle`` (see the module docstring).

    ``preload``: what ``handle`` loads at the first request that needs it (the resolver, for
    course_service.edge.direct.plain_or_resolver); with SnapStart, loaded before the snapshot.
    """
    if preload is not None:
        snapstart.preload(preload)

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        logger.set_correlation_id(request_id(event))
        deadline.start(context)  # every DynamoDB call must end before it (course_service.store.retry_policy)
        _replay.set(False)
        try:
            response = handle(event, context)
        except Exception:
            log_unexpected_error()
            response = internal_error()
        _count(event, response["statusCode"])
        add_response_headers(response)
        # DEBUG: API Gateway's access log already records every request, by the same request id
        # (the cost of this line at INFO: docs/PERFORMANCE.md). The route template, not the path,
        # and never the body: names and bodies stay out of logs.
        logger.debug("Request handled", route=event.get("resource"), status=response["statusCode"])
        return response

    return cast(ProxyHandler, lambda_handler)


def lambda_entry_for(app: "APIGatewayRestResolver") -> ProxyHandler:
    """The Lambda entry point for a resolver's routes (course_service.edge.resolver)."""
    from course_service.edge.resolver import handler_for

    return lambda_entry(handler_for(app))
