"""The API's levels, page sizes and Idempotency-Key in plain Python.

schemas.py types them for Pydantic and the OpenAPI document; the routes answered without the
resolver (course_service.edge.plain_requests) check them directly, without Pydantic.
"""

# schemas.Level's values (tests/unit/test_plain_routes.py checks that they are the same).
LEVELS = ("beginner", "intermediate", "advanced")

DEFAULT_PAGE_SIZE = 20  # GET /courses without a limit
MAX_PAGE_SIZE = 100

# The Idempotency-Key header of POST /courses: 1 to 255 visible ASCII characters (VCHAR in RFC 9110:
# no space, no control character), taken as sent (quotes of a structured-field string included).
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]+$"
IDEMPOTENCY_KEY_MAX_LENGTH = 255
