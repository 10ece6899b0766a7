"""``make bench`` (``python -m bench``): measures the service against its botocore-only floor.

Builds template.yaml for this machine (bench/build.py), starts dynalite on 127.0.0.1, then, with the
runtime's Python (python3.13) in fresh processes (bench/worker.py): cold starts, warm latency,
handler overhead with DynamoDB stubbed, peak RSS, DynamoDB calls per request; artifact sizes; warm
latency with 100 and 100,000 courses. Prints a table and writes bench/results.json. Bounded: a
fixed number of requests and processes, a few minutes in all. Method: docs/PERFORMANCE.md.
"""

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import build
from bench.worker import course_name
from localdev.__main__ import local_environment
from localdev.doctor import runtime_python
from localdev.dynamodb import Dynalite, client, ensure_tables
from localdev.runtime import api_event, put_layers_on_path
from localdev.template import routes

put_layers_on_path()
from course_service.edge.paths import course_path  # noqa: E402  (the service's own: one home for the URL)
from course_service.store.models import CATALOGUE  # noqa: E402  (seeded courses are listed like created ones)

ROOT = build.ROOT
RESULTS = ROOT / "bench" / "results.json"
WORKER = ROOT / "bench" / "worker.py"
FLOOR_SOURCE = ROOT / "bench" / "baseline"
SEEDED = "Bench course"  # the course get and update read and write
COURSES_PATH = course_path("")  # "/courses/": the worker appends delete names, which need no encoding

# row (a function folder, or a variant of its requests) -> (logical id, kind of request)
FUNCTIONS = {
    "create_course": ("CreateCourseFunction", "create"),
    # With an Idempotency-Key, a new one per request: each a create, with its record (3 calls).
    "create_course_keyed": ("CreateCourseFunction", "create_keyed"),
    "get_course": ("GetCourseFunction", "get"),
    "update_course": ("UpdateCourseFunction", "update"),
    "delete_course": ("DeleteCourseFunction", "delete"),
    "health": ("HealthFunction", "health"),
    "list_courses": ("ListCoursesFunction", "list"),
}
GROWTH = ("get_course", "update_course", "list_courses")  # measured again with 100,000 courses
DYNAMODB_CALL = {
    "create": "PutItem",
    "create_keyed": "PutItem+PutItem+UpdateItem",
    "get": "GetItem",
    "update": "UpdateItem",
    "delete": "DeleteItem",
    "health": "DescribeTable",
    "list": "Query",
}
WARMUP = 50  # requests bench/worker.py makes before it measures (indices -WARMUP .. -1)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, python: str, endpoint: str, table: str, workdir: Path):
        self.python = python
        self.endpoint = endpoint
        self.table = table
        self.workdir = workdir
        self.sam = build.SAM_BUILD
        self.layer = self.sam / "CourseCommonLayer" / "python"
        self.events = self._events()

    def env(self) -> dict[str, str]:
        """The functions' environment from template.yaml, pointed at dynalite; no developer config."""
        home = self.workdir / "home"
        home.mkdir(exist_ok=True)
        return {
            **local_environment(),
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "TABLE_NAME": self.table,
            "DYNAMODB_ENDPOINT": self.endpoint,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        }

    def _events(self) -> dict[str, dict]:
        by_function = {r.function: r for r in routes()}
        path = {
            "create": "/courses",
            "create_keyed": "/courses",
            "get": course_path(SEEDED),
            "update": course_path(SEEDED),
            "delete": course_path(SEEDED),  # deletes: a seeded course each (worker.course_name)
            "health": "/health",
            "list": "/courses",
        }  # list: the first page, 20 courses (the default)
        events = {}
        for folder, (logical_id, kind) in FUNCTIONS.items():
            route = by_function[logical_id]
            events[folder] = api_event(
                route.method, path[kind], route=route, headers={"Content-Type": "application/json"}
            )
        return events

    def code_path(self, folder: str | None, layer: bool = True) -> list[str]:
        """sys.path as Lambda builds it: the function (/var/task), the layer (/opt/python), the runtime."""
        task = str(self.sam / FUNCTIONS[folder][0]) if folder else str(self.workdir / "floor")
        return [task] + ([str(self.layer)] if layer else []) + [str(build.RUNTIME)]

    def run(self, job: dict, timeout: float = 300) -> dict:
        job_file = self.workdir / "job.json"
        out_file = self.workdir / "result.json"
        job_file.write_text(json.dumps({**job, "courses_path": COURSES_PATH}))
        out_file.unlink(missing_ok=True)
        flags = ["-X", f"pycache_prefix={self.workdir / 'no-pyc'}"] if job.get("no_bytecode") else []
        subprocess.run(
            [self.python, "-I", "-B", *flags, str(WORKER), str(job_file), str(out_file)],
            # Lambda sets LAMBDA_TASK_ROOT (/var/task): the X-Ray SDK then takes its Lambda mode, and
            # Powertools' Tracer traces (both read it).
            env={**self.env(), "LAMBDA_TASK_ROOT": job["path"][0], **job.get("env", {})},
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
        )
        return json.loads(out_file.read_text())

    def cold(self, folder: str | None, kind: str, runs: int, no_bytecode: bool = False) -> list[dict]:
        event = self.events[folder or _folder_of(kind)]
        results = []
        for _ in range(runs):
            job: dict[str, Any] = {
                "mode": "cold",
                "kind": kind,
                "run": "cold",
                "event": event,
                "prefix": f"c{time.time_ns()}",
                "path": self.code_path(folder, layer=folder is not None),
                "no_bytecode": no_bytecode,
            }
            self.seed_deletes(job, [job["prefix"]], range(0, 1))
            results.append(self.run(job))
        return results

    def warm(self, folder: str, requests: int, stub: bool = True) -> dict:
        logical_id, kind = FUNCTIONS[folder]
        job = {
            "mode": "warm",
            "kind": kind,
            "run": f"warm{time.time_ns()}",
            "event": self.events[folder],
            "path": self.code_path(folder),
            "requests": requests,
            "stub": stub,
            "prefix": f"{time.time_ns()}",
            "warmup": WARMUP,
            "app": str(self.sam / logical_id / "app.py"),
            "floor": str(self.workdir / "floor" / "app.py"),
        }
        # The worker's prefixes: w<run> for the function, f<run> for the floor (the stubbed ones replay).
        self.seed_deletes(job, [f"w{job['prefix']}", f"f{job['prefix']}"], range(-WARMUP, requests))
        return self.run(job)

    def seed_deletes(self, job: dict, prefixes: list[str], indices: range) -> None:
        """A delete needs its course: puts every course the worker will delete (untimed, beforehand)."""
        if job["kind"] == "delete":
            seed_names(
                self.endpoint, self.table, [course_name(job["run"], i, prefix) for prefix in prefixes for i in indices]
            )


