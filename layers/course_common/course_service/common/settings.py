"""Runtime configuration: read from the environment once per Lambda instance, checked, frozen.

A bad value stops the function at start-up (:class:`ConfigurationError`, naming the variable), so
that a misconfigured deployment fails its first invocation visibly instead of misbehaving later. A
standard-library dataclass, not Pydantic: health imports this module and keeps its cold start.

One DynamoDB attempt takes at most ``connect + read`` seconds; the retry policy sends a request again
at most ``max_retry_attempts`` times, and only when it is safe (course_service.store.retry_policy), and
starts no attempt that could end after the request's deadline (course_service.common.deadline), so every
request ends before the function timeout in ``template.yaml`` (below API Gateway's 29 s limit).
"""

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

# Powertools' switch values (POWERTOOLS_TRACE_DISABLED), read as Powertools reads them.
_TRUE = frozenset({"1", "y", "yes", "t", "true", "on"})


class ConfigurationError(RuntimeError):
    """An environment variable holds a value the service cannot run with."""


@dataclass(frozen=True)
class Settings:
    table_name: str = "courses"
    # Idempotency-Key records (template.yaml's IdempotencyTable sets it); locally the table beside
    # the courses table, which localdev and the tests create under this name.
    idempotency_table_name: str = "courses-idempotency"
    # None in AWS (the regional endpoint is used); set locally to DynamoDB Local, dynalite, ...
    dynamodb_endpoint: str | None = None
    region: str = "us-east-1"
    connect_timeout_seconds: float = 1
    read_timeout_seconds: float = 2
    # Times a request is sent again after its first attempt, when that is safe (course_service.store.retry_policy).
    max_retry_attempts: int = 2
    # When off, the X-Ray SDK is not even imported (course_service.common.observability).
    tracing_enabled: bool = True
    # The one origin browsers may call the API from (template parameter CorsAllowOrigin); empty: CORS off.
    cors_allow_origin: str = ""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> "Settings":
        table_name = environ.get("TABLE_NAME") or cls.table_name
        return cls(
            table_name=table_name,
            idempotency_table_name=environ.get("IDEMPOTENCY_TABLE_NAME") or f"{table_name}-idempotency",
            dynamodb_endpoint=environ.get("DYNAMODB_ENDPOINT") or None,
            region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or cls.region,
            connect_timeout_seconds=_seconds(environ, "DYNAMODB_CONNECT_TIMEOUT", cls.connect_timeout_seconds),
            read_timeout_seconds=_seconds(environ, "DYNAMODB_READ_TIMEOUT", cls.read_timeout_seconds),
            max_retry_attempts=_count(environ, "DYNAMODB_MAX_RETRIES", cls.max_retry_attempts),
            tracing_enabled=environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() not in _TRUE,
            cors_allow_origin=environ.get("CORS_ALLOW_ORIGIN", "").strip(),
        )


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    text = environ.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigurationError(f"{name}={text!r}: a number of seconds greater than 0")
    return value


def _count(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name)
    if text is None:
        return default
    if not text.strip().isdigit():
        raise ConfigurationError(f"{name}={text!r}: a whole number, 0 or more")
    return int(text)


current = Settings.from_environment(os.environ)

# Largest request body accepted, in bytes as received (UTF-8; base64-decoded when API Gateway
# encoded it): a course is a few hundred; anything far bigger is 413.
MAX_BODY_BYTES = 16 * 1024

# Seconds a client should wait before retrying after a 503 (or a 409 for a create still in progress).
RETRY_AFTER_SECONDS = 1

# How long a create's first response is kept for a retry with the same Idempotency-Key.
IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60
