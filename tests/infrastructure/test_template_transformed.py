"""template.yaml as it deploys: transformed by AWS::LanguageExtensions and SAM for every combination
of the parameters that changes its shape (tests/infrastructure/template_transform.py), then checked resource by resource.

The source YAML can look right and still fail at deploy (SAM refuses ``Cors.ExposeHeaders``) or
deploy something else than it says (SAM puts the default IAM authorizer on CORS preflights unless told
not to). Only the translator's output shows either.
"""

import itertools
import json
import re

import pytest

from localdev import template
from tests.infrastructure import template_transform

ORIGIN = "https://app.example.com"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"
# The parameters that shape the API, in every combination...
API_SHAPES = [
    dict(zip(("CorsAllowOrigin", "WriteAuthorization", "ReadAuthorization", "ServeApiDocs"), values, strict=False))
    for values in itertools.product(["", ORIGIN], ["AWS_IAM", "NONE"], ["NONE", "AWS_IAM"], ["false", "true"])
]
# ...each with the other shape-changing parameters at their defaults, then all switched.
OTHERS_SWITCHED = {
    "TracingEnabled": "true",
    "SnapStart": "true",
    "AlarmTopicArn": TOPIC,
    "DeploymentType": "AllAtOnce",
    "ReservedConcurrency": "0",
}
# ...and with provisioned concurrency, which SnapStart excludes (the template's Rules).
PROVISIONED = {"ProvisionedConcurrency": "3", "ReservedConcurrency": "10"}
COMBINATIONS = (
    API_SHAPES + [shape | OTHERS_SWITCHED for shape in API_SHAPES] + [shape | PROVISIONED for shape in API_SHAPES]
)
API_FUNCTIONS = {"CreateCourse", "GetCourse", "ListCourses", "UpdateCourse", "DeleteCourse", "Health"}

pytestmark = pytest.mark.skipif(
    template_transform.sam_python() is None, reason="SAM CLI not installed (make test installs it)"
)


def _name(overrides: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in overrides.items()) or "defaults"


@pytest.fixture(scope="module")
def outcomes() -> list[tuple[dict[str, str], dict]]:
    """(parameter values, {"template"} or {"error"}) for every combination: one translator run."""
    results = template_transform.transform(*COMBINATIONS)
    return [(template_transform.parameters(c), r) for c, r in zip(COMBINATIONS, results, strict=False)]


@pytest.fixture(scope="module")
def deployed(outcomes) -> list[tuple[dict[str, str], dict]]:
    return [(values, outcome["template"]) for values, outcome in outcomes if "template" in outcome]


def resources(stack: dict, kind: str) -> dict[str, dict]:
    return {k: v for k, v in stack["Resources"].items() if v["Type"] == kind}


def operations(stack: dict) -> dict[tuple[str, str], dict]:
    """(path, METHOD) -> the OpenAPI operation SAM generated for the REST API."""
    [api] = resources(stack, "AWS::ApiGateway::RestApi").values()
    return {
        (path, method.upper()): operation
        for path, methods in api["Properties"]["Body"]["paths"].items()
        for method, operation in methods.items()
    }


def gateway_responses(stack: dict) -> dict[str, dict]:
    [api] = resources(stack, "AWS::ApiGateway::RestApi").values()
    return api["Properties"]["Body"].get("x-amazon-apigateway-gateway-responses", {})


def test_sam_transforms_the_template_for_every_parameter_combination(outcomes):
    failures = {_name(c): o["error"] for c, (_, o) in zip(COMBINATIONS, outcomes, strict=False) if "error" in o}
    assert not failures
    assert len(outcomes) == len(COMBINATIONS) == 48


def test_routes_are_the_template_routes_and_docs_only_with_serve_api_docs(deployed):
    routes = template.routes()
    for values, stack in deployed:
        expected = {
            (r.resource, r.method)
            for r in routes
            if r.function != "ApiDocsFunction" or values["ServeApiDocs"] == "true"
        }
        actual = {key for key in operations(stack) if key[1] != "OPTIONS"}
        assert actual == expected, values
        assert ("ApiDocsFunction" in stack["Resources"]) == (values["ServeApiDocs"] == "true")


