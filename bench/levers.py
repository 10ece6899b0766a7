"""``python -m bench.levers``: one lever at a time, on get_course's cold start (after ``make bench``).

Same build, same method as ``make bench`` (fresh python3.13 processes, round robin, medians):
as built; with Powertools' Tracer (tracing switched on: the X-Ray SDK is imported); without
bytecode; with the runtime's botocore instead of the layer's (the layer's botocore hidden). Then what
each piece the functions import costs over botocore's own imports (fresh processes, importing only).
"""

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import build
from bench.__main__ import FLOOR_SOURCE, Bench, seed
from localdev.doctor import _runtime_python
from localdev.dynamodb import Dynalite, ensure_table

BOTOCORE_AND_DEPENDENCIES = {"botocore", "jmespath", "urllib3", "dateutil", "six.py"}


def layer_without_botocore(workdir: Path) -> Path:
    """The built layer, minus botocore and what it needs (links, nothing copied)."""
    folder = workdir / "layer-without-botocore"
    folder.mkdir()
    for entry in (build.SAM_BUILD / "CourseCommonLayer" / "python").iterdir():
        if entry.name not in BOTOCORE_AND_DEPENDENCIES:
            (folder / entry.name).symlink_to(entry)
    return folder


BOTOCORE = ["botocore.session", "botocore.config", "botocore.client"]  # what the floor imports
# Cumulative: each row imports the previous rows' modules too.
PIECES = {
    "botocore (the floor's imports)": BOTOCORE,
    "+ pynamodb.models": ["pynamodb.models"],
    "+ pydantic (BaseModel, TypeAdapter)": ["pydantic.main", "pydantic.type_adapter"],
    "+ course_service.schemas (our models)": ["course_service.schemas"],
    "+ Powertools event_handler, Logger, Metrics": [
        "aws_lambda_powertools.event_handler",
        "aws_lambda_powertools.logging",
        "aws_lambda_powertools.metrics",
    ],
    "+ course_service.resolver (everything a course handler needs)": [
        "course_service.resolver",
        "course_service.responses",
    ],
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


def main(runs: int = 11) -> int:
    python = _runtime_python()
    if python is None:
        sys.exit("no python3.13: set PYTHON_RUNTIME (see make doctor)")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, Dynalite() as dynalite:
        workdir = Path(tmp)
        (workdir / "floor").mkdir()
        (workdir / "floor" / "app.py").write_text((FLOOR_SOURCE / "app.py").read_text())
        build.compile_bytecode(python, workdir / "floor")
        ensure_table(dynalite.endpoint, "courses-bench")
        seed(dynalite.endpoint, "courses-bench", 100)
        bench = Bench(python, dynalite.endpoint, "courses-bench", workdir)
        no_botocore = layer_without_botocore(workdir)
        base: dict[str, Any] = {
            "mode": "cold",
            "kind": "get",
            "run": "levers",
            "event": bench.events["get_course"],
            "path": bench.code_path("get_course"),
        }
        variants = {
            "as built": base,
            "Powertools Tracer (tracing on)": {**base, "env": {"POWERTOOLS_TRACE_DISABLED": "false"}},
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
    floor = statistics.median(r["cold_ms"] for r in measured["floor (botocore only)"])
    print(f"get_course cold start, median of {runs} fresh processes each")
    for name, results in measured.items():
        cold = statistics.median(r["cold_ms"] for r in results)
        rss = statistics.median(r["rss_mb"] for r in results)
        print(f"  {name:<40} {cold:7.1f} ms  x{cold / floor:.2f}  RSS {rss:.0f} MB  {results[0]['modules']} modules")
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
