"""``python -m bench.compare OTHER``: this checkout against another one (a change's before), in one run.

Builds both as ``make bench`` builds (bench/build.py; OTHER with its own template and finishing
step), then, against one dynalite, function by function in round robin so that machine drift hits
both alike: cold starts (fresh processes) and warm requests with DynamoDB stubbed (the handler's
own cost over the same floor), alternating between the two builds. Prints one table: medians,
and this checkout over OTHER. OTHER is any checkout, e.g. ``git worktree add ../before HEAD~3``.
"""

import argparse
import copy
import os
import statistics
import sys
from pathlib import Path

from bench import build
from bench.__main__ import FUNCTIONS, ROOT, Bench, workspace
from localdev.doctor import runtime_python

OTHER_BUILD = build.BUILD / "other"


def _as_other(bench: Bench, other_sam: Path) -> Bench:
    """The same Bench (its events, floor and dynalite), pointed at the other checkout's build."""
    other = copy.copy(bench)
    other.sam, other.layer = other_sam, other_sam / "CourseCommonLayer" / "python"
    return other


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (its template.yaml and code)")
    parser.add_argument("--python", default=os.environ.get("PYTHON_RUNTIME") or runtime_python())
    parser.add_argument("--sam", default=os.environ.get("SAM_CLI") or str(ROOT / ".tools/sam/bin/sam"))
    parser.add_argument("--cold-runs", type=int, default=11, help="fresh processes per function and build")
    parser.add_argument("--requests", type=int, default=1000, help="warm requests per function, build and round")
    parser.add_argument("--rounds", type=int, default=3, help="warm rounds, alternating the builds")
    parser.add_argument("--functions", nargs="*", default=[f for f in FUNCTIONS if f != "create_course_keyed"])
    args = parser.parse_args(argv)
    if not args.python:
        parser.error("no python3.13: set PYTHON_RUNTIME (see make doctor)")
    if not (args.other / "template.yaml").is_file():
        parser.error(f"{args.other} holds no template.yaml: give a checkout of this project")

    print(f"building this checkout and {args.other} ...", file=sys.stderr)
    build.build(args.sam, args.python)
    build.runtime_botocore(args.python)
    other_sam = build.build(args.sam, args.python, root=OTHER_BUILD, checkout=args.other.resolve())

    rows = []
    with workspace(args.python, "courses-compare") as (this, _):
        other = _as_other(this, other_sam)
        for folder in args.functions:
            _, kind = FUNCTIONS[folder]
            print(f"{folder}: cold starts, then warm rounds ...", file=sys.stderr)
            cold: dict[str, list[float]] = {"this": [], "other": []}
            for _ in range(args.cold_runs):
                cold["this"] += [r["cold_ms"] for r in this.cold(folder, kind, 1)]
                cold["other"] += [r["cold_ms"] for r in other.cold(folder, kind, 1)]
            overhead: dict[str, list[float]] = {"this": [], "other": []}
            for _ in range(args.rounds):
                for name, bench in (("this", this), ("other", other)):
                    warm = bench.warm(folder, args.requests)
                    overhead[name].append(warm["stub_us"] - warm["floor_stub_us"])
            rows.append((folder, *(statistics.median(v) for v in (*cold.values(), *overhead.values()))))

    print(f"| function | cold ms: this | {args.other.name} | x | overhead µs: this | {args.other.name} | x |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for folder, cold_this, cold_other, over_this, over_other in rows:
        print(
            f"| {folder} | {cold_this:.1f} | {cold_other:.1f} | {cold_this / cold_other:.2f} | "
            f"{over_this:.0f} | {over_other:.0f} | {over_this / over_other:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