def _folder_of(kind: str) -> str:
    return next(folder for folder, (_, k) in FUNCTIONS.items() if k == kind)


def seed(endpoint: str, table: str, count: int, start: int = 0, threads: int = 8) -> float:
    """Puts ``count`` courses (BatchWriteItem, 25 a request, in parallel); returns seconds taken."""
    names = [SEEDED] if start == 0 else []
    names += [f"Course {i:06d}" for i in range(start + len(names), start + count)]
    return seed_names(endpoint, table, names, threads)


def seed_names(endpoint: str, table: str, names: list[str], threads: int = 8) -> float:
    """Puts a course of each name (BatchWriteItem, 25 a request, in parallel); returns seconds taken."""
    dynamodb = client(endpoint)
    stamp = "2026-11-27T14:30:00.123456+0000"

    def item(name: str) -> dict:
        token = str(uuid.uuid4())  # as a create leaves it: its token, as its creator's and its version's
        return {
            "name": {"S": name},
            "level": {"S": "beginner"},
            "created_at": {"S": stamp},
            "updated_at": {"S": stamp},
            "version": {"N": "1"},
            "catalogue": {"S": CATALOGUE},
            "created_by": {"S": token},
            "write_token": {"S": token},
        }

    def write(batch: list[str]) -> None:
        pending = {table: [{"PutRequest": {"Item": item(n)}} for n in batch]}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending)["UnprocessedItems"]

    started = time.perf_counter()
    batches = [names[i : i + 25] for i in range(0, len(names), 25)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, batches))
    return time.perf_counter() - started