def test_each_method_requires_iam_exactly_as_its_parameter_says(deployed):
    for values, stack in deployed:
        for (path, method), operation in operations(stack).items():
            if method == "OPTIONS":
                continue
            setting = values[
                "WriteAuthorization" if method in {"POST", "PUT", "PATCH", "DELETE"} else "ReadAuthorization"
            ]
            assert operation["security"] == [{setting: []}], (values, path, method)


def test_api_gateway_invokes_the_functions_itself_not_with_the_callers_credentials(deployed):
    # SAM's default for AWS_IAM routes is the caller's credentials, so every signed caller would also
    # need lambda:InvokeFunction; Auth.InvokeRole NONE uses the functions' resource policies instead.
    for values, stack in deployed:
        for key, operation in operations(stack).items():
            assert "credentials" not in operation["x-amazon-apigateway-integration"], (values, key)
        permissions = resources(stack, "AWS::Lambda::Permission").values()
        assert {p["Properties"]["Principal"] for p in permissions} == {"apigateway.amazonaws.com"}


def test_preflight_is_answered_for_every_path_without_auth_only_when_cors_is_on(deployed):
    for values, stack in deployed:
        ops = operations(stack)
        paths = {path for path, _ in ops}
        preflights = {path: op for (path, method), op in ops.items() if method == "OPTIONS"}
        if not values["CorsAllowOrigin"]:
            assert not preflights, values
            continue
        assert set(preflights) == paths, values
        for path, preflight in preflights.items():
            assert "security" not in preflight, (values, path)  # AuthorizationType NONE: browsers send no credentials
            integration = preflight["x-amazon-apigateway-integration"]
            assert integration["type"] == "mock"
            headers = integration["responses"]["default"]["responseParameters"]
            assert headers["method.response.header.Access-Control-Allow-Origin"] == f"'{ORIGIN}'"
            allowed_methods = set(headers["method.response.header.Access-Control-Allow-Methods"].strip("'").split(","))
            assert {method for p, method in ops if p == path and method != "OPTIONS"} <= allowed_methods, path
            allowed_headers = (
                headers["method.response.header.Access-Control-Allow-Headers"].strip("'").lower().split(",")
            )
            # What a browser sends to a SigV4-signed, conditional JSON API.
            assert {
                "content-type",
                "if-match",
                "if-none-match",
                "authorization",
                "x-amz-date",
                "x-amz-security-token",
                "x-amz-content-sha256",
            } <= set(allowed_headers)
            assert int(headers["method.response.header.Access-Control-Max-Age"].strip("'")) > 0


