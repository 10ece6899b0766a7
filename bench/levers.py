"""``python -m bench.levers``: one lever at a time, on get_course's cold start (after ``make bench``).

First the layer's size, package by package, as ``sam build`` leaves it (compiled, as ``make build``
shipped it before tools/finish_build.py slimmed it) and as finished now. Then, with the same build
and the same method as ``make bench`` (fresh python3.13 processes, round robin, medians): as built;
with the layer as sam build leaves it (compiled, not slimmed); with Powertools' Tracer (tracing
switched on: the X-Ray SDK is imported); without bytecode; with the runtime's botocore instead of
the layer's (the layer's botocore hidden). Then what each piece the functions import costs over
botocore's own imports (fresh processes, importing only), and what creating the DynamoDB client
costs with the layer slimmed and not.
"""

import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import build
from bench.__main__ import FLOOR_SOURCE, Bench, seed
from bench.sizes import print_sizes
from localdev.doctor import runtime_python
from localdev.dynamodb import Dynalite, ensure_table

# Tracing on, as Lambda runs it: the trace header Lambda sets for each invocation (LAMBDA_TASK_ROOT
# is set for every run: bench/__main__.py).
TRACING_ON = {
    "POWERTOOLS_TRACE_DISABLED": "false",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
}
BOTOCORE_AND_DEPENDENCIES = {"botocore", "jmespath", "urllib3", "dateutil", "six.py"}


def layer_without_botocore(workdir: Path) -> Path:
    """The built layer, minus botocore and what it needs (links, nothing copied)."""
    folder = workdir / "layer-without-botocore"
    folder.mkdir()
    for entry in (build.SAM_BUILD / "CourseCommonLayer" / "python").iterdir():
        if entry.name not in BOTOCORE_AND_DEPENDENCIES:
            (folder / entry.name).symlink_to(entry)
    return folder


def unslimmed_layer(python: str, workdir: Path) -> Path:
    """The layer as sam build leaves it, compiled: what make build shipped before the layer was slimmed."""
    folder = workdir / "layer-unslimmed"
    shutil.copytree(build.SAM_OUTPUT / "CourseCommonLayer", folder, symlinks=True)
    build.finish(python, folder, bytecode_only=True)
    return folder


BOTOCORE = ["botocore.session", "botocore.config", "botocore.client"]  # what the floor imports
# Cumulative: each row imports the previous rows' modules too.
PIECES = {
    "botocore (the floor's imports)": BOTOCORE,
    "+ pynamodb.models": ["pynamodb.models"],
    "+ pydantic (BaseModel, TypeAdapter)": ["pydantic.main", "pydantic.type_adapter"],
    "+ course_service.core.schemas (our models)": ["course_service.core.schemas"],
    "+ Powertools event_handler, Logger, Metrics": [
        "aws_lambda_powertools.event_handler",
        "aws_lambda_powertools.logging",
        "aws_lambda_powertools.metrics",
    ],
    "+ course_service.edge.resolver (what a course route on the resolver needs)": [
        "course_service.edge.resolver",
        "course_service.edge.responses",
    ],
    # Only a create with an Idempotency-Key imports it (Powertools' idempotency store), and boto3
    # imports s3transfer: why both stay in the layer.
    "+ boto3 (a keyed create's first request)": ["boto3"],
}
IMPORT = (
    "import importlib, sys, time; t = time.perf_counter(); [importlib.import_module(m) for m in sys.argv[1:]]; "
    "print((time.perf_counter() - t) * 1000, len(sys.modules))"
)


def import_costs(python: str, env: dict[str, str], runs: int) -> dict[str, tuple[float, int]]:
    """Median ms and modules to import each cumulative set of PIECES, in fresh processes, round robin."""
    paths = [str(build.SAM_BUILD / "CourseCommonLayer" / "python"), str(build.RUNTIME)]  # the layer, the runtime
    sets: dict[str, list[str]] = {}
    modules: list[str] = []
    for name, more in PIECES.items():
        modules = modules + more
        sets[name] = modules
    measured: dict[str, list[tuple[float, int]]] = {name: [] for name in sets}
    for _ in range(runs):
        for name, mods in sets.items():
            code = f"import sys; sys.path[:0] = {paths!r}; {IMPORT}"
            out = subprocess.run(
                [python, "-I", "-B", "-c", code, *mods], env=env, capture_output=True, text=True, check=True
            ).stdout.split()
            measured[name].append((float(out[0]), int(out[1])))
    return {name: (statistics.median(ms for ms, _ in r), r[0][1]) for name, r in measured.items()}


CREATE_CLIENT = (
    "import sys, time; sys.path[:0] = [sys.argv[1]]; import botocore.session; from botocore.config import Config; "
    "session = botocore.session.get_session(); t = time.perf_counter(); "
    "session.create_client('dynamodb', region_name='us-east-1', endpoint_url='http://127.0.0.1:9', "
    "aws_access_key_id='x', aws_secret_access_key='x', config=Config(retries={'mode': 'standard'})); "
    "print((time.perf_counter() - t) * 1000)"
)


