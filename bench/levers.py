"""``python -m bench.levers``: one lever at a time, on get_course's cold start (after ``make bench``).

Same build, same method as ``make bench`` (fresh python3.13 processes, round robin, medians):
as built; with Powertools' Tracer (tracing switched on: the X-Ray SDK is imported); without
bytecode; with the runtime's botocore instead of the layer's (the layer's botocore hidden).
"""

import statistics
import sys
import tempfile
from pathlib import Path

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


def main(runs: int = 11) -> int:
    python = _runtime_python()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, Dynalite() as dynalite:
        workdir = Path(tmp)
        (workdir / "floor").mkdir()
        (workdir / "floor" / "app.py").write_text((FLOOR_SOURCE / "app.py").read_text())
        build.compile_bytecode(python, workdir / "floor")
        ensure_table(dynalite.endpoint, "courses-bench")
        seed(dynalite.endpoint, "courses-bench", 100)
        bench = Bench(python, dynalite.endpoint, "courses-bench", workdir)
        no_botocore = layer_without_botocore(workdir)
        base = {"mode": "cold", "kind": "get", "run": "levers", "event": bench.events["get_course"],
                "path": bench.code_path("get_course")}
        variants = {
            "as built": base,
            "Powertools Tracer (tracing on)": {**base, "env": {"POWERTOOLS_TRACE_DISABLED": "false"}},
            "no bytecode": {**base, "no_bytecode": True},
            "runtime's botocore, not the layer's": {
                **base, "path": [base["path"][0], str(no_botocore), str(build.RUNTIME)]},
            "floor (botocore only)": {**base, "path": bench.code_path(None, layer=False)},
        }
        measured: dict[str, list[dict]] = {name: [] for name in variants}
        for _ in range(runs):
            for name, job in variants.items():
                measured[name].append(bench.run(job))
    floor = statistics.median(r["cold_ms"] for r in measured["floor (botocore only)"])
    print(f"get_course cold start, median of {runs} fresh processes each")
    for name, results in measured.items():
        cold = statistics.median(r["cold_ms"] for r in results)
        rss = statistics.median(r["rss_mb"] for r in results)
        print(f"  {name:<40} {cold:7.1f} ms  x{cold / floor:.2f}  RSS {rss:.0f} MB  {results[0]['modules']} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 11))
