"""template.yaml's security and operations settings, resolved the way CloudFormation would."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from localdev import template
from tests.root import ROOT

TEMPLATE = template.load()
RESOURCES = TEMPLATE["Resources"]
PARAMETERS = TEMPLATE["Parameters"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}


def resolve(value, overrides: dict | None = None):
    """Fn::If / Ref-to-parameter resolution with the parameters' defaults (what LanguageExtensions does)."""
    params = {name: p.get("Default") for name, p in PARAMETERS.items()} | (overrides or {})

    def condition(name):
        return evaluate(TEMPLATE["Conditions"][name])

    def evaluate(node):
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref" and arg in params:
                return params[arg]
            if key == "Fn::Equals":
                return str(evaluate(arg[0])) == str(evaluate(arg[1]))
            if key == "Fn::Not":
                return not evaluate(arg[0])
            if key == "Fn::If":
                return evaluate(arg[1] if condition(arg[0]) else arg[2])
        if isinstance(node, dict):
            return {k: evaluate(v) for k, v in node.items()}
        if isinstance(node, list):
            return [evaluate(v) for v in node]
        return node

    return evaluate(value)


def authorizers(overrides=None) -> dict[str, str]:
    return {
        f"{e['Properties']['Method'].upper()} {e['Properties']['Path']}": resolve(
            e["Properties"]["Auth"]["Authorizer"], overrides
        )
        for f in FUNCTIONS.values()
        for e in f["Properties"]["Events"].values()
    }


def test_writes_need_iam_and_reads_are_public_by_default():
    assert RESOURCES["CourseApi"]["Properties"]["Auth"]["DefaultAuthorizer"] == "AWS_IAM"
    assert authorizers() == {
        "POST /courses": "AWS_IAM",
        "PUT /courses/{name}": "AWS_IAM",
        "DELETE /courses/{name}": "AWS_IAM",
        "GET /courses/{name}": "NONE",
        "GET /courses": "NONE",
        "GET /health": "NONE",
        "GET /docs": "NONE",
        "GET /docs/{asset}": "NONE",
        "GET /openapi.json": "NONE",
    }


def test_parameters_switch_write_auth_off_for_a_sandbox_and_read_auth_on():
    assert set(authorizers({"WriteAuthorization": "NONE"}).values()) == {"NONE"}
    assert set(authorizers({"ReadAuthorization": "AWS_IAM"}).values()) == {"AWS_IAM"}
    assert "AWS::LanguageExtensions" in TEMPLATE["Transform"]  # what resolves these Fn::If at deploy


