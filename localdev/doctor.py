"""``make doctor``: what this machine has and lacks for Course Service, with the fix for each.

Standard library only: it must run before anything is installed.
"""

from __future__ import annotations

import glob
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def version_of(command: list[str]) -> str | None:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if out.returncode == 0 and text else None


def host_architecture() -> str:
    """This machine's CPU as Lambda names it: the template's Architecture that runs here natively."""
    machine = platform.machine().lower()
    return "arm64" if machine in {"aarch64", "arm64"} else "x86_64"


# What the project's own container engine runs with (samlocal/container_engine.py): `make
# test-sam-local`, and `make sam-invoke` and `make sam-api` on a machine without Docker.
SAM_LOCAL_ENGINE_COMMANDS = ("unshare", "nsenter", "ip", "mount", "apt-get", "dpkg-deb", "tar", "node")


def sam_local_engine_missing() -> list[str]:
    """What `make test-sam-local` lacks here: root (namespaces, mounts, apt), then commands."""
    missing = [] if os.geteuid() == 0 else ["root"]
    return missing + [command for command in SAM_LOCAL_ENGINE_COMMANDS if shutil.which(command) is None]


def runtime_python() -> str | None:
    """The Makefile's PYTHON_RUNTIME: the one it is given, else pyenv's 3.13, else a working python3.13."""
    if given := os.environ.get("PYTHON_RUNTIME"):
        return given
    pyenv = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = sorted(glob.glob(f"{pyenv}/versions/3.13*/bin/python3.13"))
    if candidates:
        return candidates[-1]
    found = shutil.which("python3.13")
    return found if found and version_of([found, "--version"]) else None


def runtime_check() -> tuple[str, str | None, str, bool]:
    """python3.13 for `sam build` (its pip runs the runtime's Python). `make sam-build` and `make
    build` put the one found on PATH; a plain `sam build` finds only one already there."""
    what = "python3.13 for make sam-build"
    runtime = runtime_python()
    if runtime is None:
        return (
            what,
            None,
            "install Python 3.13 (e.g. pyenv install 3.13) or set PYTHON_RUNTIME=/path/to/python3.13",
            False,
        )
    on_path = shutil.which("python3.13")
    plain = (
        ""
        if on_path and version_of([on_path, "--version"])
        else ("; it is not on PATH here, so a plain `sam build` would not find it")
    )
    return what, f"{runtime} (make sam-build puts it on PATH{plain})", "", False


def python_check() -> tuple[str, str | None, str, bool]:
    """The Python that make uses (PYTHON, default python3), judged by the Makefile's own check."""
    python = os.environ.get("PYTHON") or "python3"
    supported = os.environ.get("SUPPORTED_PYTHON", "").split() or ["3.11", "3.12", "3.13"]
    check = subprocess.run([str(ROOT / "tools/check-python"), python, *supported], capture_output=True, text=True)
    found = None if check.returncode else f"{python}: {version_of([python, '--version'])}"
    return (f"Python {', '.join(supported)} (PYTHON)", found, check.stdout.strip(), True)


# Each environment the Makefile installs: (what, its folder, its lock, the make target that installs it).
ENVIRONMENTS = (
    ("uv, the installer", ".tools/uv", "tools/uv.lock", "make install"),
    ("application and tests", ".venv", "requirements-dev.lock", "make install"),
    ("SAM CLI", ".tools/sam", "tools/sam.lock", "make test or make build"),
    ("checkov", ".tools/checkov", "tools/checkov.lock", "make test"),
    ("openapi-python-client", ".tools/openapi-python-client", "tools/openapi-python-client.lock", "make test"),
)
UV = ROOT / ".tools/uv/bin/uv"


def environment_check(what: str, folder: str, lock: str, target: str) -> tuple[str, str | None, str, bool]:
    """Whether an environment holds exactly what its lock pins; what differs if not (uv's own dry run)."""
    label = f"{what} ({folder})"
    python, stamp = ROOT / folder / "bin/python", ROOT / folder / (".installed" if folder != ".tools/uv" else "bin/uv")
    if not python.exists():
        return label, None, f"not installed yet: {target} installs it from {lock}", False
    if not stamp.exists() or stamp.stat().st_mtime < (ROOT / lock).stat().st_mtime:
        return label, None, f"its install did not finish, or {lock} changed since: {target}", True
    if folder == ".tools/uv":
        return label, version_of([str(UV), "--version"]), "", False
    dry_run = subprocess.run(
        [str(UV), "pip", "sync", "--dry-run", "--offline", "--python", str(python), str(ROOT / lock)],
        capture_output=True,
        text=True,
    )
    output = dry_run.stdout + dry_run.stderr
    if dry_run.returncode == 0 and "Would make no changes" in output:
        return label, f"as {lock} pins", "", False
    differences = [line.strip() for line in output.splitlines() if line.startswith((" - ", " + "))]
    shown = ", ".join(differences[:6]) + (", ..." if len(differences) > 6 else "")
    problem = f"differs from {lock} ({shown})" if differences else f"cannot be checked against {lock}"
    return label, None, f"{problem}: {target}", True


def checks() -> list[tuple[str, str | None, str, bool]]:
    """(what, what was found or None, how to fix, needed for make run/test)."""
    docker = version_of(["docker", "info", "--format", "{{.ServerVersion}}"])
    architecture = host_architecture()
    engine_missing = sam_local_engine_missing()
    return [
        python_check(),
        ("Node.js (dynalite)", version_of(["node", "--version"]), "install Node.js 20+ with npm", True),
        ("npm", version_of(["npm", "--version"]), "install npm (comes with Node.js)", True),
        *(environment_check(*environment) for environment in ENVIRONMENTS),
        runtime_check(),
        (
            "Docker engine for sam local",
            f"Docker {docker}" if docker else None,
            "optional: make sam-invoke and make sam-api use it, else the project's own engine (docs/LOCAL.md, sam local)",
            False,
        ),
        (
            "sam build/local here",
            f"{architecture} natively: --parameter-overrides Architecture={architecture}",
            "",
            False,
        ),
        (
            "make test-sam-local",
            None if engine_missing else "root, namespaces and apt: builds its own engine (no Docker needed)",
            f"needs {', '.join(engine_missing)} (a Debian-based machine as root, as CI)",
            False,
        ),
    ]


def main() -> int:
    missing_required = False
    for what, found, fix, required in checks():
        mark = "ok  " if found else ("MISS" if required else "--  ")
        print(f"[{mark}] {what:<30} {found or fix}")
        missing_required |= required and not found
    return 1 if missing_required else 0


if __name__ == "__main__":
    sys.exit(main())