def test_api_gateways_own_errors_carry_cors_and_nosniff(deployed):
    # 403 (unsigned), 429 (throttled), 5xx from API Gateway itself: without Access-Control-Allow-Origin
    # a browser app could not even read the status.
    for values, stack in deployed:
        responses = gateway_responses(stack)
        assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX"}, values
        for kind, response in responses.items():
            headers = response["responseParameters"]
            assert headers["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'"
            if values["CorsAllowOrigin"]:
                assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == f"'{ORIGIN}'", kind
            else:
                assert "gatewayresponse.header.Access-Control-Allow-Origin" not in headers, kind


def test_functions_get_the_cors_origin_and_never_record_responses_in_traces(deployed):
    for values, stack in deployed:
        for logical_id, function in resources(stack, "AWS::Lambda::Function").items():
            props = function["Properties"]
            env = props["Environment"]["Variables"]
            assert env["CORS_ALLOW_ORIGIN"] == values["CorsAllowOrigin"], (values, logical_id)
            assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
            tracing = values["TracingEnabled"] == "true"
            assert env["POWERTOOLS_TRACE_DISABLED"] == ("false" if tracing else "true")


def test_functions_may_write_to_x_ray_only_when_tracing_is_on(deployed):
    """Least privilege: SAM gives a function's role X-Ray's write policy for any Tracing value but
    Disabled (PassThrough included), so tracing off must say Disabled, and then no role may write
    traces; with TracingEnabled=true every function traces actively and may. Besides, each role has
    the basic execution policy (its logs) and its inline DynamoDB policy, nothing else."""
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    x_ray = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
    for values, stack in deployed:
        tracing = values["TracingEnabled"] == "true"
        roles = resources(stack, "AWS::IAM::Role")
        for logical_id, function in resources(stack, "AWS::Lambda::Function").items():
            role = roles[function["Properties"]["Role"]["Fn::GetAtt"][0]]["Properties"]
            assert set(role["ManagedPolicyArns"]) == ({basic, x_ray} if tracing else {basic}), (values, logical_id)
            assert "xray" not in json.dumps(role.get("Policies", [])).lower(), (values, logical_id)
            assert function["Properties"].get("TracingConfig") == ({"Mode": "Active"} if tracing else None)


def test_every_function_has_the_reserved_concurrency_of_the_parameter_and_zero_means_none(deployed):
    for values, stack in deployed:
        for logical_id, function in resources(stack, "AWS::Lambda::Function").items():
            reserved = function["Properties"].get("ReservedConcurrentExecutions")
            if values["ReservedConcurrency"] == "0":
                assert reserved is None, (values, logical_id)
            else:
                assert str(reserved) == values["ReservedConcurrency"], (values, logical_id)


def test_each_api_function_deploys_through_codedeploy_rolling_back_on_bugs_not_on_dynamodb(deployed):
    for values, stack in deployed:
        groups = resources(stack, "AWS::CodeDeploy::DeploymentGroup")
        functions = {k for k, f in resources(stack, "AWS::Lambda::Function").items()}
        assert {re.sub("DeploymentGroup$", "", g) for g in groups} == functions - {"ApiDocsFunction"}, values
        for group in groups.values():
            alarms = {a["Name"]["Ref"] for a in group["Properties"]["AlarmConfiguration"]["Alarms"]}
            assert alarms == {"FunctionErrorsAlarm", "Api5xxAlarm", "UnexpectedErrorsAlarm"}
            assert group["Properties"]["AlarmConfiguration"]["Enabled"] is True
            config = group["Properties"]["DeploymentConfigName"]
            assert values["DeploymentType"] in str(config)


def test_alarms_notify_the_topic_only_when_one_is_given(deployed):
    for values, stack in deployed:
        for logical_id, alarm in resources(stack, "AWS::CloudWatch::Alarm").items():
            actions = alarm["Properties"].get("AlarmActions")
            assert actions == ([TOPIC] if values["AlarmTopicArn"] else None), (values, logical_id)


def _alias_of(stack: dict, logical_id: str) -> dict:
    [alias] = [
        a
        for a in resources(stack, "AWS::Lambda::Alias").values()
        if a["Properties"]["FunctionName"] == {"Ref": logical_id}
    ]
    return alias


def test_snapstart_applies_to_the_published_versions_api_gateway_invokes_through_live(deployed):
    # SnapStart snapshots published versions only ($LATEST never): each function publishes one behind
    # the alias "live" at every deploy, and API Gateway invokes the alias, never the bare function.
    for values, stack in deployed:
        snapstart = values["SnapStart"] == "true"
        for logical_id, function in resources(stack, "AWS::Lambda::Function").items():
            apply_on = function["Properties"]["SnapStart"]["ApplyOn"]
            assert apply_on == ("PublishedVersions" if snapstart else "None"), (values, logical_id)
            alias = _alias_of(stack, logical_id)
            assert alias["Properties"]["Name"] == "live"
            version = stack["Resources"][alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]]
            assert version["Type"] == "AWS::Lambda::Version"
        for key, operation in operations(stack).items():
            if key[1] == "OPTIONS":
                continue
            uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            [target] = re.findall(r"functions/\$\{([A-Za-z0-9]+)\}/invocations", uri)
            invoked = stack["Resources"][target]
            assert (invoked["Type"], invoked["Properties"]["Name"]) == ("AWS::Lambda::Alias", "live"), (values, key)