def test_stage_is_throttled_by_parameters_and_access_logged():
    api = RESOURCES["CourseApi"]["Properties"]
    [settings] = api["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert "$context.requestId" in api["AccessLogSetting"]["Format"]


def test_cors_is_off_unless_an_origin_is_configured():
    cors = RESOURCES["CourseApi"]["Properties"]["Cors"]
    assert resolve(cors) == {"Ref": "AWS::NoValue"}
    configured = resolve(cors, {"CorsAllowOrigin": "https://app.example.com"})
    assert configured["AllowOrigin"] == {"Fn::Sub": "'${CorsAllowOrigin}'"}
    assert "Idempotency-Key" in configured["AllowHeaders"].strip("'").split(",")  # a browser may retry safely


def test_table_keeps_its_data():
    table = RESOURCES["CoursesTable"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True


def test_idempotency_records_are_encrypted_recoverable_and_expire():
    table = RESOURCES["IdempotencyTable"]
    # Records stop counting after 24 h: nothing in it is worth keeping when the stack goes.
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Delete"
    assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True
    assert table["Properties"]["TimeToLiveSpecification"]["Enabled"] is True


def test_every_log_group_has_a_retention_and_every_function_logs_to_one():
    groups = {k for k, v in RESOURCES.items() if v["Type"] == "AWS::Logs::LogGroup"}
    for name in groups:
        assert RESOURCES[name]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert {f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] for f in FUNCTIONS.values()} <= groups


def test_alarms_watch_5xx_latency_lambda_errors_and_throttles_and_dynamodb_throttles():
    alarms = {k: v["Properties"] for k, v in RESOURCES.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    watched = set()
    for alarm in alarms.values():
        watched.add(alarm.get("MetricName"))
        watched |= {m["MetricStat"]["Metric"]["MetricName"] for m in alarm.get("Metrics", []) if "MetricStat" in m}
        assert resolve(alarm["AlarmActions"], {"AlarmTopicArn": "arn:aws:sns:us-east-1:000000000000:ops"}) == [
            "arn:aws:sns:us-east-1:000000000000:ops"
        ]
        assert resolve(alarm["AlarmActions"]) == {"Ref": "AWS::NoValue"}
    assert {
        "5XXError",
        "Latency",
        "Errors",
        "Throttles",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
        "UnexpectedError",
        "StoreUnavailable",
    } <= watched
    always_deployed = {name for name, f in FUNCTIONS.items() if "Condition" not in f}
    for alarm in alarms.values():  # every function of the API is in the Lambda alarms, and only those
        ids = {
            m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
            for m in alarm.get("Metrics", [])
            if "MetricStat" in m and m["MetricStat"]["Metric"]["Namespace"] == "AWS/Lambda"
        }
        assert ids in (set(), always_deployed)


def _metric_stats(alarm: dict) -> dict[str, dict]:
    """An alarm's metrics by id (a single-metric alarm's under "m")."""
    if "Metrics" in alarm:
        return {m["Id"]: m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m}
    return {"m": {k: alarm[k] for k in ("Namespace", "MetricName", "Dimensions")}}


def test_alarms_on_the_service_metrics_watch_the_namespace_and_service_the_functions_publish_to():
    env = template.function_environment()
    service_metrics = [
        metric
        for resource in RESOURCES.values()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        for metric in _metric_stats(resource["Properties"]).values()
        if not metric["Namespace"].startswith("AWS/")
    ]
    assert {m["MetricName"] for m in service_metrics} == {"UnexpectedError", "StoreUnavailable"}
    for metric in service_metrics:
        assert metric["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
        assert metric["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]


def test_dynamodb_503s_have_their_own_alarm_and_neither_count_as_5xx_bugs_nor_roll_back():
    api_5xx = RESOURCES["Api5xxAlarm"]["Properties"]
    [expression] = [m["Expression"] for m in api_5xx["Metrics"] if "Expression" in m]
    unavailable = next(i for i, m in _metric_stats(api_5xx).items() if m["MetricName"] == "StoreUnavailable")
    assert re.fullmatch(rf"\(errors - FILL\({unavailable}, 0\)\) / requests", expression)
    store = _metric_stats(RESOURCES["StoreUnavailableAlarm"]["Properties"])
    assert {m["MetricName"] for m in store.values()} == {"StoreUnavailable", "Count"}
    rollback = {a["Ref"] for a in TEMPLATE["Globals"]["Function"]["DeploymentPreference"]["Alarms"]}
    assert rollback == {"FunctionErrorsAlarm", "Api5xxAlarm", "UnexpectedErrorsAlarm"}


def test_deploys_are_gradual_through_an_alias_and_roll_back_on_alarms():
    function_globals = TEMPLATE["Globals"]["Function"]
    assert function_globals["AutoPublishAlias"] == "live"
    preference = function_globals["DeploymentPreference"]
    assert resolve(preference["Type"]).startswith("Canary")
    assert {a["Ref"] for a in preference["Alarms"]} <= {
        k for k, v in RESOURCES.items() if v["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert resolve(function_globals["SnapStart"]["ApplyOn"]) == "None"
    assert resolve(function_globals["SnapStart"]["ApplyOn"], {"SnapStart": "true"}) == "PublishedVersions"


def test_every_skipped_checkov_check_says_why():
    for name, resource in RESOURCES.items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV_AWS_\d+", skip["id"]) and len(skip.get("comment", "")) > 20, (name, skip)


def test_cfn_lint_passes_with_informational_checks():
    cfn_lint = Path(os.sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), "--include-checks", "I", "--", str(ROOT / "template.yaml")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


CHECKOV = os.environ.get("CHECKOV") or str(ROOT / ".tools/checkov/bin/checkov")


@pytest.mark.skipif(not Path(CHECKOV).exists(), reason="checkov not installed (make test installs it)")
def test_the_template_passes_checkov():
    result = subprocess.run(
        [
            CHECKOV,
            "--file",
            str(ROOT / "template.yaml"),
            "--framework",
            "cloudformation",
            "--compact",
            "--quiet",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Failed checks: 0" in result.stdout


def test_the_throttle_alarm_watches_the_table_and_each_of_its_indexes():
    """DynamoDB reports an index's throttling only under its own GlobalSecondaryIndexName dimension."""
    alarm = RESOURCES["TableThrottlesAlarm"]["Properties"]
    watched = set()
    for metric in alarm["Metrics"]:
        if "MetricStat" in metric:
            stat = metric["MetricStat"]["Metric"]
            dimensions = {d["Name"]: d["Value"] for d in stat["Dimensions"]}
            assert dimensions["TableName"] == {"Ref": "CoursesTable"}
            watched.add((stat["MetricName"], dimensions.get("GlobalSecondaryIndexName")))
    indexes = [i["IndexName"] for i in RESOURCES["CoursesTable"]["Properties"]["GlobalSecondaryIndexes"]]
    assert watched == {(m, i) for m in ("ReadThrottleEvents", "WriteThrottleEvents") for i in (None, *indexes)}
    [expression] = [m["Expression"] for m in alarm["Metrics"] if "Expression" in m]
    assert expression == 'SUM(METRICS("d"))'
    assert all(m["Id"].startswith("d") for m in alarm["Metrics"] if "MetricStat" in m)


def test_the_dashboard_shows_every_api_function_and_each_index():
    body = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    for name, function in FUNCTIONS.items():
        if "Condition" not in function:
            assert f"${{{name}}}" in body, name
    for index in RESOURCES["CoursesTable"]["Properties"]["GlobalSecondaryIndexes"]:
        assert f'"GlobalSecondaryIndexName", "{index["IndexName"]}"' in body
