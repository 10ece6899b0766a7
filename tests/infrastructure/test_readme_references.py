"""From a line of the README (or SECURITY.md) to the test that proves it: every reference to a test
names a file that exists and, after ``::``, a test defined in it; every route of the API reference,
every error status and every decision names at least one."""

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from localdev.template import ROOT

DOCUMENTS = ("README.md", "SECURITY.md")
REFERENCE = re.compile(r"tests/[\w/]+\.py(?:::\w+)?")


@cache
def defined_tests(path: Path) -> frozenset[str]:
    """The test functions of a test file: at module level or in a class."""
    tree = ast.parse(path.read_text())
    nodes = [*tree.body, *(item for node in tree.body if isinstance(node, ast.ClassDef) for item in node.body)]
    return frozenset(node.name for node in nodes if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))


def broken(reference: str) -> str | None:
    """Why ``reference`` leads nowhere, or None if it names an existing file (and test)."""
    file, _, test = reference.partition("::")
    if not (ROOT / file).is_file():
        return "no such file"
    if test and test not in defined_tests(ROOT / file):
        return "no such test in the file"
    return None


def sections(markdown: str, heading: str) -> dict[str, str]:
    """The subsections (``### ...``) of the ``## heading`` section, by title."""
    part = markdown.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return {chunk.split("\n", 1)[0]: chunk for chunk in part.split("\n### ")[1:]}


def bullets(section: str) -> list[str]:
    """The top-level bullets of a section, each with its continuation lines."""
    return [item for item in re.split(r"\n(?=- )", section) if item.startswith("- ")]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_test_a_document_names_exists(document):
    text = (ROOT / document).read_text()
    references = REFERENCE.findall(text)
    assert references, f"{document} names no test"
    assert {ref: why for ref in references if (why := broken(ref))} == {}


def test_a_reference_to_a_missing_file_or_test_is_caught():
    existing = "tests/infrastructure/test_readme_references.py"
    assert broken(existing) is None
    assert broken(f"{existing}::test_a_reference_to_a_missing_file_or_test_is_caught") is None
    assert broken("tests/unit/test_no_such_file.py") == "no such file"
    assert broken(f"{existing}::test_that_was_renamed") == "no such test in the file"


def test_each_route_of_the_api_reference_names_its_tests():
    api = sections((ROOT / "README.md").read_text(), "API reference")
    routes = {title: text for title, text in api.items() if title.startswith("`")}  # ### `GET /health`
    unproven = [title for title, text in routes.items() if not REFERENCE.search(text)]
    assert len(routes) >= 6 and unproven == []


def test_each_error_status_and_each_decision_names_its_tests():
    readme = (ROOT / "README.md").read_text()
    api = sections(readme, "API reference")
    rows = [line for line in api["Errors every route can give"].splitlines() if re.match(r"\| \d{3} \|", line)]
    decisions = bullets(api["Decisions where the contract is silent"]) + bullets(
        api["Listing: indexes, cursors, consistency"]
    )
    unproven = [item.split("\n", 1)[0] for item in rows + decisions if not REFERENCE.search(item)]
    assert len(rows) >= 8 and len(decisions) >= 30 and unproven == []
