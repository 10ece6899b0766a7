"""The SAM CLI run as docs/LOCAL.md tells a developer to run `sam local`, and the answers it gives."""

import json
import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from localdev.template import declared_variables
from tests.root import ROOT

ENV_VARS_FILE = ROOT / "samlocal" / "sam-local-env.json"
SAM_ENV_VARS = json.loads(ENV_VARS_FILE.read_text())["Parameters"]
BUILT_TEMPLATE = ROOT / ".aws-sam" / "build" / "template.yaml"  # where `make sam-build` builds
# Set by the `make test-sam-local` that runs the by-hand commands: a person's make has none of them.
OUTER_MAKE = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")


def readme_commands() -> list[list[str]]:
    """The commands the "sam local" section of docs/LOCAL.md gives, in its first shell block, in
    order (the build first), each split as a shell splits it, comments left out."""
    section = (ROOT / "docs" / "LOCAL.md").read_text().split("\n## `sam local`\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


@dataclass
class Answer:
    """A response as the client sees it: status, headers (lower-case names), JSON body or None."""

    status: int
    headers: dict[str, str]
    body: object

    # What the HTTP server adds, not the function: differs between any two servers.
    TRANSPORT_HEADERS = frozenset({"date", "server", "content-length", "connection", "keep-alive"})

    @classmethod
    def of(cls, response: dict) -> "Answer":
        """From a function's proxy response (what `sam local invoke` prints)."""
        headers = {k.lower(): v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()}
        headers.update({k.lower(): v for k, v in (response.get("headers") or {}).items()})
        return cls(response["statusCode"], headers, json.loads(response["body"]) if response.get("body") else None)

    @classmethod
    def of_http(cls, reply) -> "Answer":
        """From an HTTP reply (localdev.server_process.HttpReply)."""
        return cls(reply.status, reply.headers, json.loads(reply.raw) if reply.raw else None)

    def comparable(self) -> tuple:
        """What two runs of one request share: timestamps (a course's, a listed course's) and ETags
        (they name the creation time) replaced by their presence, transport headers left out."""
        headers = {
            k: ("<etag>" if k == "etag" else v) for k, v in self.headers.items() if k not in self.TRANSPORT_HEADERS
        }
        return self.status, headers, _without_timestamps(self.body)


def _without_timestamps(value):
    if isinstance(value, list):
        return [_without_timestamps(item) for item in value]
    if isinstance(value, dict):
        return {
            k: "<timestamp>" if k in ("created_at", "updated_at") else _without_timestamps(v) for k, v in value.items()
        }
    return value


class SamCli:
    """The SAM CLI with the options docs/LOCAL.md gives for `sam local`."""

    def __init__(self, template: str):
        self.sam = os.environ["SAM_CLI"]
        # A developer's shell, without AWS credentials: with some, the SAM CLI asks STS for the
        # account id (seconds of retries where there is no network). The functions get SAM's
        # placeholders, which a local DynamoDB accepts. Only the template and the env-vars file set
        # the functions' variables (the shell's would come between them).
        declared = declared_variables()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in declared}
        self.env.update(SAM_CLI_TELEMETRY="0", AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull)
        self.options = [
            "--template",
            template,
            "--env-vars",
            str(ENV_VARS_FILE),
            "--add-host",
            "host.docker.internal:host-gateway",
            "--skip-pull-image",
            "--parameter-overrides",
            f"Architecture={os.environ['SAM_LOCAL_ARCHITECTURE']}",
        ]

    def invoke(self, function: str, event_file: Path) -> subprocess.CompletedProcess:
        command = [self.sam, "local", "invoke", function, "--event", str(event_file), *self.options]
        return subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300)

    def start_api(self, port: int, log: IO[str]) -> subprocess.Popen:
        """`sam local start-api` on 127.0.0.1:``port``, printing to ``log`` (a file: a pipe left
        unread would fill and stop it)."""
        # Warm containers, started at once (as `make run` warms every function first): one cold start
        # per function, not one per request, and one image build shared by all of them.
        command = [
            self.sam,
            "local",
            "start-api",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--warm-containers",
            "EAGER",
            *self.options,
        ]
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