def test_provisioned_concurrency_only_when_asked_on_each_api_functions_live_alias_with_its_scaling(deployed):
    for values, stack in deployed:
        provisioned = int(values["ProvisionedConcurrency"])
        aliases = {
            logical_id.removesuffix("FunctionAliaslive"): alias["Properties"]
            for logical_id, alias in resources(stack, "AWS::Lambda::Alias").items()
        }
        targets = resources(stack, "AWS::ApplicationAutoScaling::ScalableTarget")
        policies = resources(stack, "AWS::ApplicationAutoScaling::ScalingPolicy")
        if not provisioned:
            assert not any("ProvisionedConcurrencyConfig" in a for a in aliases.values()), values
            assert not targets and not policies, values
            continue
        assert {name for name, a in aliases.items() if "ProvisionedConcurrencyConfig" in a} == API_FUNCTIONS, values
        for name in API_FUNCTIONS:
            assert aliases[name]["ProvisionedConcurrencyConfig"] == {
                "ProvisionedConcurrentExecutions": str(provisioned)
            }
            target = targets[f"{name}ConcurrencyTarget"]
            assert target["DependsOn"] == f"{name}FunctionAliaslive"  # the alias exists before its scaling
            assert target["Properties"] == {
                "ServiceNamespace": "lambda",
                "ScalableDimension": "lambda:function:ProvisionedConcurrency",
                "ResourceId": {"Fn::Sub": f"function:${{{name}Function}}:live"},
                "MinCapacity": str(provisioned),
                "MaxCapacity": values["ReservedConcurrency"],  # the function's ceiling
            }
            policy = policies[f"{name}ConcurrencyScaling"]["Properties"]
            assert policy["ScalingTargetId"] == {"Ref": f"{name}ConcurrencyTarget"}
            assert policy["PolicyType"] == "TargetTrackingScaling"
            tracking = policy["TargetTrackingScalingPolicyConfiguration"]
            assert tracking["PredefinedMetricSpecification"] == {
                "PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"
            }
            assert 0 < tracking["TargetValue"] < 1
        assert len(targets) == len(policies) == len(API_FUNCTIONS)


def test_provisioned_concurrency_adds_no_iam_role_or_policy(outcomes):
    # Application Auto Scaling acts through its service-linked role: no role in the stack for it, and
    # the functions' roles do not change (least privilege, tests/infrastructure/test_template.py).
    def iam(overrides: dict[str, str]) -> dict:
        [(_, outcome)] = [(v, o) for v, o in outcomes if v == template_transform.parameters(overrides)]
        stack = outcome["template"]
        return {k: v for k, v in stack["Resources"].items() if v["Type"].startswith("AWS::IAM::")}

    for shape in API_SHAPES:
        with_provisioned = iam(shape | PROVISIONED)
        assert with_provisioned  # the functions' roles
        assert with_provisioned == iam(shape)


@pytest.fixture(scope="module")
def refused() -> list[dict]:
    return template_transform.transform(
        {"SnapStart": "true", "ProvisionedConcurrency": "2"},
        {"ProvisionedConcurrency": "2", "ReservedConcurrency": "0"},
        {"SnapStart": "true", "ProvisionedConcurrency": "0"},
    )


def test_snapstart_with_provisioned_concurrency_is_refused_before_anything_is_created(refused):
    # Lambda's SnapStart does not support provisioned concurrency: the template's Rules say so first.
    snapstart_and_provisioned, without_ceiling, snapstart_alone = refused
    assert "SnapStartWithoutProvisionedConcurrency" in snapstart_and_provisioned["error"]
    assert "ProvisionedConcurrencyWithinReservedConcurrency" in without_ceiling["error"]
    assert "template" in snapstart_alone
