"""A stand-in for AWS's python3.13 Lambda base image, built from public packages.

Debian 13 (trixie, whose python3 is 3.13) from ``debootstrap`` and its default mirror, with AWS's
runtime interface client (``awslambdaric``, from PyPI, hashed in runtime.lock) in /var/runtime,
and ``lambda-image/bootstrap`` (beside this file) as /var/runtime/bootstrap, which the SAM CLI's Runtime
Interface Emulator starts. It is imported under the exact name the SAM CLI looks for, so that
``--skip-pull-image`` uses it. It is not AWS's image: it proves packaging, handler strings, the
layer's layout under /opt, environment and event plumbing, not byte-for-byte runtime parity
(docs/LOCAL.md, "sam local").
"""

import hashlib
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

from samlocal.container_engine import PrivateEngine, run

log = logging.getLogger("sam_local")

RUNTIME = "python3.13"
DEBIAN_SUITE = "trixie"  # Debian 13: its python3 is the runtime's 3.13
RECIPE = Path(__file__).with_name("lambda-image")
RUNTIME_INTERFACE_CLIENT = RECIPE / "runtime.lock"  # awslambdaric, hashed
BOOTSTRAP = RECIPE / "bootstrap"
# What AWS's image sets (the Runtime Interface Emulator adds the per-function variables).
IMAGE_CONFIG = [
    "ENV LANG=C.UTF-8 TZ=:/etc/localtime LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime "
    "AWS_EXECUTION_ENV=AWS_Lambda_python3.13",
    "WORKDIR /var/task",
]
# Trimmed from the root filesystem: not needed to run Python, a third of its size.
UNNEEDED = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/locale",
    "usr/share/info",
    "var/cache/apt",
    "var/lib/apt/lists",
)


def image_name(sam_python: str, architecture: str) -> str:
    """The base image the SAM CLI builds its invoke image from, asked from the SAM CLI itself."""
    code = (
        "import sys\n"
        "from samcli.local.docker.lambda_image import LambdaImage, Runtime\n"
        "print(f'{LambdaImage._INVOKE_REPO_PREFIX}/{Runtime.get_image_name_tag(sys.argv[1], sys.argv[2])}')\n"
    )
    return run([sam_python, "-c", code, RUNTIME, architecture]).stdout.strip()


def _key(architecture: str) -> str:
    recipe = "\n".join(
        [
            DEBIAN_SUITE,
            RUNTIME_INTERFACE_CLIENT.read_text(),
            architecture,
            *IMAGE_CONFIG,
            *UNNEEDED,
            BOOTSTRAP.read_text(),
        ]
    )
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def root_filesystem(cache: Path, engine: Path, architecture: str) -> Path:
    """The image's files as a tar archive, made once per recipe (suite, client, bootstrap, ...)."""
    archive = cache / f"rootfs-{RUNTIME}-{architecture}-{_key(architecture)}.tar"
    if archive.exists():
        return archive
    started = time.monotonic()
    debian_architecture = {"x86_64": "amd64", "arm64": "arm64"}[architecture]
    wheel_platform = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}[architecture]
    with tempfile.TemporaryDirectory(dir=cache, prefix="rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        run(
            [
                "env",
                f"DEBOOTSTRAP_DIR={engine / 'usr/share/debootstrap'}",
                engine / "usr/sbin/debootstrap",
                "--variant=minbase",
                "--include=python3",
                f"--arch={debian_architecture}",
                DEBIAN_SUITE,
                rootfs,
            ]
        )
        run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--target",
                rootfs / "var/runtime",
                "--platform",
                wheel_platform,
                "--python-version",
                "3.13",
                "--only-binary=:all:",
                "--require-hashes",
                "-r",
                RUNTIME_INTERFACE_CLIENT,
            ]
        )
        shutil.copy(BOOTSTRAP, rootfs / "var/runtime/bootstrap")
        (rootfs / "var/runtime/bootstrap").chmod(0o755)
        for folder in UNNEEDED:
            shutil.rmtree(rootfs / folder, ignore_errors=True)
            (rootfs / folder).mkdir(parents=True, exist_ok=True)
        partial = archive.with_suffix(".partial")
        run(["tar", "--numeric-owner", "-C", rootfs, "-cf", partial, "."])
        partial.rename(archive)
    for stale in cache.glob(f"rootfs-{RUNTIME}-{architecture}-*.tar"):
        if stale != archive:
            stale.unlink()
    log.info("root filesystem (Debian %s, %s) made in %.0f s", DEBIAN_SUITE, architecture, time.monotonic() - started)
    return archive


def import_image(engine: PrivateEngine, archive: Path, name: str) -> None:
    """``docker import`` of the root filesystem under ``name`` (the engine's state is a tmpfs)."""
    changes = [arg for line in IMAGE_CONFIG for arg in ("--change", line)]
    engine.docker("import", *changes, archive, name)
    log.info("imported as %s", name)
