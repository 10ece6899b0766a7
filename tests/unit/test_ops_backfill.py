"""ops.backfill: courses written before GET /courses existed (without ``catalogue``) get it once,
and are then listed; nothing else about them changes."""

import os

from course_service.edge.paths import course_path
from ops.backfill import backfill

TABLE = os.environ["TABLE_NAME"]
STAMP = "2024-05-01T12:00:00.000000+0000"


def old_course(name: str, level: str = "beginner", version: int = 3) -> dict:
    """An item as the service wrote it before the list existed."""
    return {
        "name": {"S": name},
        "level": {"S": level},
        "created_at": {"S": STAMP},
        "updated_at": {"S": STAMP},
        "version": {"N": str(version)},
    }


def listed(invoke, level=None) -> list[str]:
    reply = invoke("GET", "/courses", "/courses?limit=100" + (f"&level={level}" if level else ""))
    assert reply.status == 200
    return [item["name"] for item in reply.body["items"]]


def read(invoke, name: str):
    return invoke("GET", "/courses/{name}", course_path(name))


def test_old_courses_are_listed_after_the_backfill_and_otherwise_unchanged(table, invoke):
    for name in ("Old A", "Old B"):
        table.put_item(TableName=TABLE, Item=old_course(name))
    assert invoke("POST", "/courses", body={"name": "New", "level": "beginner"}).status == 201
    before = {name: read(invoke, name) for name in ("Old A", "Old B")}
    assert listed(invoke) == ["New"]  # the old ones lack the catalogue
    assert listed(invoke, "beginner") == ["New", "Old A", "Old B"]  # the level index needs no backfill

    assert backfill(table, TABLE) == 2

    assert listed(invoke) == ["New", "Old A", "Old B"]
    for name, reply in before.items():
        after = read(invoke, name)
        assert (after.body, after.headers["etag"]) == (reply.body, reply.headers["etag"])
    assert backfill(table, TABLE) == 0  # once is enough
