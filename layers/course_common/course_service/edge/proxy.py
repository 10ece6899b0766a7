"""Answers in API Gateway's proxy format, and the headers every answer carries.

Standard library only: health answers through it without Powertools' event handler or Pydantic.
"""

import json
from http import HTTPStatus
from typing import Any

from course_service.common import settings

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


# json.dumps with an option makes an encoder at each call; this one, made once, writes the same text
# (about 1.3 µs less a response).
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def json_text(body: dict[str, Any]) -> str:
    """A body as JSON text: compact, as Powertools writes bodies."""
    return _COMPACT.encode(body)


def proxy_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A JSON answer in API Gateway's proxy format."""
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json_text(body),
        "isBase64Encoded": False,
    }


def internal_error() -> dict[str, Any]:
    """The bare 500: what went wrong is logged, never sent."""
    return proxy_response(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": INTERNAL_ERROR})


def response_headers() -> dict[str, str]:
    """The headers every response carries: security headers, and CORS if configured.

    API Gateway answers the preflight; a proxy integration's real answers need the CORS headers from
    us.
    """
    if not settings.current.cors_allow_origin:
        return SECURITY_HEADERS
    return {
        **SECURITY_HEADERS,
        "Access-Control-Allow-Origin": settings.current.cors_allow_origin,
        "Access-Control-Expose-Headers": EXPOSED_HEADERS,
    }


def add_response_headers(response: dict[str, Any]) -> None:
    """Adds the headers of every response that ``response`` does not set itself.

    Names compare case-insensitively; each goes in the form the response uses: ``multiValueHeaders``
    (the resolver's) or ``headers``.
    """
    own = {name.lower() for key in ("headers", "multiValueHeaders") for name in response.get(key) or {}}
    key = "multiValueHeaders" if response.get("multiValueHeaders") is not None else "headers"
    target = response.get(key) or {}
    for name, value in response_headers().items():
        if name.lower() not in own:
            target[name] = [value] if key == "multiValueHeaders" else value
    response[key] = target
