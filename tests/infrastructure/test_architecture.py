"""The architecture as the code has it: the import contracts hold and catch what breaks them, no
module imports another package's private name, and docs/ARCHITECTURE.md is what the code draws."""

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.root import ROOT

LAYER = ROOT / "layers" / "course_common"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
# The repository's own Python packages: an import of a private name across them is refused.
PACKAGES = ["course_service", "functions", "localdev", "samlocal", "ops", "testing", "bench", "tools"]


def lint_imports(layer: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on ``layer``'s course_service, with pyproject.toml's contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(layer)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layer_keeps_its_import_contracts():
    result = lint_imports(LAYER)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    "module, line, broken",
    [
        ("core/errors.py", "from course_service.edge import paths", "entry -> edge -> core -> store -> common"),
        ("store/models.py", "from course_service.core import errors", "entry -> edge -> core -> store -> common"),
        ("common/settings.py", "from course_service import entry", "entry -> edge -> core -> store -> common"),
        (
            "edge/paging.py",
            "from course_service.store import models",
            "The edge gets the core's types, never DynamoDB's",
        ),
        ("edge/responses.py", "import pynamodb", "The edge gets the core's types, never DynamoDB's"),
        ("edge/conditional.py", "import botocore.exceptions", "The edge gets the core's types, never DynamoDB's"),
        ("store/reads.py", "from http import HTTPStatus", "The store and what every layer shares know nothing of HTTP"),
    ],
    ids=[
        "core imports the edge",
        "store imports the core",
        "common imports the entry",
        "edge imports the store",
        "edge imports pynamodb",
        "edge imports botocore",
        "store imports http",
    ],
)
def test_an_import_across_the_contract_breaks_it(tmp_path, module, line, broken):
    copy = tmp_path / "layer"
    shutil.copytree(LAYER / "course_service", copy / "course_service")
    with (copy / "course_service" / module).open("a") as source:
        source.write(f"\n{line}  # noqa\n")

    result = lint_imports(copy)

    assert result.returncode != 0
    assert f"{broken} BROKEN" in result.stdout


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_imports(path: Path, package: str) -> list[str]:
    """``from <another package> import _name``, and ``<another package>._name`` reached through an
    imported module, in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            if top in PACKAGES and top != package:
                found += [f"{node.module}.{a.name}" for a in node.names if _private(a.name)]
            found += [node.module for part in node.module.split(".") if _private(part)]
    return found


def test_no_package_imports_a_private_name_of_another():
    """The project's own files, committed or new: not what a build copied beside them (git ignores those)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    own = {ROOT / name for name in listed.stdout.decode().split("\0") if name}
    where = {name: ROOT / name for name in PACKAGES}
    where["course_service"] = LAYER / "course_service"
    crossing = {
        str(path.relative_to(ROOT)): names
        for package, folder in where.items()
        for path in sorted(folder.rglob("*.py"))
        if path in own and (names := _private_imports(path, package))
    }
    assert crossing == {}


def test_metrics_are_recorded_in_one_place():
    """Only the entry point counts outcomes: no handler, response builder or error handler does."""
    sources = [*(LAYER / "course_service").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    recording = sorted(str(p.relative_to(ROOT)) for p in sources if "add_metric(" in p.read_text(encoding="utf-8"))
    assert recording == ["layers/course_common/course_service/entry.py"]


def test_docs_architecture_is_what_the_code_draws():
    spec = importlib.util.spec_from_file_location("architecture", ROOT / "tools" / "architecture.py")
    assert spec is not None and spec.loader is not None
    architecture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(architecture)

    assert (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8") == architecture.render(), (
        "docs/ARCHITECTURE.md is stale: make architecture"
    )


def test_the_pictures_show_the_layers_and_every_module_of_the_layer():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    modules = [p for p in (LAYER / "course_service").rglob("*.py") if p.name != "__init__.py"]
    assert modules
    for path in modules:
        assert f'["{path.stem}"]' in text, path
    for arrow in ("entry -->|", "edge -->|", "core -->|", "store -->|"):
        assert arrow in text
