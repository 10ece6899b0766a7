"""HTTP integration: the local server (`python -m localdev`, what `make run` starts) in a child
process, in front of a real DynamoDB-compatible server (dynalite) on 127.0.0.1."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

import pytest

from localdev.dynamodb import Dynalite, free_port, wait_for_port
from localdev.template import ROOT


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]  # lower-case names
    raw: bytes

    @property
    def body(self):
        return json.loads(self.raw)


class LocalServer:
    def __init__(self, env: dict[str, str], data_dir: Path | None = None):
        self.port = free_port()
        command = [sys.executable, "-m", "localdev", "--port", str(self.port), "--max-instances", "16"]
        if data_dir is not None:
            command += ["--data-dir", str(data_dir)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            wait_for_port(self.port, timeout=60, process=self.process)
        except Exception:
            self.stop()
            raise

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> HttpReply:
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            payload = body if body is None or isinstance(body, (str, bytes)) else json.dumps(body)
            all_headers = {"Content-Type": "application/json", **(headers or {})}
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            return HttpReply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def stop(self) -> str:
        """Stops the server the way Ctrl-C does; returns what it printed."""
        if self.process.poll() is None:
            self.process.send_signal(subprocess.signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.stdout.read()


@pytest.fixture(scope="session")
def dynalite():
    with Dynalite() as server:
        yield server


@pytest.fixture(scope="session")
def server(dynalite):
    local = LocalServer({"DYNAMODB_ENDPOINT": dynalite.endpoint, "TABLE_NAME": "courses-it"})
    yield local
    local.stop()
