"""The artifact the benchmark measures: template.yaml built by ``sam build`` for this machine.

Lambda runs the arm64 build; the benchmark builds the same template for this machine's architecture
(the template parameter ``Architecture``, nothing else differs), then compiles it to bytecode exactly
as ``make build`` does. A stand-in for the runtime's own botocore (``/var/runtime`` in Lambda) is made
from the same pinned wheels.
"""

import os
import shutil
import subprocess
from pathlib import Path

from localdev.doctor import host_architecture

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "bench" / "build"
SAM_BUILD = BUILD / "sam"
RUNTIME = BUILD / "runtime"  # like /var/runtime: the botocore the Lambda runtime brings
# botocore and what it needs; the Lambda python3.13 runtime ships these (with boto3 and s3transfer).
RUNTIME_PACKAGES = ("botocore", "jmespath", "urllib3", "dateutil", "six.py")


def compile_bytecode(python: str, folder: Path) -> None:
    """What ``make build`` does after ``sam build``: .pyc for the runtime's Python, next to the code.

    ``unchecked-hash`` pycs are used without looking at the source's mtime, which zipping and
    Lambda's extraction do not preserve; the timestamp default would recompile at every cold start.
    """
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def build(sam: str, python: str) -> Path:
    """Runs sam build for the host into bench/build/sam, compiles it; returns the build folder."""
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
            str(ROOT / "template.yaml"),
            "--build-dir",
            str(SAM_BUILD),
            "--cache-dir",
            str(BUILD / "cache"),
            "--cached",
            "--parameter-overrides",
            f"Architecture={host_architecture()}",
        ],
        check=True,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    compile_bytecode(python, SAM_BUILD)
    return SAM_BUILD


def runtime_botocore(python: str, wheels_from: Path) -> Path:
    """A stand-in for the runtime's botocore: the pinned one, copied from a layer build, compiled."""
    if RUNTIME.exists():
        shutil.rmtree(RUNTIME)
    RUNTIME.mkdir(parents=True)
    for name in RUNTIME_PACKAGES:
        source = wheels_from / name
        if source.is_dir():
            shutil.copytree(source, RUNTIME / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, RUNTIME / name)
    compile_bytecode(python, RUNTIME)
    return RUNTIME
