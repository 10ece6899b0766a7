"""``make test-sam-local`` (``python -m tests.sam_local [pytest options]``): the real SAM CLI's
``sam local invoke`` and ``sam local start-api`` against a local DynamoDB, on a machine without
Docker. Needs root (namespaces, mounts, apt).

1. From the cache outside the clone, made on first use: the container engine's files
   (localdev/container_engine.py) and the stand-in image's root filesystem
   (localdev/lambda_image.py); ``sam build``'s cache.
2. ``sam build`` for this machine's architecture into .aws-sam/sam-local/.
3. dockerd in private namespaces; the image imported under the SAM CLI's name for it.
4. pytest on tests/sam_local/ inside those namespaces, where the tests start dynalite on the
   engine's bridge and run the SAM CLI.
5. Everything stopped by pid, whatever happened: the namespaces end with their first process.
"""

import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from localdev.container_engine import PrivateEngine, cache_dir, engine_files, run
from localdev.doctor import _runtime_python, host_architecture, sam_local_engine_missing
from localdev.lambda_image import image_name, import_image, root_filesystem
from localdev.template import ROOT

log = logging.getLogger("sam_local")

BUILD_DIR = ROOT / ".aws-sam" / "sam-local"
TESTS_TIMEOUT = 900  # seconds: the tests' own waits are shorter; this bounds a hang of anything else


def sam_build(sam: str, architecture: str, cache: Path) -> Path:
    """``sam build`` as the README says, for this machine's architecture; returns the built template."""
    python = os.environ.get("PYTHON_RUNTIME") or _runtime_python()
    if not python:
        raise RuntimeError("no python3.13 for sam build: see `make doctor`")
    env = {
        **os.environ,
        "PATH": f"{Path(python).parent}:{os.environ['PATH']}",
        "SAM_CLI_TELEMETRY": "0",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    }
    # Run from the cache: `--cached` keeps the layer's dependencies in ./.aws-sam/deps, so a fresh
    # clone reuses them instead of installing them again.
    workdir = cache / "sam-build"
    workdir.mkdir(parents=True, exist_ok=True)
    run(
        [
            sam,
            "build",
            "--template-file",
            ROOT / "template.yaml",
            "--base-dir",
            ROOT,
            "--build-dir",
            BUILD_DIR,
            "--cached",
            "--parameter-overrides",
            f"Architecture={architecture}",
        ],
        cwd=workdir,
        env=env,
    )
    return BUILD_DIR / "template.yaml"


def main(pytest_args: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sam-local %(message)s", stream=sys.stderr)
    if missing := sam_local_engine_missing():
        log.error("make test-sam-local needs %s (make doctor)", ", ".join(missing))
        return 2
    sam = str(Path(os.environ.get("SAM_CLI") or ROOT / ".tools/sam/bin/sam").absolute())
    # A stop by pid (CI's timeout, kill) must still run the clean-up below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    started = time.monotonic()
    cache = cache_dir()
    architecture = host_architecture()
    engine_root = engine_files(cache)
    rootfs = root_filesystem(cache, engine_root, architecture)
    template = sam_build(sam, architecture, cache)
    log.info("sam build (%s) done at %.0f s", architecture, time.monotonic() - started)
    with (
        tempfile.TemporaryDirectory(prefix="course-service-sam-local-") as workdir,
        PrivateEngine(engine_root, Path(workdir)) as engine,
    ):
        import_image(engine, rootfs, image_name(str(Path(sam).parent / "python"), architecture))
        env = {
            **os.environ,
            "DOCKER_HOST": engine.docker_host,
            "PATH": engine.path,
            "SAM_CLI": sam,
            "SAM_CLI_TELEMETRY": "0",
            "SAM_LOCAL_TEMPLATE": str(template),
            "SAM_LOCAL_ARCHITECTURE": architecture,
        }
        command = engine.enter(
            [sys.executable, "-m", "pytest", "tests/sam_local", "-p", "no:cacheprovider", *pytest_args], cwd=ROOT
        )
        try:
            code = subprocess.run(command, cwd=ROOT, env=env, timeout=TESTS_TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            log.error("the tests did not finish in %s s", TESTS_TIMEOUT)
            code = 1
    log.info("done in %.0f s (exit %s)", time.monotonic() - started, code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
