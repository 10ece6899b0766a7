"""`make run` on a data folder from before GET /courses: the table (without indexes) is rebuilt with
them, its courses kept, then listed."""

from localdev.dynamodb import Dynalite, client
from localdev.server_process import LocalServer

TABLE = "courses-old"
STAMP = "2024-05-01T12:00:00.000000+0000"


def test_a_table_from_before_the_indexes_is_rebuilt_with_them_and_its_courses_listed(tmp_path):
    data = tmp_path / "data"
    with Dynalite(data_dir=data) as old:  # what an earlier version of `make run` left behind
        dynamodb = client(old.endpoint)
        dynamodb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
        )
        # dynalite makes a table ACTIVE after answering: a put before that is ResourceNotFound.
        dynamodb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 0.1, "MaxAttempts": 300})
        for name, level in (("Old B", "advanced"), ("Old A", "beginner")):
            dynamodb.put_item(
                TableName=TABLE,
                Item={
                    "name": {"S": name},
                    "level": {"S": level},
                    "created_at": {"S": STAMP},
                    "updated_at": {"S": STAMP},
                    "version": {"N": "4"},
                },
            )

    server = LocalServer({"DYNAMODB_ENDPOINT": "", "TABLE_NAME": TABLE}, data_dir=data)
    try:
        page = server.request("GET", "/courses")
        advanced = server.request("GET", "/courses?level=advanced")
        read = server.request("GET", "/courses/Old%20A")
    finally:
        printed = server.stop()

    assert "Rebuilt table courses-old" in printed
    assert page.status == 200 and [item["name"] for item in page.body["items"]] == ["Old A", "Old B"]
    assert [item["name"] for item in advanced.body["items"]] == ["Old B"]
    assert page.body["items"][0] == read.body  # kept as it was (ops.backfill changes no version)
