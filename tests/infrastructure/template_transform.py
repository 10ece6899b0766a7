"""template.yaml as CloudFormation deploys it, for given parameter values.

CloudFormation runs the template's two transforms in order. ``AWS::LanguageExtensions`` resolves
what is known before deployment; this template relies on it for ``Fn::If`` (SAM accepts no
intrinsic function in ``Auth`` or ``Cors``), so that step is done here: each condition is evaluated
for the parameters, each ``Fn::If`` replaced by its branch, ``AWS::NoValue`` removed. Then
``AWS::Serverless-2016-10-31`` is SAM's own translator (``samtranslator``, run by the SAM CLI's
Python through tests/infrastructure/sam_translate.py), with local code paths replaced by S3 URIs as ``sam package``
does. Last, resources whose ``Condition`` is false are dropped: what remains is what gets created.
Parameter values the template's ``Rules`` refuse give CloudFormation's refusal instead, as it
checks them before anything else.
"""

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from localdev import template
from tests.root import ROOT

TRANSLATE = Path(__file__).with_name("sam_translate.py")
REGION = "us-east-1"
PSEUDO_PARAMETERS = {
    "AWS::Region": REGION,
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "course-service-test",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
_NO_VALUE = object()


def sam_python() -> str | None:
    """The Python of the SAM CLI's own environment (it holds samtranslator), if installed there."""
    sam = os.environ.get("SAM_CLI") or str(ROOT / ".tools/sam/bin/sam")
    python = Path(sam).parent / "python"
    return str(python) if python.exists() else None


def parameters(overrides: dict[str, str] | None = None, source: dict[str, Any] | None = None) -> dict[str, str]:
    """Every parameter's value as CloudFormation passes it (a string): its default unless overridden."""
    source = source or template.load()
    values = {name: str(p["Default"]) for name, p in source["Parameters"].items() if "Default" in p}
    return values | (overrides or {})


def condition(name: str, values: dict[str, str], source: dict[str, Any]) -> bool:
    return bool(evaluate(source["Conditions"][name], values, source, f"condition {name}"))


def evaluate(node: Any, values: dict[str, str], source: dict[str, Any], where: str) -> Any:
    """A condition's or a rule's expression, for these parameter values."""
    if not isinstance(node, dict):
        return node
    ((function, argument),) = node.items()
    if function == "Ref":
        return {**values, **PSEUDO_PARAMETERS}[argument]
    if function == "Condition":
        return condition(argument, values, source)
    if function == "Fn::Equals":
        return str(evaluate(argument[0], values, source, where)) == str(evaluate(argument[1], values, source, where))
    if function == "Fn::Not":
        return not evaluate(argument[0], values, source, where)
    if function == "Fn::And":
        return all(evaluate(a, values, source, where) for a in argument)
    if function == "Fn::Or":
        return any(evaluate(a, values, source, where) for a in argument)
    raise ValueError(f"{where}: {function} is not resolved here")


def rule_failures(values: dict[str, str], source: dict[str, Any] | None = None) -> list[str]:
    """What the template's Rules refuse for these values: CloudFormation checks them before it
    creates or changes anything, and fails with each failed assertion's description."""
    source = source or template.load()
    failures = []
    for name, rule in source.get("Rules", {}).items():
        applies = "RuleCondition" not in rule or evaluate(rule["RuleCondition"], values, source, f"rule {name}")
        for assertion in rule["Assertions"] if applies else []:
            if not evaluate(assertion["Assert"], values, source, f"rule {name}"):
                failures.append(f"{name}: {assertion['AssertDescription']}")
    return failures


def resolve_conditions(node: Any, values: dict[str, str], source: dict[str, Any]) -> Any:
    """``node`` with every ``Fn::If`` replaced by its chosen branch and ``AWS::NoValue`` removed."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            name, if_true, if_false = node["Fn::If"]
            return resolve_conditions(if_true if condition(name, values, source) else if_false, values, source)
        if node == {"Ref": "AWS::NoValue"}:
            return _NO_VALUE
        resolved = {key: resolve_conditions(value, values, source) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not _NO_VALUE}
    if isinstance(node, list):
        return [item for item in (resolve_conditions(v, values, source) for v in node) if item is not _NO_VALUE]
    return node


def language_extensions(values: dict[str, str], source: dict[str, Any] | None = None) -> dict[str, Any]:
    """The template after AWS::LanguageExtensions and ``sam package``: what SAM's transform receives."""
    source = source or template.load()
    resolved = resolve_conditions(copy.deepcopy(source), values, source)
    resolved["Transform"] = [t for t in resolved["Transform"] if t != "AWS::LanguageExtensions"]
    for logical_id, resource in resolved["Resources"].items():
        for key in ("CodeUri", "ContentUri"):
            if isinstance(resource.get("Properties", {}).get(key), str):
                resource["Properties"][key] = f"s3://artifacts/{logical_id}.zip"
    return resolved


def resolve_parameters(node: Any, values: dict[str, str]) -> Any:
    """``node`` with references to parameters replaced by their values, as CloudFormation does at
    deploy (``Ref``, and ``Fn::Sub`` strings that name nothing else), so tests compare plain values."""
    known = {**values, **PSEUDO_PARAMETERS}
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in known:
            return known[node["Ref"]]
        if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
            text = re.sub(r"\$\{([^}!]+)\}", lambda m: known.get(m.group(1), m.group(0)), node["Fn::Sub"])
            return text if "${" not in text else {"Fn::Sub": text}
        return {key: resolve_parameters(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_parameters(item, values) for item in node]
    return node


def deployed(transformed: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """Only the resources CloudFormation creates for these parameters, with the parameters' values in."""
    result = copy.deepcopy(transformed)
    result["Resources"] = {
        logical_id: resource
        for logical_id, resource in transformed["Resources"].items()
        if "Condition" not in resource or condition(resource["Condition"], values, transformed)
    }
    return resolve_parameters(resolve_conditions(result, values, transformed), values)


def transform(*parameter_sets: dict[str, str]) -> list[dict[str, Any]]:
    """For each set of parameter overrides: {"template": what is deployed} or {"error": SAM's message,
    or the template's Rules' refusal (CloudFormation's, before any transform runs)}."""
    python = sam_python()
    if python is None:
        raise RuntimeError("no SAM CLI environment with samtranslator (make test installs it)")
    all_values = [parameters(overrides) for overrides in parameter_sets]
    jobs = [
        {"template": language_extensions(values), "parameters": {**values, **PSEUDO_PARAMETERS}}
        for values in all_values
    ]
    result = subprocess.run(
        [python, str(TRANSLATE)],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "AWS_DEFAULT_REGION": REGION, "SAM_CLI_TELEMETRY": "0"},
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-4000:])
    outputs = json.loads(result.stdout)
    return [_outcome(output, values) for output, values in zip(outputs, all_values, strict=False)]


def _outcome(output: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    if refused := rule_failures(values):
        return {"error": "; ".join(refused)}
    return {"template": deployed(output["template"], values)} if "template" in output else output
