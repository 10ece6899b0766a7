"""Course routes without Powertools' resolver: GET and DELETE whole; create, update and the list in part.

GET and DELETE of one course read no body and no query, and their only parameters are the name in the path and
strings from headers, so the resolver's OpenAPI validation can refuse nothing there: what is left of
its work is routing and writing the answer, which this module does in about 30 µs a request where the
resolver spends about 200 (python -m bench.overhead_split), and without importing Powertools' event
handler or Pydantic (docs/PERFORMANCE.md, "GET and DELETE without the resolver"). Each job of the
resolver, and what does it here:

- routing: API Gateway sends each function its route alone; the path is matched as Powertools
  matches ``/courses/<name>`` on a REST API (the same characters in the segment, trailing slashes,
  else 404 ``Not found``) and the method is the route's;
- parameters: the name is the raw segment (course_service.edge.paths decodes it), each header is
  its lines joined (request_checks.merged_headers), as the resolver gets them from resolver.py;
- errors: domain errors answered by answers.error_answer, anything else by the resolver's bare 500;
- the answer: Powertools' proxy format for a REST API (``multiValueHeaders``, compact JSON).

Their description in openapi.json stays Powertools': each function's openapi.py declares the route on
the resolver, and tests/unit/test_direct_routes.py answers the same requests through both and
compares the answers. The one difference known is for events API Gateway does not build: a query
field that is not text (``queryStringParameters: {"a": null}``) makes the resolver's validation fail
on every route (a 500), where these routes, which have no query, do not read it.
"""

import functools
import importlib.util
import itertools
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from course_service.common.observability import ProxyHandler
from course_service.core.errors import CourseError
from course_service.edge import request_checks
from course_service.edge.answers import Answer, error_answer, not_found_answer, unexpected_error_answer
from course_service.edge.proxy import json_text
from course_service.edge.refusals import request_refusal

# Powertools' /courses/<name> on a REST API: a segment of RFC 3986's unreserved and sub-delims
# characters, the characters it lets through unencoded (% < > space [ ] { } | ^) and word
# characters, then any number of trailing slashes, matched with re.match and "$" as it does
# (tests/unit/test_direct_routes.py compares the answers with the resolver's).
COURSE_PATH = re.compile(r"^/courses/(?P<name>[-._~()'!*:@,;=+&$%<> \[\]{}|^\w]+)/*$")

# A route of one course: the raw path segment and the merged headers in, its answer out.
CourseRoute = Callable[[str, Mapping[str, str]], Answer]


def proxy_answer(answer: Answer) -> dict[str, Any]:
    """An answer in the proxy format Powertools' REST resolver writes: every header as a list."""
    headers: dict[str, list[str]] = {name: [value] for name, value in answer.headers.items()}
    if answer.body is not None:
        headers.setdefault("Content-Type", ["application/json"])
    return {
        "statusCode": int(answer.status),
        "body": None if answer.body is None else json_text(answer.body),
        "isBase64Encoded": False,
        "multiValueHeaders": headers,
    }


def _answered(route: Callable[[], Answer]) -> Answer:
    try:
        return route()
    except CourseError as error:
        return error_answer(error)
    except Exception:
        return unexpected_error_answer()  # as the resolver's handler of the unexpected


def _answer(method: str, route: CourseRoute, event: Mapping[str, Any], headers: Mapping[str, str]) -> Answer:
    # Read as the resolver reads them, whatever the method: an event without them, or with a path
    # that is not text, fails (the entry point's bare 500) before any route.
    path, requested = event["path"], event["httpMethod"].upper()
    if not isinstance(path, str):
        raise TypeError("the event's path is not text")
    matched = COURSE_PATH.match(path) if requested == method else None
    if matched is None:
        return not_found_answer()
    return _answered(lambda: route(matched["name"], headers))


def course_handler(method: str, route: CourseRoute) -> ProxyHandler:
    """The proxy handler of one course's route for ``method``, refusals first (refusals.py)."""

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = request_checks.merged_headers(event)
        refusal = request_refusal(event, headers)
        if refusal is not None:
            return refusal
        return proxy_answer(_answer(method, route, event, headers))

    return handle


# POST and GET /courses, as Powertools' REST resolver matches them (trailing slashes).
COURSES_PATH = re.compile(r"^/courses/*$")

# What a route answered without the resolver takes from a request (its path matched, its method's;
# the event, its merged headers, the Lambda context): the route, called with the request's values,
# or None for a request the resolver must answer.
Taker = Callable[["re.Match[str]", Mapping[str, Any], Mapping[str, str], Any], Callable[[], Answer] | None]


def plain_or_resolver(
    method: str, path: "re.Pattern[str]", take: Taker, resolver: Callable[[], ProxyHandler]
) -> ProxyHandler:
    """The proxy handler of a route that reads a body or a query (course_service.edge.plain_requests).

    The requests ``take`` takes are answered here; every other one by ``resolver()`` (loaded at its
    first use: :func:`resolver_beside`), which validates it as the resolver always did. Refusals
    first (refusals.py), either way.
    """

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        headers = request_checks.merged_headers(event)
        refusal = request_refusal(event, headers)
        if refusal is not None:
            return refusal
        requested_path, requested_method = event.get("path"), event.get("httpMethod")
        matched = (
            path.match(requested_path)
            if isinstance(requested_path, str)
            and isinstance(requested_method, str)
            and requested_method.upper() == method
            else None
        )
        route = None if matched is None else take(matched, event, headers, context)
        if route is None:
            return resolver()(event, context)
        return proxy_answer(_answered(route))

    return handle


_loads = itertools.count(1)


def resolver_beside(app_file: str) -> Callable[[], ProxyHandler]:
    """The proxy handler of the resolver that ``openapi.py`` beside ``app_file`` declares.

    Imported at the first request that needs it, with Powertools' event handler and Pydantic, once
    per instance. Under its own module name, so that one process can load several functions (the
    tests, the local server).
    """

    @functools.cache
    def resolver() -> ProxyHandler:
        from course_service.edge.resolver import handler_for

        source = Path(app_file).with_name("openapi.py")
        spec = importlib.util.spec_from_file_location(f"{source.parent.name}_openapi_{next(_loads)}", source)
        if spec is None or spec.loader is None:
            raise ImportError(f"no resolver beside {app_file}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return handler_for(module.app)

    return resolver
