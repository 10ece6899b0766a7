"""template.yaml: valid, least privilege, and in step with the code."""

import ast
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from localdev import template
from tests.root import ROOT

TEMPLATE = template.load()
RESOURCES = TEMPLATE["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}

# The DynamoDB operations each function's code performs, by the PynamoDB/botocore call that does it.
# (Kept next to the template check so a new call shows up here as a failing test.)
PYNAMODB_CALL_TO_ACTION = {
    "save": "dynamodb:PutItem",
    "get": "dynamodb:GetItem",
    "get_item": "dynamodb:GetItem",  # PynamoDB's table connection, as CourseItem.get calls it (reads.course)
    "update": "dynamodb:UpdateItem",
    "delete": "dynamodb:DeleteItem",
    "describe_table": "dynamodb:DescribeTable",
    "query": "dynamodb:Query",
}
# Names a dict or another object has too: counted only when called on the model class itself.
MODEL_CLASS_ONLY = {"get"}


def _pynamodb_call(call: ast.Call) -> str | None:
    """The PynamoDB method a call makes, if it makes one."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name in MODEL_CLASS_ONLY and not (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "CourseItem"
    ):
        return None
    return name


LAYER = ROOT / "layers/course_common/course_service"
# The store's write kinds, by the class the core builds and the one in conditional_writes that sends it.
WRITE_KINDS = {"Creation": "_Create", "Change": "_Change", "Removal": "_Remove"}


def _model_actions(node: ast.AST) -> set[str]:
    calls = {_pynamodb_call(c) for c in ast.walk(node) if isinstance(c, ast.Call)}
    return {PYNAMODB_CALL_TO_ACTION[n] for n in calls if n in PYNAMODB_CALL_TO_ACTION}


def _reads_actions() -> dict[str, set[str]]:
    """For each function of store/reads.py: the DynamoDB actions it uses."""
    tree = ast.parse((LAYER / "store/reads.py").read_text())
    return {node.name: _model_actions(node) for node in tree.body if isinstance(node, ast.FunctionDef)}


def _write_kind_actions() -> dict[str, set[str]]:
    """For each kind of write (store/conditional_writes.py): the actions of its class and its bases,
    and the read by which a refusal or a lost reply is told."""
    tree = ast.parse((LAYER / "store/conditional_writes.py").read_text())
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}

    def actions(name: str) -> set[str]:
        node = classes[name]
        bases = {base.id for base in node.bases if isinstance(base, ast.Name) and base.id in classes}
        return _model_actions(node).union(*(actions(base) for base in bases))

    return {kind: actions(cls) | _reads_actions()["read"] for kind, cls in WRITE_KINDS.items()}


def _module_calls(module: str) -> dict[str, set[tuple[str | None, str]]]:
    """For each top-level function of a course_service module: the calls it and the module's
    functions it calls make, as (module name or None, function name)."""
    tree = ast.parse((LAYER / f"{module}.py").read_text())
    direct: dict[str, set[tuple[str | None, str]]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found: set[tuple[str | None, str]] = set()
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                    found.add((None, call.func.id))
                elif (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and isinstance(call.func.value, ast.Name)
                ):
                    found.add((call.func.value.id, call.func.attr))
            direct[node.name] = found
    resolved = {}
    for name in direct:
        calls: set[tuple[str | None, str]] = set()
        todo = [name]
        while todo:
            for callee in direct.get(todo.pop(), ()):
                if callee not in calls:
                    calls.add(callee)
                    if callee[0] is None and callee[1] in direct:
                        todo.append(callee[1])
        resolved[name] = calls
    return resolved


def _core_actions() -> dict[str, set[str]]:
    """For each function of core/courses.py: the DynamoDB actions of the reads it makes and of the
    writes it builds."""
    reads, writes = _reads_actions(), _write_kind_actions()
    return {
        name: {a for m, f in calls if m == "reads" for a in reads.get(f, ())}
        | {a for m, f in calls if m is None and f in writes for a in writes[f]}
        for name, calls in _module_calls("core/courses").items()
    }


def _idempotency_store_actions() -> set[str]:
    """What Powertools' DynamoDB idempotency store calls (``self.client.put_item(...)``, ...), read
    from its source: the actions a function using course_service.core.idempotency needs on that table."""
    from aws_lambda_powertools.utilities.idempotency.persistence import dynamodb as store

    tree = ast.parse(Path(store.__file__).read_text())
    calls = {
        c.func.attr
        for c in ast.walk(tree)
        if isinstance(c, ast.Call)
        and isinstance(c.func, ast.Attribute)
        and isinstance(c.func.value, ast.Attribute)
        and c.func.value.attr == "client"
    }
    return {"dynamodb:" + "".join(word.title() for word in call.split("_")) for call in calls}


def _function_actions(logical_id: str) -> dict[str, set[str]]:
    """DynamoDB actions reachable from a function's handler, by table: handler -> courses.* -> the
    store's reads and writes on the courses table; handler -> idempotency.* -> Powertools' store on
    its table (and -> courses.* on the courses table). The handler's code is app.py and, where there
    is one, the route on the resolver that it hands requests to (openapi.py)."""
    folder = ROOT / FUNCTIONS[logical_id]["Properties"]["CodeUri"]
    called = {
        (c.func.value.id, c.func.attr)
        for code in (folder / "app.py", folder / "openapi.py")
        if code.exists()
        for c in ast.walk(ast.parse(code.read_text()))
        if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and isinstance(c.func.value, ast.Name)
    }
    idempotency = _module_calls("core/idempotency")
    domain_calls = {f for m, f in called if m == "courses"}
    domain_calls |= {f for m, entry in called if m == "idempotency" for mm, f in idempotency[entry] if mm == "courses"}
    core = _core_actions()
    actions = {"CoursesTable": {a for d in domain_calls for a in core[d]}}
    if any(m == "idempotency" for m, _ in called):
        actions["IdempotencyTable"] = _idempotency_store_actions()
    return {table: found for table, found in actions.items() if found}


def _policy_statements(logical_id: str) -> list[dict]:
    return [s for p in FUNCTIONS[logical_id]["Properties"].get("Policies", []) for s in p["Statement"]]


TABLE_ARN = {"Fn::GetAtt": ["CoursesTable", "Arn"]}
INDEX_ARNS = [
    {"Fn::Sub": "${CoursesTable.Arn}/index/" + index["IndexName"]}
    for index in RESOURCES["CoursesTable"]["Properties"].get("GlobalSecondaryIndexes", [])
]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_function_may_call_exactly_the_dynamodb_actions_its_code_uses(logical_id):
    allowed: dict[str, set[str]] = {}
    for statement in _policy_statements(logical_id):
        assert statement["Effect"] == "Allow"
        if statement["Action"] == ["dynamodb:Query"]:
            # The list queries the courses table's indexes (models.py), never the table: those only.
            assert statement["Resource"] == INDEX_ARNS
            allowed.setdefault("CoursesTable", set()).update(statement["Action"])
            continue
        assert "dynamodb:Query" not in statement["Action"]
        [table, attribute] = statement["Resource"]["Fn::GetAtt"]  # one table of the stack, by its ARN
        assert attribute == "Arn"
        allowed.setdefault(table, set()).update(statement["Action"])
    assert allowed == _function_actions(logical_id)
    assert "Role" not in FUNCTIONS[logical_id]["Properties"]


def test_only_the_create_function_uses_the_idempotency_table_which_matches_powertools_store():
    from course_service.core import idempotency

    assert {name for name in FUNCTIONS if "IdempotencyTable" in _function_actions(name)} == {"CreateCourseFunction"}
    assert _idempotency_store_actions() == {
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    variables = RESOURCES["CreateCourseFunction"]["Properties"]["Environment"]["Variables"]
    assert variables == {"IDEMPOTENCY_TABLE_NAME": {"Ref": "IdempotencyTable"}}
    table = RESOURCES["IdempotencyTable"]["Properties"]
    store = idempotency.STORE
    assert table["KeySchema"] == [{"AttributeName": store.key_attr, "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": store.key_attr, "AttributeType": "S"}]
    assert store.sort_key_attr is None
    assert table["TimeToLiveSpecification"] == {"AttributeName": store.expiry_attr, "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def test_each_course_function_has_its_one_route_and_the_docs_function_is_conditional():
    apis = [k for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Api"]
    assert len(apis) == 1
    for function in FUNCTIONS.values():
        for event in function["Properties"]["Events"].values():
            assert event["Properties"]["RestApiId"] == {"Ref": apis[0]}
    by_function = {}
    for route in template.routes():
        by_function.setdefault(route.function, set()).add(f"{route.method} {route.resource}")
    assert by_function == {
        "CreateCourseFunction": {"POST /courses"},
        "GetCourseFunction": {"GET /courses/{name}"},
        "UpdateCourseFunction": {"PUT /courses/{name}"},
        "DeleteCourseFunction": {"DELETE /courses/{name}"},
        "HealthFunction": {"GET /health"},
        "ListCoursesFunction": {"GET /courses"},
        "ApiDocsFunction": {"GET /docs", "GET /docs/{asset}", "GET /openapi.json"},
    }
    assert RESOURCES["ApiDocsFunction"]["Condition"] == "DocsOn"
    assert TEMPLATE["Parameters"]["ServeApiDocs"]["Default"] == "false"


def test_every_function_and_the_layer_are_python313_on_the_architecture_parameter():
    function_globals = TEMPLATE["Globals"]["Function"]
    layer = RESOURCES["CourseCommonLayer"]
    assert function_globals["Runtime"] == layer["Metadata"]["BuildMethod"] == "python3.13"
    # One parameter, arm64 unless overridden (`--parameter-overrides Architecture=x86_64` for sam local
    # and make bench on an x86_64 machine): every function and the layer follow it.
    parameter = TEMPLATE["Parameters"]["Architecture"]
    assert parameter["Default"] == "arm64" and parameter["AllowedValues"] == ["arm64", "x86_64"]
    architecture = {"Ref": "Architecture"}
    assert function_globals["Architectures"] == layer["Properties"]["CompatibleArchitectures"] == [architecture]
    assert layer["Metadata"]["BuildArchitecture"] == architecture
    assert not [name for name, f in FUNCTIONS.items() if "Architectures" in f["Properties"]]


def test_dynamodb_endpoint_is_declared_empty_so_sam_local_can_set_it():
    # `sam local --env-vars` only sets variables the template declares; empty means the regional
    # endpoint (course_service/common/settings.py), so AWS is unaffected.
    assert template.function_environment()["DYNAMODB_ENDPOINT"] == ""


def test_sam_local_env_vars_file_sets_only_declared_variables():
    # SAM silently drops a variable the template does not declare: such an entry would do nothing.
    env_file = json.loads((ROOT / "samlocal" / "sam-local-env.json").read_text())
    assert set(env_file) == {"Parameters"}
    assert set(env_file["Parameters"]) <= template.declared_variables()
    assert {"DYNAMODB_ENDPOINT", "IDEMPOTENCY_TABLE_NAME"} <= template.declared_variables()
    assert env_file["Parameters"]["DYNAMODB_ENDPOINT"].startswith("http://host.docker.internal:")
    # The tables `make dynamodb` creates (localdev.dynamodb.ensure_tables).
    table = env_file["Parameters"]["TABLE_NAME"]
    assert env_file["Parameters"]["IDEMPOTENCY_TABLE_NAME"] == f"{table}-idempotency"


def test_table_is_keyed_by_name_on_demand_and_named_by_environment():
    table = RESOURCES["CoursesTable"]["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "name", "KeyType": "HASH"}]
    assert {"AttributeName": "name", "AttributeType": "S"} in table["AttributeDefinitions"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert template.function_environment()["TABLE_NAME"] == {"Ref": "CoursesTable"}
    assert {"ApiUrl", "TableName"} <= set(TEMPLATE["Outputs"])


def test_the_model_and_the_template_declare_the_same_table_keys_and_indexes():
    """The PynamoDB model (keys, indexes, their projections) is the template's table, item for item:
    a query on an index the template lacks fails only in AWS."""
    from course_service.store.models import CourseItem

    def key_schema(keys):
        return sorted((key["AttributeName"], key["KeyType"]) for key in keys)

    model = CourseItem._get_schema()
    table = RESOURCES["CoursesTable"]["Properties"]
    assert key_schema(model["key_schema"]) == key_schema(table["KeySchema"])
    assert sorted(map(tuple, (d.values() for d in model["attribute_definitions"]))) == sorted(
        (d["AttributeName"], d["AttributeType"]) for d in table["AttributeDefinitions"]
    )
    declared = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
    assert {index["index_name"] for index in model["global_secondary_indexes"]} == set(declared)
    assert declared, "GET /courses needs its indexes"
    for index in model["global_secondary_indexes"]:
        twin = declared[index["index_name"]]
        assert key_schema(index["key_schema"]) == key_schema(twin["KeySchema"]), index["index_name"]
        assert index["projection"] == twin["Projection"] == {"ProjectionType": "ALL"}
        assert "ProvisionedThroughput" not in twin  # on demand, like the table
    assert model["local_secondary_indexes"] == [] and "LocalSecondaryIndexes" not in table


def test_the_list_indexes_sort_by_name_within_one_catalogue_partition_or_one_level():
    from course_service.store.models import CATALOGUE, CourseItem

    indexes = RESOURCES["CoursesTable"]["Properties"]["GlobalSecondaryIndexes"]
    keys = {index["IndexName"]: key_schema_of(index) for index in indexes}
    assert keys == {
        "courses-by-name": [("catalogue", "HASH"), ("name", "RANGE")],
        "courses-by-level": [("level", "HASH"), ("name", "RANGE")],
    }
    fresh = CourseItem("x", level="beginner")
    assert fresh.catalogue == CATALOGUE  # every course written through the model is in the full list


def key_schema_of(index: dict) -> list[tuple[str, str]]:
    return [(key["AttributeName"], key["KeyType"]) for key in index["KeySchema"]]


def test_function_timeout_leaves_a_keyed_create_its_three_calls_and_stays_under_api_gateway():
    """Each request stops calling DynamoDB at its deadline (course_service.common.deadline); the timeout must
    leave room for the happy path of the slowest request even when each call takes the longest an
    attempt can: a keyed create's record, course and record completion, and the answer."""
    from course_service.common import deadline
    from course_service.store import retry_policy

    slowest_happy_path = 3 * retry_policy.attempt_seconds() + deadline.ANSWER_SECONDS
    timeout = TEMPLATE["Globals"]["Function"]["Timeout"]
    assert slowest_happy_path < timeout < 29


SAM_CLI = os.environ.get("SAM_CLI") or shutil.which("sam")
needs_sam = pytest.mark.skipif(not SAM_CLI, reason="SAM CLI not installed (make test installs it)")


def _sam(*args: str, runtime_python: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    if runtime_python:
        env["PATH"] = f"{Path(runtime_python).parent}:{env['PATH']}"
    assert SAM_CLI, "no SAM CLI: make test installs it"
    return subprocess.run([SAM_CLI, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900)


@needs_sam
def test_the_template_passes_sam_validate_lint():
    result = _sam("validate", "--lint", "--template-file", str(ROOT / "template.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr


RUNTIME_PYTHON = os.environ.get("PYTHON_RUNTIME")


@needs_sam
@pytest.mark.skipif(not RUNTIME_PYTHON, reason="no python3.13 for sam build (see `make doctor`)")
def test_sam_build_makes_an_arm64_python313_layer_and_thin_functions(tmp_path):
    build_dir = tmp_path / "build"
    result = _sam(
        "build",
        "--template-file",
        str(ROOT / "template.yaml"),
        "--build-dir",
        str(build_dir),
        "--cache-dir",
        str(tmp_path / "cache"),
        runtime_python=RUNTIME_PYTHON,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    layer = build_dir / "CourseCommonLayer" / "python"
    assert (layer / "course_service" / "edge" / "resolver.py").exists()
    # The docs page's files: Swagger UI from the layer's Powertools, the initializer with the function.
    swagger_ui = layer / "aws_lambda_powertools" / "event_handler" / "openapi" / "swagger_ui"
    assert {"swagger-ui-bundle.min.js", "swagger-ui.min.css"} <= {p.name for p in swagger_ui.iterdir()}
    assert {"openapi.json", "swagger-initializer.js"} <= {p.name for p in (build_dir / "ApiDocsFunction").iterdir()}
    assert list((layer / "pydantic_core").glob("_pydantic_core.cpython-313-aarch64-linux-gnu.so"))
    for logical_id in FUNCTIONS:
        files = {p.name for p in (build_dir / logical_id).iterdir()}
        assert "app.py" in files and "course_service" not in files
