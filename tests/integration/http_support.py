"""Plain helpers shared by the HTTP integration tests (fixtures live in conftest.py)."""

import uuid

from course_service.edge.paths import course_path as path_of  # the service's own: one home for the course URL

__all__ = ["path_of", "unique"]


def unique(prefix: str = "course") -> str:
    """A course name no other test (or earlier run against the same dynalite) uses."""
    return f"{prefix} {uuid.uuid4().hex[:8]}"
