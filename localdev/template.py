"""Reads what the local tooling needs from template.yaml, so nothing there is listed twice."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that keeps intrinsic functions (!Ref, !GetAtt, !Sub, ...) as {"Fn": value}."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{tag_suffix}", node.start_mark)
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@cache
def load(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CloudFormationLoader)


@dataclass(frozen=True)
class Route:
    method: str  # upper case
    resource: str  # API Gateway's resource path, e.g. /courses/{name}
    function: str  # logical id
    code_uri: Path
    handler: str  # module.attribute
    pattern: re.Pattern[str]

    def match(self, path: str) -> dict[str, str] | None:
        """Path parameters (still percent-encoded) if ``path`` is this route's resource."""
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


def _resource_pattern(resource: str) -> re.Pattern[str]:
    # {name} stands for exactly one non-empty path segment, as in API Gateway.
    parts = re.split(r"(\{[^}/]+\})", resource)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(regex)


def routes(template: dict[str, Any] | None = None) -> list[Route]:
    """Every Api event of every function in the template."""
    template = template or load()
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        for event in props.get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            path = event["Properties"]["Path"]
            found.append(
                Route(
                    method=event["Properties"]["Method"].upper(),
                    resource=path,
                    function=logical_id,
                    code_uri=ROOT / props["CodeUri"],
                    handler=props["Handler"],
                    pattern=_resource_pattern(path),
                )
            )
    return found


@cache
def _routes_by_request() -> dict[tuple[str, str], Route]:
    return {(r.method, r.resource): r for r in routes()}


def route(method: str, resource: str) -> Route:
    """The template's route for ``method resource`` (``resource`` as declared, e.g. /courses/{name})."""
    return _routes_by_request()[(method, resource)]


def table_key_schema(template: dict[str, Any] | None = None, logical_id: str = "CoursesTable") -> dict[str, Any]:
    """KeySchema, AttributeDefinitions and GlobalSecondaryIndexes of a table of the template (by
    default the courses table; ``IdempotencyTable``: the Idempotency-Key records), for creating it
    elsewhere (on demand: the indexes need no throughput)."""
    template = template or load()
    props = template["Resources"][logical_id]["Properties"]
    keys = ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes")
    return {key: props[key] for key in keys if key in props}


def layer_dirs(template: dict[str, Any] | None = None) -> list[Path]:
    """Source folders of the template's layers (what goes on sys.path, like /opt/python)."""
    template = template or load()
    return [
        ROOT / r["Properties"]["ContentUri"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::LayerVersion"
    ]


def function_environment(template: dict[str, Any] | None = None) -> dict[str, Any]:
    """Globals' environment variables (values may be intrinsics: callers choose local values)."""
    template = template or load()
    return template["Globals"]["Function"]["Environment"]["Variables"]


def declared_variables(template: dict[str, Any] | None = None) -> set[str]:
    """Every environment variable the template declares for a function: Globals' and each one's own
    (the only ones `sam local --env-vars` sets)."""
    template = template or load()
    own = [
        r["Properties"].get("Environment", {}).get("Variables", {})
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    ]
    return set(function_environment(template)).union(*own)
