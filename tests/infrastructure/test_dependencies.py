"""Dependencies: pyproject.toml declares them, hashed locks pin them, and no file names a package index."""

import json
import re
import subprocess
import sys
import tomllib
from urllib.parse import urlsplit

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.root import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
MAIN_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
LAYER_REQUIREMENTS = ROOT / "layers/course_common/requirements.txt"
PIN = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^ ;\\]+)")


def _pins(path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if match := PIN.match(line):
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def _index_hosts() -> set[str]:
    """The hosts of the indexes this machine's pip and npm use: pip's default, its configuration, npm's registry."""
    from pip._internal.models.index import PyPI  # pip's own default index and its file host

    hosts: set[str | None] = {PyPI.netloc, PyPI.file_storage_domain}
    config = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=True
    ).stdout
    for _key, value in re.findall(r"^\S*?\.((?:extra-)?index-url)='([^']*)'", config, re.M):
        hosts |= {urlsplit(url).hostname for url in value.split()} - {None, ""}
    registry = subprocess.run(
        ["npm", "config", "get", "registry"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    hosts.add(urlsplit(registry.stdout.strip()).hostname)
    return {host.lower() for host in hosts if host}


def test_no_committed_file_names_a_package_index_host():
    hosts = _index_hosts()
    assert len(hosts) >= 3  # pip's index and file host, npm's registry
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    named = {
        (name.decode(), host)
        for name in files
        if name and (ROOT / name.decode()).is_file()
        for host in hosts
        if host.encode() in (ROOT / name.decode()).read_bytes().lower()
    }
    assert not named, "install from the index the machine's pip/npm are configured to use; name none in the repo"


def test_the_locks_satisfy_every_dependency_pyproject_declares():
    main, dev = _pins(MAIN_LOCK), _pins(DEV_LOCK)
    declared = [(MAIN_LOCK, main, spec) for spec in PROJECT["dependencies"]]
    declared += [(DEV_LOCK, dev, spec) for spec in PROJECT["optional-dependencies"]["dev"]]
    for _lock, pins, spec in declared:
        requirement = Requirement(spec)
        version = pins.get(canonicalize_name(requirement.name))
        assert version and requirement.specifier.contains(version, prereleases=True), f"{spec}: run `make lock`"
    assert {name: dev.get(name) for name in main} == main, "the dev lock must pin what the layer ships"


def test_layer_requirements_pin_exactly_what_the_main_lock_resolved():
    assert _pins(LAYER_REQUIREMENTS) == _pins(MAIN_LOCK), "run `make requirements`"
    assert {"aws-lambda-powertools", "pydantic", "pynamodb"} <= set(_pins(LAYER_REQUIREMENTS))


def test_the_npm_lock_records_integrity_hashes_but_no_download_url():
    npmrc = (ROOT / ".npmrc").read_text()
    assert re.search(r"^omit-lockfile-registry-resolved\s*=\s*true\s*$", npmrc, re.M)
    packages = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    installed = {path: entry for path, entry in packages.items() if path}
    assert installed and all(entry.get("integrity", "").startswith("sha512-") for entry in installed.values())
    assert not [path for path, entry in installed.items() if "resolved" in entry]
