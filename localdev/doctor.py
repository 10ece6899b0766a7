"""``make doctor``: what this machine has and lacks for Course Service, with the fix for each.

Standard library only: it must run before anything is installed.
"""

import glob
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _version(command: list[str]) -> str | None:
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


# What `make test-sam-local` runs its own container engine with (tests/sam_local/engine.py).
SAM_LOCAL_ENGINE_COMMANDS = ("unshare", "nsenter", "ip", "mount", "apt-get", "dpkg-deb", "tar", "node")


def sam_local_engine_missing() -> list[str]:
    """What `make test-sam-local` lacks here: root (namespaces, mounts, apt), then commands."""
    missing = [] if os.geteuid() == 0 else ["root"]
    return missing + [command for command in SAM_LOCAL_ENGINE_COMMANDS if shutil.which(command) is None]


def _runtime_python() -> str | None:
    """Same search as the Makefile's PYTHON_RUNTIME: pyenv's 3.13 first, then a working python3.13."""
    pyenv = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = sorted(glob.glob(f"{pyenv}/versions/3.13*/bin/python3.13"))
    if candidates:
        return candidates[-1]
    found = shutil.which("python3.13")
    return found if found and _version([found, "--version"]) else None


def checks() -> list[tuple[str, str | None, str, bool]]:
    """(what, what was found or None, how to fix, needed for make run/test)."""
    runtime = _runtime_python()
    docker = _version(["docker", "info", "--format", "{{.ServerVersion}}"])
    architecture = host_architecture()
    engine_missing = sam_local_engine_missing()
    return [
        (
            "Python 3.11+",
            sys.version.split()[0] if sys.version_info >= (3, 11) else None,
            "install Python 3.11 or newer",
            True,
        ),
        ("Node.js (dynalite)", _version(["node", "--version"]), "install Node.js 20+ with npm", True),
        ("npm", _version(["npm", "--version"]), "install npm (comes with Node.js)", True),
        (
            "pip-tools (.tools/pip-tools)",
            _version([str(ROOT / ".tools/pip-tools/bin/pip-compile"), "--version"]),
            "make install (installs it into .tools/)",
            False,
        ),
        (
            "SAM CLI (.tools/sam)",
            _version([str(ROOT / ".tools/sam/bin/sam"), "--version"]),
            "make test or make build (installs it into .tools/)",
            False,
        ),
        (
            "python3.13 for sam build",
            runtime,
            "install Python 3.13 (e.g. pyenv install 3.13) or set PYTHON_RUNTIME=/path/to/python3.13",
            False,
        ),
        (
            "Docker engine for sam local",
            f"Docker {docker}" if docker else None,
            "optional: sam local invoke/start-api need it (README, sam local); `make run` serves without it",
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
