"""Every file of the repository the documents name exists, and every module they name imports from
where they say: a move in the code shows up here, not in a reader's failed search."""

import re

import pytest

from tests.root import ROOT

DOCUMENTS = sorted(
    ["README.md", "SECURITY.md", *(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
)
PACKAGES = ("course_service", "localdev", "samlocal", "ops", "testing", "bench", "tools", "functions", "tests")
# A path into one of the repository's packages: layers/course_common/course_service/x.py, or the
# shorter course_service/x.py the documents use for the layer's modules, localdev/x.py, ...
_PACKAGE = "(?:" + "|".join(PACKAGES) + ")"
PATH = re.compile(r"(?<![\w./-])(?:layers/course_common/)?" + _PACKAGE + r"/[\w./-]*\w")
# A dotted module: course_service.core.courses, python -m ops.smoke, ...
MODULE = re.compile(r"(?<![\w./-])" + _PACKAGE + r"(?:\.[a-z_]\w*)+")
FILE_SUFFIXES = (".py", ".json", ".js", ".lock", ".in", ".md", ".yml", ".yaml", ".toml")


def _exists(path: str) -> bool:
    if path.startswith("course_service/"):
        path = "layers/course_common/" + path
    return (ROOT / path).exists()


def _module_exists(dotted: str) -> bool:
    """A module or package, or a name defined in one (course_service.core.courses.Course)."""
    parts = dotted.split(".")
    base = ROOT / "layers/course_common" if parts[0] == "course_service" else ROOT
    for end in range(len(parts), 1, -1):  # at least the package and one module of it
        folder = base.joinpath(*parts[:end])
        if folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file() or folder.is_dir():
            return True
    return False


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_file_a_document_names_exists(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    named = {m.rstrip(".") for m in PATH.findall(text) if m.rstrip(".").endswith(FILE_SUFFIXES)}
    assert sorted(path for path in named if not _exists(path)) == []


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_module_a_document_names_is_where_it_says(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    named = {m for m in MODULE.findall(text) if not m.endswith((".py", ".json", ".md"))}
    assert sorted(module for module in named if not _module_exists(module)) == []
