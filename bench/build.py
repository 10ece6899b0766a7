"""The artifact the benchmark measures: template.yaml built by ``sam build`` for this machine.

Lambda runs the arm64 build; the benchmark builds the same template for this machine's architecture
(the template parameter ``Architecture``, nothing else differs), then finishes it with the step
``make build`` runs (tools/finish_build.py: the layer slimmed, everything compiled to bytecode), so
that what is measured is what is deployed. ``sam build``'s own output is kept beside it (SAM_OUTPUT):
a stand-in for the runtime's own botocore (``/var/runtime`` in Lambda, every service's data) is made
from its pinned wheels, and ``python -m bench.levers`` compares the layer before and after the step.
"""

import os
import shutil
import subprocess
from pathlib import Path

from localdev.doctor import host_architecture

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "bench" / "build"
SAM_OUTPUT = BUILD / "sam-output"  # what sam build leaves
SAM_BUILD = BUILD / "sam"  # the same, finished as make build finishes it: what is measured
FINISH = ROOT / "tools" / "finish_build.py"
RUNTIME = BUILD / "runtime"  # like /var/runtime: the botocore the Lambda runtime brings
# botocore and what it needs; the Lambda python3.13 runtime ships these (with boto3 and s3transfer).
RUNTIME_PACKAGES = ("botocore", "jmespath", "urllib3", "dateutil", "six.py")


def finish(python: str, folder: Path, bytecode_only: bool = False, script: Path = FINISH) -> None:
    """What ``make build`` does after ``sam build`` (tools/finish_build.py), with the runtime's Python.

    ``bytecode_only``: .pyc next to the code and nothing removed, for folders that stand in for
    something else than the layer (the floor, the runtime's botocore).
    """
    subprocess.run(
        [python, str(script), *(["--bytecode-only"] if bytecode_only else []), str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def build(sam: str, python: str, root: Path = BUILD, cache: Path = BUILD / "cache", checkout: Path = ROOT) -> Path:
    """Runs sam build for the host into ``root``/sam-output (SAM_OUTPUT), finishes a copy of it in
    ``root``/sam (SAM_BUILD: the layer slimmed, all compiled, as ``make build`` does); returns the latter.

    ``checkout``: whose template.yaml and finishing step (another checkout, for bench.compare)."""
    output, finished = root / SAM_OUTPUT.name, root / SAM_BUILD.name
    env = {
        **os.environ,
        "PATH": f"{Path(python).parent}:{os.environ['PATH']}",
        "SAM_CLI_TELEMETRY": "0",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    }
    subprocess.run(
        [
            sam,
            "build",
            "--template-file",
            str(checkout / "template.yaml"),
            "--build-dir",
            str(output),
            "--cache-dir",
            str(cache),
            "--cached",
            "--parameter-overrides",
            f"Architecture={host_architecture()}",
        ],
        check=True,
        env=env,
        cwd=checkout,
        stdout=subprocess.DEVNULL,
    )
    if finished.exists():
        shutil.rmtree(finished)
    shutil.copytree(output, finished, symlinks=True)
    finish(python, finished, script=checkout / FINISH.relative_to(ROOT))
    return finished


def runtime_botocore(python: str, wheels_from: Path = SAM_OUTPUT / "CourseCommonLayer" / "python") -> Path:
    """A stand-in for the runtime's botocore: the pinned one, with every service's data as the
    runtime's has, copied from sam build's own output (before the layer is slimmed), compiled."""
    if RUNTIME.exists():
        shutil.rmtree(RUNTIME)
    RUNTIME.mkdir(parents=True)
    for name in RUNTIME_PACKAGES:
        source = wheels_from / name
        if source.is_dir():
            shutil.copytree(source, RUNTIME / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, RUNTIME / name)
    finish(python, RUNTIME, bytecode_only=True)
    return RUNTIME
