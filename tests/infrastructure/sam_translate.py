"""Runs SAM's translator on templates read from stdin, as the AWS::Serverless transform would.

Run by the SAM CLI's Python (its environment holds ``samtranslator``); tests/infrastructure/template_transform.py
calls it. Input: a JSON list of {"template", "parameters"}; output: a JSON list of {"template"} or
{"error"} (the transform's own messages), in the same order.
"""

import json
import sys

from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """The template names no AWS managed policy, so nothing needs IAM to look them up."""

    def load(self) -> dict:
        return {}


def translate(template: dict, parameters: dict) -> dict:
    try:
        return {"template": transform(template, parameters, NoManagedPolicies())}
    except InvalidDocumentException as error:
        return {"error": "; ".join(cause.message for cause in error.causes)}


if __name__ == "__main__":
    jobs = json.load(sys.stdin)
    json.dump([translate(job["template"], job["parameters"]) for job in jobs], sys.stdout)
