"""``python -m ops.backfill --table <name>``: puts the courses created before GET /courses existed
into the list of all courses.

That list is the index ``courses-by-name``, whose partition key is the ``catalogue`` attribute: the
model sets it on every course it creates, so only older courses lack it. This gives it to them once:
a Scan for courses without it, then per course one UpdateItem setting it, on the condition that the
course still exists and still lacks it. Nothing else changes (level, timestamps, version, ETag). Safe
to run while the service runs, and again. With ``--endpoint`` it works on a local DynamoDB; without,
on AWS with the usual credentials and region (``AWS_PROFILE``, ``AWS_REGION``, ...).
"""

import argparse
import sys

import boto3

from ops import put_layer_on_path

put_layer_on_path()
from course_service.store.models import CATALOGUE, CourseItem  # noqa: E402

ATTRIBUTE = CourseItem.catalogue.attr_name


def backfill(dynamodb, table_name: str) -> int:
    """Gives every course of ``table_name`` that lacks it its ``catalogue``; returns how many it changed."""
    changed = 0
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=table_name,
        ProjectionExpression="#n",
        FilterExpression="attribute_not_exists(#c)",
        ExpressionAttributeNames={"#n": "name", "#c": ATTRIBUTE},
    )
    for page in pages:
        for key in page["Items"]:
            try:
                dynamodb.update_item(
                    TableName=table_name,
                    Key=key,
                    UpdateExpression="SET #c = :c",
                    ConditionExpression="attribute_exists(#n) AND attribute_not_exists(#c)",
                    ExpressionAttributeNames={"#n": "name", "#c": ATTRIBUTE},
                    ExpressionAttributeValues={":c": {"S": CATALOGUE}},
                )
                changed += 1
            except dynamodb.exceptions.ConditionalCheckFailedException:
                pass  # deleted meanwhile, or given its catalogue by another run
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.backfill", description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="the courses table (the stack's TableName output)")
    parser.add_argument("--endpoint", default=None, help="a local DynamoDB endpoint; default: AWS")
    args = parser.parse_args(argv)
    changed = backfill(boto3.client("dynamodb", endpoint_url=args.endpoint), args.table)
    print(f"{changed} courses given their catalogue in {args.table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
