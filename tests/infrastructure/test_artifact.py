"""The deployed artifact: what ``make build`` ships serves every route, and the layer keeps what the
routes load.

Built as ``make bench`` builds it (bench/build.py: ``sam build`` for this machine's architecture,
then tools/finish_build.py, the step ``make build`` runs), each function is run in a fresh
python3.13 process with nothing on its path but its folder and the layer (no site-packages, no
runtime botocore: tests/infrastructure/artifact_probe.py), against dynalite, with its successes and
its refusals; tools/finish_build.py's rules are checked on their own first.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from bench import build
from localdev import template
from localdev.__main__ import local_environment
from localdev.dynamodb import Dynalite, ensure_tables
from localdev.runtime import api_event
from tests.root import ROOT

PROBE = Path(__file__).with_name("artifact_probe.py")
SAM_CLI = os.environ.get("SAM_CLI") or shutil.which("sam")
RUNTIME_PYTHON = os.environ.get("PYTHON_RUNTIME")


def _finish_build():
    spec = importlib.util.spec_from_file_location("finish_build", build.FINISH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


finish_build = _finish_build()


# -- the rules, on a layer made up for the purpose ---------------------------------------------------


def _tree(root: Path, files: list[str]) -> None:
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("{}")


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_the_layer_keeps_of_botocore_data_only_what_a_dynamodb_client_reads(tmp_path):
    data = "botocore/data/"
    _tree(
        tmp_path,
        [
            f"{data}endpoints.json",
            f"{data}partitions.json",
            f"{data}sdk-default-configuration.json",
            f"{data}_retry.json",
            f"{data}dynamodb/2011-12-05/service-2.json.gz",
            f"{data}dynamodb/2011-12-05/endpoint-rule-set-1.json.gz",
            f"{data}dynamodb/2012-08-10/service-2.json.gz",
            f"{data}dynamodb/2012-08-10/endpoint-rule-set-1.json.gz",
            f"{data}dynamodb/2012-08-10/paginators-1.json",
            f"{data}dynamodb/2012-08-10/waiters-2.json",
            f"{data}dynamodb/2012-08-10/examples-1.json",
            f"{data}s3/2006-03-01/service-2.json.gz",
            f"{data}dynamodbstreams/2012-08-10/service-2.json.gz",
            "botocore/client.py",
            "boto3/data/dynamodb/2012-08-10/resources-1.json",
            "boto3/session.py",
            "s3transfer/manager.py",
            "somepackage/tests/test_it.py",
            "somepackage/sub/test/conftest.py",
            "somepackage/testing.py",
        ],
    )
    finish_build.slim_layer(tmp_path)
    assert _files(tmp_path) == {
        f"{data}endpoints.json",
        f"{data}partitions.json",
        f"{data}sdk-default-configuration.json",
        f"{data}dynamodb/2012-08-10/service-2.json.gz",
        f"{data}dynamodb/2012-08-10/endpoint-rule-set-1.json.gz",
        "botocore/client.py",
        "boto3/session.py",
        # boto3 imports it (boto3.compat), so a keyed create does: kept.
        "s3transfer/manager.py",
        "somepackage/testing.py",
    }
    assert not (tmp_path / f"{data}s3").exists()  # no empty folder left behind either


def test_finishing_runs_only_with_the_functions_runtime():
    globals_runtime = template.load()["Globals"]["Function"]["Runtime"]
    assert globals_runtime == "python{}.{}".format(*finish_build.RUNTIME)
    layer = template.load()["Resources"]["CourseCommonLayer"]
    assert layer["Metadata"]["BuildMethod"] == globals_runtime


def test_make_build_and_the_bench_finish_the_build_with_the_same_step():
    # What deploy.yml runs (make build) and what make bench measures go through one file.
    recipe = subprocess.run(
        ["make", "-n", "--no-print-directory", "build", "PYTHON_RUNTIME=python3.13"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "python3.13 tools/finish_build.py .aws-sam/build" in recipe.splitlines()
    assert build.FINISH == ROOT / "tools" / "finish_build.py"


# -- the built artifact --------------------------------------------------------------------------

needs_build = pytest.mark.skipif(
    not (SAM_CLI and RUNTIME_PYTHON), reason="needs the SAM CLI and python3.13 (make test provides both)"
)

J = {"Content-Type": "application/json"}
COURSE = {"name": "Artifact probe", "level": "beginner"}
KEYED = {"name": "Artifact probe keyed", "level": "beginner"}
KEY = {"Idempotency-Key": "3f1c6a52-artifact"}


def _request(method: str, path: str, resource: str, body=None, headers=None, content_type=J) -> dict:
    return api_event(
        method,
        path,
        route=template.route(method, resource),
        headers={**content_type, **(headers or {})},
        body=json.dumps(body) if body is not None else None,
    )


# Each function's requests, in order, and the status each must get: its successes, its refusals,
# a keyed create and its replay (Powertools' idempotency store and boto3), the docs page's files.
PATH = "/courses/Artifact%20probe"
REQUESTS: dict[str, list[tuple[dict, int]]] = {
    "CreateCourseFunction": [
        (_request("POST", "/courses", "/courses", COURSE), 201),
        (_request("POST", "/courses", "/courses", COURSE), 409),
        (_request("POST", "/courses", "/courses", KEYED, KEY), 201),
        (_request("POST", "/courses", "/courses", KEYED, KEY), 201),
        (_request("POST", "/courses", "/courses", {"name": 1}), 422),
        (_request("POST", "/courses", "/courses", COURSE, content_type={"Content-Type": "text/plain"}), 415),
    ],
    "GetCourseFunction": [
        (_request("GET", PATH, "/courses/{name}"), 200),
        (_request("GET", "/courses/nothing-here", "/courses/{name}"), 404),
    ],
    "UpdateCourseFunction": [
        (_request("PUT", PATH, "/courses/{name}", {"level": "advanced"}), 200),
        (_request("PUT", PATH, "/courses/{name}", {"level": "advanced"}, {"If-Match": '"stale"'}), 412),
    ],
    "ListCoursesFunction": [
        (_request("GET", "/courses", "/courses"), 200),
        (_request("GET", "/courses?level=expert", "/courses"), 422),
    ],
    "DeleteCourseFunction": [
        (_request("DELETE", PATH, "/courses/{name}"), 204),
        (_request("DELETE", PATH, "/courses/{name}"), 404),
    ],
    "HealthFunction": [(_request("GET", "/health", "/health"), 200)],
    "ApiDocsFunction": [
        (_request("GET", "/docs", "/docs"), 200),
        (_request("GET", "/openapi.json", "/openapi.json"), 200),
        (_request("GET", "/docs/swagger-ui.min.css", "/docs/{asset}"), 200),
    ],
}
# Tracing on imports the X-Ray SDK and patches botocore: run once more with it, as Lambda would
# (LAMBDA_TASK_ROOT puts the SDK in its Lambda mode; the trace header is the one Lambda sets).
TRACED = "GetCourseFunction"
TRACING = {
    "POWERTOOLS_TRACE_DISABLED": "false",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
}


@pytest.fixture(scope="module")
def artifact(tmp_path_factory) -> Path:
    """template.yaml built and finished as make bench does it (for this machine's architecture)."""
    root = tmp_path_factory.mktemp("artifact")
    # sam build's dependency cache, kept between runs (a fresh one downloads every dependency again).
    assert SAM_CLI and RUNTIME_PYTHON
    return build.build(SAM_CLI, RUNTIME_PYTHON, root=root, cache=ROOT / ".aws-sam" / "artifact-test-cache")


@pytest.fixture(scope="module")
def probes(artifact, tmp_path_factory) -> dict[str, dict]:
    """Each function's requests answered by the built artifact, in a fresh process each."""
    work = tmp_path_factory.mktemp("probe")
    assert RUNTIME_PYTHON
    layer = artifact / "CourseCommonLayer" / "python"
    results = {}
    with Dynalite() as dynalite:
        ensure_tables(dynalite.endpoint, "courses-artifact", "courses-artifact-idempotency")
        env = {
            **local_environment(),
            "PATH": os.environ["PATH"],
            "HOME": str(work),
            "LANG": "C.UTF-8",
            "TABLE_NAME": "courses-artifact",
            "IDEMPOTENCY_TABLE_NAME": "courses-artifact-idempotency",
            "DYNAMODB_ENDPOINT": dynalite.endpoint,
            "AWS_ACCESS_KEY_ID": "artifact",
            "AWS_SECRET_ACCESS_KEY": "artifact",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        runs: list[tuple[str, list[tuple[dict, int]], dict[str, str]]] = [(f, REQUESTS[f], {}) for f in REQUESTS]
        runs.append((f"{TRACED} traced", REQUESTS[TRACED][1:], TRACING))
        for name, requests, extra in runs:
            function = artifact / name.split()[0]
            job, out = work / "job.json", work / f"{name}.json"
            job.write_text(
                json.dumps({"function": str(function), "layer": str(layer), "events": [e for e, _ in requests]})
            )
            subprocess.run(
                [RUNTIME_PYTHON, "-I", "-S", "-B", str(PROBE), str(job), str(out)],
                env={**env, "LAMBDA_TASK_ROOT": str(function), **extra},
                check=True,
                timeout=120,
                stdout=subprocess.DEVNULL,
            )
            results[name] = {**json.loads(out.read_text()), "expected": [status for _, status in requests]}
    return results


@needs_build
def test_every_route_answers_from_the_built_artifact_alone(probes):
    for name, result in probes.items():
        assert result["statuses"] == result["expected"], name
        # Nothing but the function, the layer and the standard library was imported.
        assert result["foreign_modules"] == [], (name, result["foreign_modules"])
    assert "aws_xray_sdk" in probes[f"{TRACED} traced"]["modules"]
    assert "aws_xray_sdk" not in probes[TRACED]["modules"]


@needs_build
def test_botocore_reads_exactly_the_data_files_the_layer_keeps(artifact, probes):
    layer = artifact / "CourseCommonLayer" / "python"
    data = layer / "botocore" / "data"
    kept = {p.relative_to(layer).as_posix() for p in data.rglob("*") if p.is_file()}
    read = {path for result in probes.values() for path in result["opened"] if path.startswith("botocore/data/")}
    assert read == kept
    # What the loader asked for and did not find, no botocore of this version has either: the
    # optional "sdk-extras" of each model. sam build's own output is the full botocore.
    full = artifact.parent / build.SAM_OUTPUT.name / "CourseCommonLayer" / "python"
    missed = {path for result in probes.values() for path, found in result["asked"].items() if not found}
    assert missed, "the probe saw botocore's loader ask for nothing"
    for path in missed:
        assert not list(full.glob(f"{path}.*")), path


@needs_build
def test_the_layer_loses_other_services_data_and_boto3_resources_not_what_boto3_imports(artifact, probes):
    layer = artifact / "CourseCommonLayer" / "python"
    assert {p.name for p in (layer / "botocore" / "data").iterdir() if p.is_dir()} == {"dynamodb"}
    assert not (layer / "boto3" / "data").exists()
    # A keyed create imports boto3 (Powertools' idempotency store), and boto3 imports s3transfer.
    assert "s3transfer" in probes["CreateCourseFunction"]["modules"]
    assert (layer / "s3transfer").is_dir()
    assert not [p for p in layer.rglob("*") if p.is_dir() and p.name in finish_build.TEST_FOLDERS]


@needs_build
def test_the_finished_layer_is_compiled_for_the_runtime_and_smaller_zipped(artifact):
    layer = artifact / "CourseCommonLayer"
    full = artifact.parent / build.SAM_OUTPUT.name / "CourseCommonLayer"
    tag = "cpython-{}{}".format(*finish_build.RUNTIME)
    sources = [p for p in layer.rglob("*.py") if "-stubs" not in p.parts[-2]]
    assert all((p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc").exists() for p in sources)
    assert _zipped(layer) < _zipped(full) / 2


def _zipped(folder: Path) -> int:
    """Bytes of the folder deflate-zipped, as sam package zips it."""
    target = folder.parent / f"{folder.name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                archive.write(p, p.relative_to(folder))
    size = target.stat().st_size
    target.unlink()
    return size


def test_the_probe_reports_modules_from_outside_the_artifact(tmp_path):
    # The probe's own check must be able to fail: a module on a path outside the artifact is named.
    function, layer, elsewhere = tmp_path / "function", tmp_path / "layer", tmp_path / "elsewhere"
    for folder in (function, layer, elsewhere):
        folder.mkdir()
    (elsewhere / "outsider.py").write_text("")
    (function / "app.py").write_text(
        f"import sys\nsys.path.append({str(elsewhere)!r})\nimport outsider\n"
        "def lambda_handler(event, context):\n    return {'statusCode': 200}\n"
    )
    _tree(layer, ["botocore/__init__.py"])
    (layer / "botocore" / "loaders.py").write_text(
        "class JSONFileLoader:\n    def load_file(self, path):\n        return None\n"
    )
    job, out = tmp_path / "job.json", tmp_path / "out.json"
    job.write_text(json.dumps({"function": str(function), "layer": str(layer), "events": [{}]}))
    python = RUNTIME_PYTHON or shutil.which("python3")
    assert python
    subprocess.run([python, "-I", "-S", "-B", str(PROBE), str(job), str(out)], check=True, timeout=60)
    result = json.loads(out.read_text())
    assert result["statuses"] == [200]
    assert result["foreign_modules"] == ["outsider"]
    assert "botocore/loaders.py" in result["opened"]  # and files opened under the layer are seen
