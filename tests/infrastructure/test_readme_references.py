"""From a line of the documentation (README.md, SECURITY.md, docs/) to the test that proves it: every
reference to a test names a file that exists and, after ``::``, a test defined in it; every route of
the API reference (docs/API.md), every property of a course, every error status and every decision
(docs/DECISIONS.md) names at least one. And every link from a page to a file or a heading leads there."""

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from tests.root import ROOT

DOCUMENTS = ("README.md", "SECURITY.md", *sorted(str(path.relative_to(ROOT)) for path in (ROOT / "docs").glob("*.md")))
# The pages whose statements each name the tests that prove them.
PROVING = ("SECURITY.md", "docs/API.md", "docs/DECISIONS.md")
# tests/unit/test_x.py, tests/unit/test_x.py::test_y or tests/unit/test_x.py::TestClass::test_y; a
# parametrized id after it (``[...]``) is not part of the reference.
REFERENCE = re.compile(r"tests/[\w/]+\.py(?:::\w+)*")
# A test file named without its folder, as prose does (`test_edges.py`).
BARE_FILE = re.compile(r"(?<![\w/])test_\w+\.py\b")


@cache
def defined_tests(path: Path) -> frozenset[str]:
    """The functions of a test file, at module level (``name``) or in a class (``name`` and
    ``Class::name``)."""
    tree = ast.parse(path.read_text())
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    names = {node.name for node in tree.body if isinstance(node, functions)}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = [item.name for item in node.body if isinstance(item, functions)]
            names |= {*methods, *(f"{node.name}::{method}" for method in methods)}
    return frozenset(names)


def broken(reference: str) -> str | None:
    """Why ``reference`` leads nowhere, or None if it names an existing file (and test)."""
    file, _, test = reference.partition("::")
    if not (ROOT / file).is_file():
        return "no such file"
    if test and test not in defined_tests(ROOT / file):
        return "no such test in the file"
    return None


def sections(markdown: str) -> dict[str, str]:
    """The text of a page before its first section (under ``""``, its ``# title`` left out), then the
    text of each section (``## title``), by title."""
    intro, *chunks = markdown.split("\n## ")
    return {"": intro.split("\n", 1)[1], **dict(chunk.split("\n", 1) for chunk in chunks)}


def bullets(section: str) -> list[str]:
    """The top-level bullets of a section, each with its continuation lines (up to a blank line)."""
    return [item for block in section.split("\n\n") for item in re.split(r"\n(?=- )", block) if item.startswith("- ")]


def paragraphs(section: str) -> list[str]:
    """The prose paragraphs of a section: no heading, table, code block or bullet list."""
    without_code = re.sub(r"```.*?```", "", section, flags=re.DOTALL)
    blocks = [block.strip() for block in without_code.split("\n\n")]
    return [block for block in blocks if block and not block.startswith(("#", "|", "- ", "`"))]


def unproven(items: list[str]) -> list[str]:
    """The first line of each item that names no test."""
    return [item.split("\n", 1)[0] for item in items if not REFERENCE.search(item)]


API = sections((ROOT / "docs" / "API.md").read_text())
DECISIONS = sections((ROOT / "docs" / "DECISIONS.md").read_text())


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_test_a_document_names_exists(document):
    text = (ROOT / document).read_text()
    references = REFERENCE.findall(text)
    assert references or document not in PROVING, f"{document} names no test"
    assert {ref: why for ref in references if (why := broken(ref))} == {}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_test_file_a_document_names_without_its_folder_exists(document):
    test_files = {path.name for path in (ROOT / "tests").rglob("test_*.py")}
    named = set(BARE_FILE.findall((ROOT / document).read_text()))
    assert sorted(named - test_files) == []


def test_a_reference_to_a_missing_file_or_test_is_caught():
    existing = "tests/infrastructure/test_readme_references.py"
    assert broken(existing) is None
    assert broken(f"{existing}::test_a_reference_to_a_missing_file_or_test_is_caught") is None
    assert broken("tests/unit/test_no_such_file.py") == "no such file"
    assert broken(f"{existing}::test_that_was_renamed") == "no such test in the file"
    assert REFERENCE.findall(f"`{existing}::test_x[id-1]`") == [f"{existing}::test_x"]


def test_a_test_in_a_class_is_found_by_its_name_or_class_and_name(tmp_path):
    path = tmp_path / "test_in_a_class.py"
    path.write_text("class TestThing:\n    def test_it_works(self):\n        pass\n")
    assert defined_tests(path) == {"test_it_works", "TestThing::test_it_works"}


def test_each_route_of_the_api_reference_names_its_tests():
    routes = {title: text for title, text in API.items() if re.match(r"`[A-Z]+ /", title)}  # ## `GET /health`
    assert len(routes) >= 6
    whole = [f"{title}\n{text}" for title, text in routes.items()]
    assert unproven(whole + [bullet for text in routes.values() for bullet in bullets(text)]) == []


def test_each_property_of_a_course_and_of_every_response_names_its_tests():
    intro = API[""]
    properties = bullets(intro) + [block for block in paragraphs(intro) if block.startswith("Every response")]
    assert len(properties) == 4
    assert unproven(properties) == []


def test_each_error_status_and_each_decision_names_its_tests():
    errors = API["Errors every route can give"]
    rows = [line for line in errors.splitlines() if re.match(r"\| \d{3} \|", line)]
    decisions = bullets(DECISIONS["Requests, names, conditions and writes"]) + bullets(
        DECISIONS["Listing: indexes, cursors, consistency"]
    )
    assert len(rows) >= 8 and len(decisions) >= 30
    assert unproven(rows + paragraphs(errors) + decisions) == []


LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to ``-``."""
    headings = re.findall(r"^#+ (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.DOTALL), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def dead_links(document: str, root: Path = ROOT) -> list[str]:
    """The links of a page to a file of the repository, or to a heading, that lead nowhere."""
    page = root / document
    dead = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):  # https:, mailto: ...
            continue
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        if not path.exists() or (anchor and (not path.is_file() or anchor not in anchors(path.read_text()))):
            dead.append(target)
    return dead


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_link_of_a_page_to_a_file_or_heading_leads_there(document):
    assert dead_links(document) == []


def test_a_dead_link_is_caught(tmp_path):
    assert anchors("# Title\n## `make run`\n### Dependencies and why\n") == {
        "title",
        "make-run",
        "dependencies-and-why",
    }
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "PAGE.md").write_text("## Here\n[a](OTHER.md) [b](#here) [c](#there) [d](../README.md)\n")
    assert dead_links("docs/PAGE.md", root=tmp_path) == ["OTHER.md", "#there", "../README.md"]
    (tmp_path / "README.md").write_text("# Course Service\n")
    assert dead_links("docs/PAGE.md", root=tmp_path) == ["OTHER.md", "#there"]
