"""GET /courses on Powertools' resolver: openapi.json's description, and the requests app.py leaves.

app.py answers a query the validation below would take as it is (course_service.edge.plain_requests);
this module is loaded at the first other request, a query to refuse, and answers it.
"""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from course_service.common.observability import tracer
from course_service.core import courses
from course_service.core.contract import DEFAULT_PAGE_SIZE
from course_service.core.schemas import CoursePage, Level, PageSize
from course_service.edge.openapi_docs import documented_errors
from course_service.edge.paging import CursorParameter, page_response, start_after
from course_service.edge.resolver import create_app

app = create_app()


@app.get(
    "/courses",
    operation_id="listCourses",
    summary="List courses, a page at a time",
    responses={
        200: {
            "description": "Courses in name order (code point order); next_cursor is null on the last page",
            "content": {content_types.APPLICATION_JSON: {"model": CoursePage}},
        },
        **documented_errors(HTTPStatus.UNPROCESSABLE_ENTITY),
    },
)
@tracer.capture_method
def list_courses(
    limit: Annotated[PageSize, Query(description="Courses per page")] = DEFAULT_PAGE_SIZE,
    level: Annotated[Level | None, Query(description="Only the courses of this level")] = None,
    cursor: Annotated[CursorParameter | None, Query(description="The next_cursor of the previous page")] = None,
) -> Response[CoursePage]:
    page = courses.list_page(level, start_after(cursor, level), limit)
    return page_response(page, level)
