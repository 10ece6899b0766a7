"""How openapi.json describes DELETE /courses/{name}: the route on Powertools' resolver.

The function answers through app.py, without the resolver, to start and answer faster
(course_service.edge.direct). This declaration is what the OpenAPI generator reads
(localdev/openapi.py), and tests/unit/test_direct_routes.py answers the same requests through it
and through app.py and compares the answers.
"""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header

from course_service.core import courses
from course_service.edge.conditional import preconditions
from course_service.edge.openapi_docs import documented_errors
from course_service.edge.paths import course_name_from_path
from course_service.edge.resolver import create_app

app = create_app()


@app.delete(
    "/courses/<name>",
    operation_id="deleteCourse",
    summary="Delete a course",
    responses={
        int(HTTPStatus.NO_CONTENT): {"description": "Deleted; no body", "content": {}},
        **documented_errors(HTTPStatus.NOT_FOUND, HTTPStatus.PRECONDITION_FAILED, HTTPStatus.UNPROCESSABLE_ENTITY),
    },
)
def delete_course(
    name: str,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
):
    # No return annotation: Powertools would document a JSON body for the 204 (Response[None] gives
    # "content: application/json, type null"), and a 204 has no content.
    courses.delete(course_name_from_path(name), preconditions(if_match, if_none_match))
    return Response(HTTPStatus.NO_CONTENT)
