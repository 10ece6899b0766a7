"""The API's levels and page sizes in plain Python.

schemas.py types them for Pydantic and the OpenAPI document; the routes answered without the
resolver (course_service.edge.plain_requests) check them directly, without Pydantic.
"""

# schemas.Level's values (tests/unit/test_plain_routes.py checks that they are the same).
LEVELS = ("beginner", "intermediate", "advanced")

DEFAULT_PAGE_SIZE = 20  # GET /courses without a limit
MAX_PAGE_SIZE = 100
