"""Where a course lives in the API: the path its name becomes, and the name a path stands for.

The one home of the course URL, for the functions (``Location``, path parameters) and for every
client of the service in this repository (the tests, the load test, the smoke check, the bench).
"""

from urllib.parse import quote, unquote

from course_service.core.errors import CourseNotFound
from course_service.core.names import canonical_name, is_course_name


def course_name_from_path(segment: str) -> str:
    """The course name a percent-encoded path segment stands for.

    CourseNotFound if no course can have it. The inverse of :func:`course_path`.

    API Gateway REST passes ``path`` as the client encoded it; this is the one place it is decoded.
    The name is read as a body's is (its NFD spelling finds the course), except that it is not
    trimmed: stored names are, so " x " names no course. Nor does a segment that is not valid
    UTF-8 once decoded, or whose name breaks the name policy (names.py).
    """
    try:
        name = canonical_name(unquote(segment, errors="strict"))
    except UnicodeDecodeError:
        raise CourseNotFound() from None
    if not is_course_name(name):
        raise CourseNotFound()
    return name


def course_path(name: str) -> str:
    """The path of a course: its name percent-encoded as one segment (``Location``, clients)."""
    return "/courses/" + quote(name, safe="")
