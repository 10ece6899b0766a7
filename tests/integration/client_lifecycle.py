"""A course's whole life through a client generated from openapi.json (``python -m
tests.integration.client_lifecycle BASE_URL``, the generated package importable): create, read, two
pages of a level, a conditional update, a stale one, a 304, a conflict, a 422, delete, a 404.

Every answer is parsed strictly: a status the document does not declare raises (the client is made
with ``raise_on_unexpected_status``); a field it does not declare, anywhere in a body, fails; the
headers are read only as the document declares them for that operation and status (an undeclared
one fails, a required one must be there). Prints one JSON list of the steps it took.

test_generated_client.py runs it with the generator's Python: its environment holds what the
generated client imports (httpx, attrs), which the application's does not. So it uses only the
standard library and the generated package.
"""

import importlib
import json
import sys
import uuid
from http import HTTPStatus
from types import ModuleType
from typing import Any
from urllib.parse import quote

from tests.openapi_document import declared_headers, header_problems, operation_by_id

PACKAGE = "course_service_client"  # the generated package, named after the document's title


def generated(module: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{module}")


def snake_case(operation_id: str) -> str:
    """The generated module of an operation: createCourse -> create_course."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation_id)


def assert_only_declared_fields(value: Any, where: str = "body") -> None:
    """The generated models keep what the document does not declare in ``additional_properties``."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            assert_only_declared_fields(item, f"{where}[{index}]")
    elif hasattr(value, "additional_properties"):  # a model: an attrs class (its fields, __attrs_attrs__)
        assert value.additional_properties == {}, f"undeclared fields in {where}: {value.additional_properties}"
        for field in type(value).__attrs_attrs__:
            assert_only_declared_fields(getattr(value, field.name), f"{where}.{field.name}")


class Lifecycle:
    def __init__(self, base_url: str):
        self.client = generated("client").Client(base_url=base_url, raise_on_unexpected_status=True, timeout=30)
        self.models = generated("models")
        self.steps: list[dict[str, Any]] = []

    def call(self, operation_id: str, status: HTTPStatus, **arguments: Any) -> tuple[Any, dict[str, str]]:
        """Calls an operation, expecting ``status``; returns the parsed body and the declared headers."""
        response = generated(f"api.default.{snake_case(operation_id)}").sync_detailed(client=self.client, **arguments)
        assert response.status_code == status, (operation_id, response.status_code, response.content)
        parsed = response.parsed
        assert_only_declared_fields(parsed)
        sent = {name.lower(): value for name, value in response.headers.items()}
        operation = operation_by_id(operation_id)
        problems = header_problems(operation, response.status_code, sent)
        assert not problems, problems
        headers = {name: sent[name] for name in declared_headers(operation, response.status_code) if name in sent}
        self.steps.append(
            {
                "operation": operation_id,
                "status": int(status),
                "parsed": type(parsed).__name__,
                "headers": sorted(headers),
            }
        )
        return parsed, headers

    def run(self) -> None:
        models, level = self.models, "intermediate"
        first, second = (f"client {tag} {uuid.uuid4().hex[:8]}" for tag in ("a", "b"))

        def course(name: str) -> Any:
            return models.CourseCreate(name=name, level=models.CourseCreateLevel(level))

        created, headers = self.call(
            "createCourse", HTTPStatus.CREATED, body=course(first), idempotency_key=str(uuid.uuid4())
        )
        assert isinstance(created, models.CourseResponse) and (created.name, created.level.value) == (first, level)
        assert headers["location"] == f"courses/{quote(first)}"
        etag = headers["etag"]
        self.call("createCourse", HTTPStatus.CREATED, body=course(second))

        read, headers = self.call("getCourse", HTTPStatus.OK, name=first)
        assert read == created and headers["etag"] == etag

        # Two pages of one level, a course each: which courses depends on what other tests left.
        level_filter = models.ListCoursesLevelType0(level)
        page, _ = self.call("listCourses", HTTPStatus.OK, level=level_filter, limit=1)
        assert isinstance(page, models.CoursePage) and len(page.items) == 1 and isinstance(page.next_cursor, str)
        after, _ = self.call("listCourses", HTTPStatus.OK, level=level_filter, limit=1, cursor=page.next_cursor)
        assert len(after.items) == 1 and after.items[0].name > page.items[0].name
        assert {course.level.value for course in [*page.items, *after.items]} == {level}

        change = models.CourseUpdate(level=models.CourseUpdateLevel("advanced"))
        updated, headers = self.call("updateCourse", HTTPStatus.OK, name=first, body=change, if_match=etag)
        assert updated.level.value == "advanced" and headers["etag"] != etag
        stale, current = etag, headers["etag"]
        refused, _ = self.call("updateCourse", HTTPStatus.PRECONDITION_FAILED, name=first, body=change, if_match=stale)
        assert isinstance(refused, models.ErrorResponse)

        unchanged, headers = self.call("getCourse", HTTPStatus.NOT_MODIFIED, name=first, if_none_match=current)
        assert unchanged is None and headers["etag"] == current

        taken, headers = self.call("createCourse", HTTPStatus.CONFLICT, body=course(second))
        assert isinstance(taken, models.ErrorResponse) and "retry-after" not in headers  # taken, not in progress
        invalid, _ = self.call("createCourse", HTTPStatus.UNPROCESSABLE_ENTITY, body=course(" "))
        assert isinstance(invalid, models.ValidationErrorResponse)
        assert [(item.loc, item.type_) for item in invalid.detail] == [(["body", "name"], "string_too_short")]

        self.call("deleteCourse", HTTPStatus.NO_CONTENT, name=first, if_match=current)
        gone, _ = self.call("getCourse", HTTPStatus.NOT_FOUND, name=first)
        assert isinstance(gone, models.ErrorResponse) and gone.message == "Course not found"
        self.call("deleteCourse", HTTPStatus.NO_CONTENT, name=second)


if __name__ == "__main__":
    lifecycle = Lifecycle(sys.argv[1])
    lifecycle.run()
    print(json.dumps(lifecycle.steps))
