"""Setup that cannot rot: every environment the Makefile makes is installed from a hashed lock by a
pinned installer, an unsupported Python stops at once in one line, and each step says how long it took."""

import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from localdev import doctor
from tests.root import ROOT

# What `.ci/run` and a person run: every target that installs something on the way.
TARGETS = ("run", "test", "test-sam-local", "build", "bench", "load", "lock")
LOCK_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*==[^ ;\\]+")


def hashed_lock_problem(path: Path) -> str | None:
    """Why a requirements file is not a hashed lock (every entry ``name==version`` with hashes)."""
    if not path.is_file():
        return f"{path.name}: no such file"
    text = path.read_text()
    first = re.search(r"^[A-Za-z0-9]", text, re.M)
    if first is None:
        return f"{path.name}: pins nothing"
    entries = re.split(r"\n(?=[A-Za-z0-9])", text[first.start() :])
    loose = [entry.split()[0] for entry in entries if not LOCK_LINE.match(entry) or "--hash=sha256:" not in entry]
    if loose or "://" in text or re.search(r"^\s*(-i|-f|-e|--(extra-)?index-url|--find-links)", text, re.M):
        return f"{path.name}: not every entry pinned with its hashes, or an index named ({loose[:3]})"
    return None


def install_problems(command: str) -> list[str]:
    """What is unpinned about one shell command, if it installs anything: pip and uv must install
    only from hashed locks with --require-hashes, npm only with `npm ci` (package-lock.json)."""
    problems = []
    words = shlex.split(command.replace("\\\n", " "), posix=True)
    # A wrapper may hold the install in one argument (tools/step "label" sh -c '...'): look inside.
    for word in words[1:]:
        if " " in word and re.search(r"\b(pip|npm|uv)\b", word):
            problems += install_problems(word)
    for index, word in enumerate(words):
        rest = words[index + 1 :]
        if word.endswith("pip") and rest[:1] == ["--python"]:  # pip's own option before its command
            rest = rest[2:]
        installs = (word.endswith("pip") and rest[:1] == ["install"]) or (
            word.endswith("uv") and rest[:1] == ["pip"] and rest[1:2] in (["install"], ["sync"])
        )
        if installs:
            arguments = rest[: next((i for i, w in enumerate(rest) if w in ("&&", ";", "||")), len(rest))]
            locks = [arg for prev, arg in zip(["", *arguments], arguments, strict=False) if prev == "-r"] + [
                arg for arg in arguments if arg.endswith(".lock") and "-r" not in arguments
            ]
            if "--require-hashes" not in arguments or not locks:
                problems.append(f"installs without --require-hashes and a lock: {' '.join(arguments)}")
            problems += [problem for lock in locks if (problem := hashed_lock_problem(ROOT / lock))]
        if word.endswith("tools/sync-env"):  # uv pip sync --require-hashes of its last argument
            problems += [problem for problem in [hashed_lock_problem(ROOT / rest[-1])] if problem]
        if word.endswith("npm") and rest[:1] and rest[0] in ("install", "i", "add", "update"):
            problems.append(f"npm {rest[0]} resolves anew: use npm ci (package-lock.json)")
    return problems


def test_the_environment_sync_installs_only_the_hashes_its_lock_lists_and_nothing_else():
    script = (ROOT / "tools/sync-env").read_text().splitlines()
    (sync,) = [line for line in script if "pip sync" in line and not line.startswith("#")]
    assert install_problems(sync.replace('"$lock"', "requirements-dev.lock")) == []