def folder_size(folder: Path) -> tuple[float, float]:
    """(zipped, unzipped) KB of a folder, zipped the way `sam package` does (deflate)."""
    unzipped = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    with tempfile.TemporaryFile() as raw:
        with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            for p in sorted(folder.rglob("*")):
                if p.is_file():
                    archive.write(p, p.relative_to(folder))
        zipped = raw.tell()
    return round(zipped / 1024, 1), round(unzipped / 1024, 1)


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "arch": platform.machine(),
        "os": platform.platform(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def median(values: list[float]) -> float:
    return statistics.median(values)


@contextlib.contextmanager
def workspace(python: str, table: str):
    """A fresh dynalite holding ``table`` with 100 courses, and a Bench with the floor compiled."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, Dynalite() as dynalite:
        workdir = Path(tmp)
        (workdir / "floor").mkdir()
        shutil.copy2(FLOOR_SOURCE / "app.py", workdir / "floor" / "app.py")
        build.finish(python, workdir / "floor", bytecode_only=True)
        ensure_tables(dynalite.endpoint, table)
        seed(dynalite.endpoint, table, 100)
        yield Bench(python, dynalite.endpoint, table, workdir), dynalite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=os.environ.get("PYTHON_RUNTIME") or runtime_python())
    parser.add_argument("--sam", default=os.environ.get("SAM_CLI") or str(ROOT / ".tools/sam/bin/sam"))
    parser.add_argument("--cold-runs", type=int, default=11, help="fresh processes per function (>= 10)")
    parser.add_argument("--requests", type=int, default=2000, help="warm requests per route (>= 2000)")
    parser.add_argument("--growth", type=int, default=100_000, help="courses for the growth step")
    parser.add_argument("--growth-requests", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not args.python:
        parser.error("no python3.13: set PYTHON_RUNTIME (see make doctor)")
    python_version = subprocess.run(
        [args.python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    started = time.perf_counter()

    log(f"building template.yaml for {platform.machine()} with {args.python} ...")
    build.build(args.sam, args.python)
    build.runtime_botocore(args.python)
    results: dict = {"machine": {**machine(), "python": python_version}}

    with workspace(args.python, "courses-bench") as (bench, _):
        # 1. Cold starts: round robin over functions and floors so drift hits all alike.
        log(f"cold starts: {args.cold_runs} fresh processes per function and per floor ...")
        cold: dict[str, list[dict]] = {name: [] for name in [*FUNCTIONS, *(f"floor:{k}" for k in DYNAMODB_CALL)]}
        for _ in range(args.cold_runs):
            for folder, (_, kind) in FUNCTIONS.items():
                cold[folder] += bench.cold(folder, kind, 1)
                cold[f"floor:{kind}"] += bench.cold(None, kind, 1)
        no_pyc = {
            folder: bench.cold(folder, kind, max(3, args.cold_runs // 3), no_bytecode=True)
            for folder, (_, kind) in FUNCTIONS.items()
        }
        no_pyc["floor"] = bench.cold(None, "get", max(3, args.cold_runs // 3), no_bytecode=True)
        for name, runs in cold.items():
            assert all(r["status"] in (200, 201, 204) for r in runs), (name, [r["status"] for r in runs])

        # 2-5. Warm latency, overhead with DynamoDB stubbed, RSS, DynamoDB calls.
        warm = {}
        for folder in FUNCTIONS:
            log(f"warm: {args.requests} requests to {folder} and to its floor, then stubbed ...")
            warm[folder] = bench.warm(folder, args.requests)
            assert warm[folder]["statuses"] in ([200], [201], [204]), (folder, warm[folder]["statuses"])

    # 6. Artifact sizes.
    log("artifact sizes ...")
    layer_kb = folder_size(build.SAM_BUILD / "CourseCommonLayer")
    sizes = {folder: folder_size(build.SAM_BUILD / logical_id) for folder, (logical_id, _) in FUNCTIONS.items()}
    botocore_kb = folder_size(build.RUNTIME)

    # 7. Growth: a fresh dynalite, 100 courses, then the rest loaded in bulk.
    growth: dict = {}
    with workspace(args.python, "courses-growth") as (bench, dynalite):
        for size, label in ((100, "at_100"), (args.growth, f"at_{args.growth}")):
            if size > 100:
                log(f"growth: loading {size - 100} more courses ...")
                growth["load_seconds"] = round(seed(dynalite.endpoint, "courses-growth", size - 100, start=100), 1)
            for folder in GROWTH:
                log(f"growth: {args.growth_requests} requests to {folder} with {size} courses ...")
                measured = bench.warm(folder, args.growth_requests, stub=False)
                growth.setdefault(folder, {})[label] = {
                    "p50_ms": round(measured["p50_ms"], 3),
                    "floor_p50_ms": round(measured["floor_p50_ms"], 3),
                }
        for folder in GROWTH:
            g = growth[folder]
            g["ratio"] = round(g[f"at_{args.growth}"]["p50_ms"] / g["at_100"]["p50_ms"], 3)

    floor_cold = {kind: median([r["cold_ms"] for r in cold[f"floor:{kind}"]]) for kind in DYNAMODB_CALL}
    floor_warm = {folder: warm[folder]["floor_p50_ms"] for folder in FUNCTIONS}
    results["baseline"] = {
        "what": "bench/baseline/app.py: the same DynamoDB call with botocore alone, returning JSON",
        "cold_ms": round(floor_cold["get"], 1),
        "cold_ms_by_call": {DYNAMODB_CALL[k]: round(v, 1) for k, v in floor_cold.items()},
        "cold_ms_without_bytecode": round(median([r["cold_ms"] for r in no_pyc["floor"]]), 1),
        "warm_p50_ms_by_call": {DYNAMODB_CALL[FUNCTIONS[f][1]]: round(v, 3) for f, v in floor_warm.items()},
        "warm_p99_ms_by_call": {DYNAMODB_CALL[FUNCTIONS[f][1]]: round(warm[f]["floor_p99_ms"], 3) for f in FUNCTIONS},
        "stubbed_us_by_call": {DYNAMODB_CALL[FUNCTIONS[f][1]]: round(warm[f]["floor_stub_us"], 1) for f in FUNCTIONS},
        "rss_mb": round(median([r["rss_mb"] for r in cold["floor:get"]]), 1),
        "botocore_artifact_kb": {"zipped": botocore_kb[0], "unzipped": botocore_kb[1]},
    }
    results["layer"] = {"artifact_kb": {"zipped": layer_kb[0], "unzipped": layer_kb[1]}}
    for folder, (_, kind) in FUNCTIONS.items():
        runs, w = cold[folder], warm[folder]
        cold_ms = median([r["cold_ms"] for r in runs])
        results[folder] = {
            "cold_ms": round(cold_ms, 1),
            "cold_ratio": round(cold_ms / floor_cold[kind], 2),
            "warm_p50_ms": round(w["p50_ms"], 3),
            "warm_p99_ms": round(w["p99_ms"], 3),
            "warm_ratio": round(w["p50_ms"] / w["floor_p50_ms"], 3),
            "overhead_us": round(w["stub_us"] - w["floor_stub_us"], 1),
            "rss_mb": {"cold": round(median([r["rss_mb"] for r in runs]), 1), "after_requests": round(w["rss_mb"], 1)},
            "ddb_calls": w["ddb_calls"],
            "artifact_kb": {
                "zipped": sizes[folder][0],
                "unzipped": sizes[folder][1],
                "with_layer_zipped": round(sizes[folder][0] + layer_kb[0], 1),
                "with_layer_unzipped": round(sizes[folder][1] + layer_kb[1], 1),
            },
            "detail": {
                "cold_import_ms": round(median([r["import_ms"] for r in runs]), 1),
                "cold_first_response_ms": round(median([r["first_ms"] for r in runs]), 1),
                "cold_ms_without_bytecode": round(median([r["cold_ms"] for r in no_pyc[folder]]), 1),
                "modules_loaded": runs[0]["modules"],
                "stubbed_us": round(w["stub_us"], 1),
                "ddb_attempts": w["ddb_attempts"],
            },
        }
    results["growth"] = growth
    results["settings"] = {
        "cold_runs": args.cold_runs,
        "requests": args.requests,
        "growth_requests": args.growth_requests,
        "seconds": round(time.perf_counter() - started),
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(
        f"\nwritten to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
        f" in {results['settings']['seconds']} s"
    )
    return 0


def table(results: dict) -> str:
    b = results["baseline"]
    lines = [
        f"{results['machine']['cpu']}, {results['machine']['cores']} cores, {results['machine']['arch']}, "
        f"Python {results['machine']['python']}",
        "",
        "| function | cold ms | x floor | warm p50 ms | p99 ms | x floor | overhead us | RSS MB cold/after "
        "| DynamoDB calls | KB zipped (fn + layer) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for folder in FUNCTIONS:
        r = results[folder]
        lines.append(
            f"| {folder} | {r['cold_ms']:.1f} | {r['cold_ratio']:.2f} | {r['warm_p50_ms']:.2f} | "
            f"{r['warm_p99_ms']:.2f} | {r['warm_ratio']:.2f} | {r['overhead_us']:.0f} | "
            f"{r['rss_mb']['cold']:.0f} / {r['rss_mb']['after_requests']:.0f} | {r['ddb_calls']:g} | "
            f"{r['artifact_kb']['zipped']:.0f} + {results['layer']['artifact_kb']['zipped']:.0f} |"
        )
    lines.append(
        f"| floor (botocore only) | {b['cold_ms']:.1f} (GetItem) | 1 | {b['warm_p50_ms_by_call']['GetItem']:.2f} "
        f"(GetItem) | | 1 | | {b['rss_mb']:.0f} | 1 | |"
    )
    lines.append("")
    lines.append(
        "cold without bytecode (ms): "
        + ", ".join(f"{f} {results[f]['detail']['cold_ms_without_bytecode']:.0f}" for f in FUNCTIONS)
        + f", floor {b['cold_ms_without_bytecode']:.0f}"
    )
    for folder in GROWTH:
        g = results["growth"][folder]
        sizes = [k for k in g if k.startswith("at_")]
        lines.append(
            f"growth {folder}: p50 "
            + " vs ".join(f"{g[k]['p50_ms']:.2f} ms {k[3:]} courses" for k in sizes)
            + f" (x{g['ratio']:.2f})"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
