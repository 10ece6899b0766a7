"""Draws docs/ARCHITECTURE.md from the code: what imports what, as Mermaid graphs.

``make architecture`` writes it; tests/infrastructure/test_architecture.py fails when the committed
file is not what this script draws now. The layer's graph is grimp's (the import graph
import-linter checks the contracts on); the repository's is read from each package's imports.
"""

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "course_common"
DOCUMENT = ROOT / "docs" / "ARCHITECTURE.md"
PACKAGE = "course_service"
# The layer's packages, top to bottom (pyproject.toml's layers contract lists them in this order).
LAYERS = ["entry", "edge", "core", "store", "common"]
# The repository's Python packages, each with what it is for.
PACKAGES = {
    "functions": "one Lambda handler per route",
    PACKAGE: "the shared layer",
    "localdev": "the local server and its DynamoDB",
    "samlocal": "sam local by hand and in tests",
    "ops": "operations on a deployed stack",
    "testing": "the load test and the fault proxy",
    "bench": "cold start and latency benchmark",
    "tests": "unit, integration, infrastructure",
    "tools": "build and documentation scripts",
}

HEADER = """# Architecture

Generated from the code by `make architecture` (tools/architecture.py); a test fails when this page
is not what the code draws. Read top to bottom: an arrow is "imports".

The layer (`layers/course_common/course_service/`) is four layers and what they share, each
importing only those below it, as pyproject.toml's import contracts require (`make lint` checks
them with import-linter):

- `entry`: the Lambda entry point every function exports: the request's deadline, logs, traces,
  every outcome counted once, the headers of every response, SnapStart's hooks.
- `edge`: HTTP. Routing and request checks, conditional requests (ETags), responses, the API
  document's answers. It gets the core's own types (`core.courses.Course`), never DynamoDB's.
- `core`: the course operations, the decisions of the write path (`core.write_decisions`: 201,
  200, 204, 404, 409, 412 or 503 from what became of a write), the API's data contract, keyed
  creates.
- `store`: DynamoDB. The course item, its conditional writes (`store.conditional_writes`:
  applied, refused or unknown), its reads, the retry policy and the failure rule every call
  follows, the Idempotency-Key records. Nothing here knows HTTP.
- `common`: settings, the request's deadline, preconditions, logs, metrics and traces.
"""


def layer_graph() -> tuple[dict[str, list[str]], Counter[tuple[str, str]]]:
    """The layer's modules by package, and the imports between modules (internal and third-party)."""
    sys.path.insert(0, str(LAYER))
    import grimp

    graph = grimp.build_graph(PACKAGE, include_external_packages=True)
    modules: dict[str, list[str]] = {}
    for module in sorted(graph.modules):
        parts = module.split(".")
        if parts[0] == PACKAGE and len(parts) > 1 and graph.find_children(module) == set():
            package = parts[1]
            modules.setdefault(package, []).append(module)
    edges: Counter[tuple[str, str]] = Counter()
    for importer in (m for ms in modules.values() for m in ms):
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported.startswith(PACKAGE + ".") or _third_party(imported):
                edges[(importer, imported)] += 1
    return modules, edges


def _third_party(module: str) -> bool:
    top = module.split(".")[0]
    return top != PACKAGE and top not in sys.stdlib_module_names and top != "__future__"


def _package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[0] == PACKAGE else parts[0]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _node(module: str) -> str:
    return module.replace(".", "_")


def layers_picture(modules: dict[str, list[str]], edges: Counter[tuple[str, str]]) -> str:
    """The layers and the third-party packages they use, each arrow with its number of imports."""
    between: Counter[tuple[str, str]] = Counter()
    for importer, imported in edges:
        source, target = _package_of(importer), _package_of(imported)
        if source != target:
            between[(source, target)] += 1
    lines = ["flowchart TD"]
    lines += [f'    {name}["{name}: {_count(len(modules[name]), "module")}"]' for name in LAYERS]
    third_party = sorted({target for _, target in between if target not in LAYERS})
    lines += [f"    {name}[({name})]" for name in third_party]
    lines += [f"    {source} -->|{count}| {target}" for (source, target), count in sorted(between.items())]
    return "\n".join(lines)


def modules_picture(modules: dict[str, list[str]], edges: Counter[tuple[str, str]]) -> str:
    """Every module of the layer in its package, and every import between them."""
    lines = ["flowchart TD"]
    for package in LAYERS:
        if package == "entry":
            lines.append(f'    {_node(PACKAGE + ".entry")}["entry"]')
            continue
        lines.append(f"    subgraph {package}")
        lines += [f'        {_node(module)}["{module.split(".")[-1]}"]' for module in modules[package]]
        lines.append("    end")
    internal = sorted((a, b) for a, b in edges if b.startswith(PACKAGE + "."))
    lines += [f"    {_node(a)} --> {_node(b)}" for a, b in internal]
    return "\n".join(lines)


def _imports(path: Path) -> set[str]:
    """The top-level packages a Python file imports, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def repository_picture() -> str:
    """The repository's Python packages and which imports which."""
    where = {name: ROOT / name for name in PACKAGES}
    where[PACKAGE] = LAYER / PACKAGE
    uses: set[tuple[str, str]] = set()
    for name, folder in where.items():
        for path in sorted(folder.rglob("*.py")):
            if "baseline" in path.parts or "build" in path.parts:
                continue  # bench's botocore-only floor, and what it builds: not this service's code
            uses |= {(name, other) for other in _imports(path) if other in PACKAGES and other != name}
    lines = ["flowchart LR"]
    lines += [f'    {name}["{name}/: {what}"]' for name, what in PACKAGES.items()]
    lines += [f"    {source} --> {target}" for source, target in sorted(uses)]
    return "\n".join(lines)


def render() -> str:
    """The whole page."""
    modules, edges = layer_graph()
    sections = [
        HEADER,
        "## The layers\n\nEach arrow counts the module imports from one layer into the other.\n",
        f"```mermaid\n{layers_picture(modules, edges)}\n```\n",
        "## The layer's modules\n",
        f"```mermaid\n{modules_picture(modules, edges)}\n```\n",
        "## The repository\n\nThe Python packages, and which imports which.\n",
        f"```mermaid\n{repository_picture()}\n```\n",
    ]
    return "\n".join(sections)


def main() -> int:
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
