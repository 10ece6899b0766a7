"""The local server (`python -m localdev`, what `make run` starts) in a child process on a free
127.0.0.1 port, with a small HTTP client for it. Used by the integration tests and the load test.
"""

import collections
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path

from localdev.dynamodb import HOST, free_port, stop_process, wait_for_port
from localdev.template import ROOT

# What the server prints is kept for stop(): its first lines (URL, routes) and its last ones.
# It is read continuously: under load the access log would otherwise fill the pipe and block it.
KEPT_HEAD_LINES = 200
KEPT_TAIL_LINES = 200


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]  # lower-case names
    raw: bytes

    @property
    def body(self):
        return json.loads(self.raw)


def request(host: str, port: int, method: str, path: str, body=None, headers: dict | None = None) -> HttpReply:
    """One request; a body that is not str or bytes is sent as JSON, with a JSON Content-Type by default."""
    connection = HTTPConnection(host, port, timeout=30)
    try:
        payload = body if body is None or isinstance(body, (str, bytes)) else json.dumps(body)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        return HttpReply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


class LocalServer:
    """``python -m localdev`` on 127.0.0.1:<free port>; ``env`` overrides its environment."""

    def __init__(self, env: dict[str, str], data_dir: Path | None = None, max_instances: int = 4):
        self.host = HOST
        self.port = free_port()
        command = [sys.executable, "-m", "localdev", "--port", str(self.port), "--max-instances", str(max_instances)]
        if data_dir is not None:
            command += ["--data-dir", str(data_dir)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self._head: list[str] = []
        self._tail: collections.deque[str] = collections.deque(maxlen=KEPT_TAIL_LINES)
        self._dropped = 0
        self._reader = threading.Thread(target=self._read_output, name=f"localdev-{self.port}-output", daemon=True)
        self._reader.start()
        try:
            wait_for_port(self.port, timeout=60, process=self.process)
        except Exception:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _read_output(self) -> None:
        assert self.process.stdout is not None  # started with stdout=PIPE
        for line in self.process.stdout:
            if len(self._head) < KEPT_HEAD_LINES:
                self._head.append(line)
            else:
                if len(self._tail) == self._tail.maxlen:
                    self._dropped += 1
                self._tail.append(line)

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> HttpReply:
        return request(self.host, self.port, method, path, body, headers)

    def stop(self) -> str:
        """Stops the server the way Ctrl-C does; returns what it printed (its first and last lines)."""
        stop_process(self.process, signal.SIGINT, timeout=15)
        self._reader.join(timeout=5)
        skipped = [f"... ({self._dropped} lines not kept)\n"] if self._dropped else []
        return "".join(self._head + skipped + list(self._tail))
