"""``make test-sam-local`` (``python -m tests.sam_local [pytest options]``): the real SAM CLI's
``sam local invoke`` and ``sam local start-api`` against a local DynamoDB, on a machine without
Docker. Needs root (namespaces, mounts, apt).

1. From the cache outside the clone, made on first use: the container engine's files
   (samlocal/container_engine.py) and the stand-in image's root filesystem (samlocal/lambda_image.py).
2. docs/LOCAL.md's build for `sam local`, as written there (``make sam-build``: this machine's
   architecture, into .aws-sam/build/), here, where the layer's dependencies can be downloaded.
3. dockerd in private namespaces; the image imported under the SAM CLI's name for it.
4. pytest on tests/sam_local/ inside those namespaces, where the tests start dynalite on the
   engine's bridge and run the SAM CLI, and docs/LOCAL.md's other `sam local` commands.
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

from localdev.doctor import host_architecture, sam_local_engine_missing
from samlocal.container_engine import PrivateEngine, cache_dir, engine_files
from samlocal.lambda_image import image_name, import_image, root_filesystem
from tests.root import ROOT
from tests.sam_local.sam_cli import BUILT_TEMPLATE, OUTER_MAKE, readme_commands

log = logging.getLogger("sam_local")

TESTS_TIMEOUT = 1500  # seconds: the tests' own waits are shorter; this bounds a hang of anything else
BUILD_TIMEOUT = 900


def sam_build() -> Path:
    """docs/LOCAL.md's first `sam local` command (``make sam-build``), as written; the built template."""
    build = readme_commands()[0]
    assert build == ["make", "sam-build"], build
    log.info("%s", " ".join(build))
    env = {name: value for name, value in os.environ.items() if name not in OUTER_MAKE}
    done = subprocess.run(build, cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(build)} exited with {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return BUILT_TEMPLATE


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
    template = sam_build()
    log.info("make sam-build (%s) done at %.0f s", architecture, time.monotonic() - started)
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
