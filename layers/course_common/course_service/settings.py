"""Runtime configuration, read once per Lambda instance from the environment.

Timeouts and retries are chosen so that the worst case of one request stays well below the
function timeout in ``template.yaml`` (and so below API Gateway's 29 s integration limit):
``(connect + read) * (1 + retries)`` plus botocore's backoff.
"""

import os

TABLE_NAME = os.environ.get("TABLE_NAME", "courses")
# Idempotency-Key records (template.yaml's IdempotencyTable sets it); locally the table beside the
# courses table, which localdev and the tests create under this name.
IDEMPOTENCY_TABLE_NAME = os.environ.get("IDEMPOTENCY_TABLE_NAME") or f"{TABLE_NAME}-idempotency"
# Unset in AWS (the regional endpoint is used); set locally to DynamoDB Local, dynalite, ...
DYNAMODB_ENDPOINT = os.environ.get("DYNAMODB_ENDPOINT") or None
REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

CONNECT_TIMEOUT_SECONDS = float(os.environ.get("DYNAMODB_CONNECT_TIMEOUT", "1"))
READ_TIMEOUT_SECONDS = float(os.environ.get("DYNAMODB_READ_TIMEOUT", "2"))
MAX_RETRY_ATTEMPTS = int(os.environ.get("DYNAMODB_MAX_RETRIES", "2"))

# Powertools' switch (template parameter TracingEnabled), read as Powertools reads it: when off, the
# X-Ray SDK is not even imported (course_service.api).
TRACING_ENABLED = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() not in {
    "1", "y", "yes", "t", "true", "on"
}

# The one origin browsers may call the API from (template parameter CorsAllowOrigin); empty: CORS off.
CORS_ALLOW_ORIGIN = os.environ.get("CORS_ALLOW_ORIGIN", "").strip()

# Largest request body accepted, in bytes as received (UTF-8; base64-decoded when API Gateway
# encoded it): a course is a few hundred; anything far bigger is 413.
MAX_BODY_BYTES = 16 * 1024

# Seconds a client should wait before retrying after a 503 (or a 409 for a create still in progress).
RETRY_AFTER_SECONDS = 1

# How long a create's first response is kept for a retry with the same Idempotency-Key.
IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60