def client_creation(python: str, layers: dict[str, Path], runs: int) -> dict[str, list[float]]:
    """ms botocore takes to create a DynamoDB client from each layer, fresh processes, round robin."""
    measured: dict[str, list[float]] = {name: [] for name in layers}
    for _ in range(runs):
        for name, layer in layers.items():
            out = subprocess.run(
                [python, "-I", "-B", "-c", CREATE_CLIENT, str(layer / "python")],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            measured[name].append(float(out))
    return measured


def main(runs: int = 11) -> int:
    python = runtime_python()
    if python is None:
        sys.exit("no python3.13: set PYTHON_RUNTIME (see make doctor)")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, Dynalite() as dynalite:
        workdir = Path(tmp)
        (workdir / "floor").mkdir()
        (workdir / "floor" / "app.py").write_text((FLOOR_SOURCE / "app.py").read_text())
        build.finish(python, workdir / "floor", bytecode_only=True)
        ensure_table(dynalite.endpoint, "courses-bench")
        seed(dynalite.endpoint, "courses-bench", 100)
        bench = Bench(python, dynalite.endpoint, "courses-bench", workdir)
        no_botocore = layer_without_botocore(workdir)
        unslimmed = unslimmed_layer(python, workdir)
        print_sizes(unslimmed, build.SAM_BUILD / "CourseCommonLayer")
        base: dict[str, Any] = {
            "mode": "cold",
            "kind": "get",
            "run": "levers",
            "event": bench.events["get_course"],
            "path": bench.code_path("get_course"),
        }
        variants = {
            "as built": base,
            "layer not slimmed (as sam build leaves it)": {
                **base,
                "path": [base["path"][0], str(unslimmed / "python"), str(build.RUNTIME)],
            },
            "Powertools Tracer (tracing on)": {**base, "env": TRACING_ON},
            "no bytecode": {**base, "no_bytecode": True},
            "runtime's botocore, not the layer's": {
                **base,
                "path": [base["path"][0], str(no_botocore), str(build.RUNTIME)],
            },
            "floor (botocore only)": {**base, "path": bench.code_path(None, layer=False)},
        }
        measured: dict[str, list[dict]] = {name: [] for name in variants}
        for _ in range(runs):
            for name, job in variants.items():
                measured[name].append(bench.run(job))
        costs = import_costs(python, bench.env(), runs)
        clients = client_creation(
            python, {"slimmed": build.SAM_BUILD / "CourseCommonLayer", "not slimmed": unslimmed}, runs
        )
    print(f"creating the DynamoDB client, fresh processes, {runs} rounds (ms): layer slimmed / not slimmed")
    diffs = [full - slim for slim, full in zip(clients["slimmed"], clients["not slimmed"], strict=True)]
    print(
        f"  {statistics.median(clients['slimmed']):.1f} / {statistics.median(clients['not slimmed']):.1f}"
        f"  (not slimmed minus slimmed, same round: median {statistics.median(diffs):+.1f}, slower in "
        f"{sum(d > 0 for d in diffs)}/{runs})"
    )
    floor = statistics.median(r["cold_ms"] for r in measured["floor (botocore only)"])
    print(f"get_course cold start, median of {runs} fresh processes each, round robin")
    for name, results in measured.items():
        cold = statistics.median(r["cold_ms"] for r in results)
        imports = statistics.median(r["import_ms"] for r in results)
        first = statistics.median(r["first_ms"] for r in results)
        rss = statistics.median(r["rss_mb"] for r in results)
        print(
            f"  {name:<44} {cold:7.1f} ms  x{cold / floor:.2f}  (import {imports:6.1f}, first response {first:5.1f})"
            f"  RSS {rss:.0f} MB  {results[0]['modules']} modules"
        )
    # Each round ran every variant once, one after the other: the difference within a round leaves
    # out what the machine did between rounds, so its median says more on a busy machine.
    print("each variant minus 'as built' in the same round: median, quartiles, rounds where it was slower")
    for name, results in measured.items():
        if name != "as built":
            for key in ("cold_ms", "first_ms"):
                diffs = [r[key] - b[key] for r, b in zip(results, measured["as built"], strict=True)]
                q1, _, q3 = statistics.quantiles(diffs, n=4)
                slower = sum(d > 0 for d in diffs)
                print(
                    f"  {name:<44} {key:<9} {statistics.median(diffs):+7.1f} ms  [{q1:+.1f}, {q3:+.1f}]  {slower}/{runs}"
                )
    floor_imports = costs["botocore (the floor's imports)"][0]
    print(f"import only, median of {runs} fresh processes each (cumulative; over botocore's imports)")
    previous = floor_imports
    for name, (ms, modules) in costs.items():
        print(
            f"  {name:<50} {ms:7.1f} ms  +{ms - floor_imports:6.1f} (this row +{ms - previous:5.1f})  {modules} modules"
        )
        previous = ms
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 11))