def makefile_commands() -> list[str]:
    """Every recipe line `make` would run for TARGETS on a machine where nothing is installed yet."""
    dry_run = subprocess.run(
        ["make", "--dry-run", "--always-make", "--no-print-directory", *TARGETS, "API=http://127.0.0.1:1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return re.sub(r"\\\n\s*", " ", dry_run.stdout).splitlines()  # a continued recipe line is one


def test_every_environment_the_makefile_makes_is_installed_from_a_hashed_lock():
    commands = makefile_commands()
    installs = [
        command for command in commands if re.search(r"\b(pip (--python \S+ )?install|sync-env|npm ci)\b", command)
    ]
    # uv (bundled pip, from its lock), .venv, the SAM CLI, checkov and openapi-python-client (uv, from
    # theirs), dynalite (npm ci).
    assert len(installs) >= 6, installs
    assert [problem for command in commands for problem in install_problems(command)] == []


@pytest.mark.parametrize(
    "command",
    [
        '.tools/sam/bin/pip install --quiet "aws-sam-cli==1.170.0"',  # the top package only: its deps float
        "python -m pip install -r requirements.lock",  # a lock, but hashes not required
        "uv pip install --require-hashes -r pyproject.toml",  # not a hashed lock
        "uv pip sync .venv requirements-dev.lock",
        "npm install --no-audit",
        "tools/step 'label' sh -c '.tools/x/bin/pip install pip==26.3 && true'",
        "python3 -m pip --python .tools/x/bin/python install --no-deps uv==0.13.9",
    ],
)
def test_the_install_check_catches_an_install_that_is_not_from_a_hashed_lock(command):
    assert install_problems(command)


def test_every_lock_pins_every_package_with_its_hashes_and_names_no_index():
    locks = [ROOT / "requirements.lock", ROOT / "requirements-dev.lock", *sorted((ROOT / "tools").glob("*.lock"))]
    assert len(locks) >= 5 and [problem for lock in locks if (problem := hashed_lock_problem(lock))] == []


def test_each_tool_lock_pins_the_version_of_the_tool_its_source_names():
    for source in sorted((ROOT / "tools").glob("*.in")):
        lock = source.with_suffix(".lock")
        (top,) = [line for line in source.read_text().splitlines() if line and not line.startswith("#")]
        assert re.search(rf"^{re.escape(top)} \\$", lock.read_text(), re.M), f"{lock.name} does not pin {top}"


def supported_pythons() -> list[str]:
    found = re.search(r"^SUPPORTED_PYTHON := (.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert found
    return found.group(1).split()


def test_the_supported_pythons_are_exactly_what_pyproject_requires():
    requires = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    admitted = [f"3.{minor}" for minor in range(6, 20) if requires.contains(f"3.{minor}.0")]
    assert supported_pythons() == admitted


def fake_python(tmp_path: Path, version: str) -> Path:
    python = tmp_path / "python"
    python.write_text(f"#!/bin/sh\necho {version}\n")
    python.chmod(0o755)
    return python


def test_make_install_on_an_unsupported_python_stops_at_once_with_one_line(tmp_path):
    python = fake_python(tmp_path, "3.10.13")
    result = subprocess.run(
        ["make", "--no-print-directory", "install", f"PYTHON={python}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "Python 3.10.13" in line and "3.11, 3.12, 3.13" in line and "PYTHON=" in line and "make run" in line


def test_a_python_that_does_not_run_is_named_with_the_fix(tmp_path):
    check = subprocess.run(
        [ROOT / "tools/check-python", str(tmp_path / "python3.99"), *supported_pythons()],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 2
    assert check.stdout.count("\n") == 1 and "python3.99' does not run here" in check.stdout
    assert "PYTHON=" in check.stdout


def test_each_install_step_says_what_it_installs_and_how_long_it_took():
    done = subprocess.run([ROOT / "tools/step", "dynalite into node_modules", "true"], capture_output=True, text=True)
    assert done.returncode == 0 and re.fullmatch(r"dynalite into node_modules \.\.\. \d+\.\d s\n", done.stdout)
    failed = subprocess.run(
        [ROOT / "tools/step", "x", "sh", "-c", "echo resolution impossible; exit 3"], capture_output=True, text=True
    )
    assert failed.returncode == 3 and "resolution impossible" in failed.stderr and "exit 3" in failed.stderr


def test_doctor_says_the_installed_environment_matches_its_lock():
    what, found, _, _ = doctor.environment_check("application", ".venv", "requirements-dev.lock", "make install")
    assert found == "as requirements-dev.lock pins", what


def test_doctor_names_what_differs_when_an_environment_does_not_match_its_lock(tmp_path):
    lock = tmp_path / "requirements-dev.lock"
    text = (ROOT / "requirements-dev.lock").read_text()
    lock.write_text(re.sub(r"^pytest==[^ ]+", "pytest==8.0.0", text, flags=re.M))
    os.utime(lock, (0, 0))  # older than the install: not "the lock changed since"
    _, found, fix, required = doctor.environment_check("application", ".venv", str(lock), "make install")
    assert found is None and required
    assert "pytest==8.0.0" in fix and fix.endswith(": make install")


def test_doctor_says_an_install_that_did_not_finish(tmp_path):
    lock = tmp_path / "requirements-dev.lock"
    lock.write_text((ROOT / "requirements-dev.lock").read_text())  # newer than .venv/.installed
    _, found, fix, required = doctor.environment_check("application", ".venv", str(lock), "make install")
    assert found is None and required and "did not finish" in fix
